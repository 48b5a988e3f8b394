import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { differences } from "../e2e/machine/state";
import { LATE_PARTS_MARKER } from "../e2e/late-parts";

// The order the test files run in (test/sequencer.js), and the e2e suite's
// check of the machine (test/e2e/machine): both decide whether CI is the same
// on a fresh machine and a warm one.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ProjectOrder = require("../sequencer") as new (options: object) => { sort(tests: FakeTest[]): FakeTest[] };

interface FakeTest {
    path: string;
    context: { config: { displayName: { name: string } } };
}

const file = (suite: string, name: string): FakeTest => ({
    path: `/repo/test/${suite}/${name}.test.ts`,
    context: { config: { displayName: { name: suite } } },
});
const files = [
    file("e2e", "swarm"),
    file("unit", "workloads"),
    file("e2e", "local-stack"),
    file("unit", "azure-graph"),
    file("e2e", "vm-boot-script"),
];
const sorted = (order?: string) => {
    const saved = process.env.DSENV_TEST_ORDER;
    if (order === undefined) delete process.env.DSENV_TEST_ORDER;
    else process.env.DSENV_TEST_ORDER = order;
    try {
        return new ProjectOrder({}).sort(files).map(t => t.path.replace("/repo/test/", ""));
    } finally {
        if (saved === undefined) delete process.env.DSENV_TEST_ORDER;
        else process.env.DSENV_TEST_ORDER = saved;
    }
};

describe("test order", () => {
    const forward = [
        "unit/azure-graph.test.ts",
        "unit/workloads.test.ts",
        "e2e/local-stack.test.ts",
        "e2e/swarm.test.ts",
        "e2e/vm-boot-script.test.ts",
    ];

    test("by default: the unit suite first, then the e2e suite, each file by its path, whatever order jest found them in", () => {
        expect(sorted()).toEqual(forward);
        expect(sorted("forward")).toEqual(forward);
    });

    test("DSENV_TEST_ORDER=reverse runs the same list backwards", () => {
        expect(sorted("reverse")).toEqual([...forward].reverse());
    });

    test("another value is refused, naming it and what is accepted", () => {
        expect(() => sorted("random")).toThrow("DSENV_TEST_ORDER=random: accepted values are forward and reverse");
    });
});

describe("the e2e files that wait for the toolchain's late parts (test/e2e/late-parts.ts)", () => {
    let dir: string;
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-order-"));
        fs.writeFileSync(path.join(dir, "a-cluster.test.ts"), `beforeAll(() => ${LATE_PARTS_MARKER}"kube-cluster"));\n`);
        fs.writeFileSync(path.join(dir, "b-local.test.ts"), "test('x', () => {});\n");
        fs.writeFileSync(path.join(dir, "c-swarm.test.ts"), "test('y', () => {});\n");
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const e2e = (name: string): FakeTest => ({
        path: path.join(dir, `${name}.test.ts`),
        context: { config: { displayName: { name: "e2e" } } },
    });

    test("run after the other e2e files, by which time scripts/test.sh's background build is done; reverse runs them first", () => {
        const order = (o: string) => {
            process.env.DSENV_TEST_ORDER = o;
            try {
                return new ProjectOrder({})
                    .sort([e2e("c-swarm"), e2e("a-cluster"), file("unit", "workloads"), e2e("b-local")])
                    .map(t => path.basename(t.path));
            } finally {
                delete process.env.DSENV_TEST_ORDER;
            }
        };
        expect(order("forward")).toEqual(["workloads.test.ts", "b-local.test.ts", "c-swarm.test.ts", "a-cluster.test.ts"]);
        expect(order("reverse")).toEqual(["a-cluster.test.ts", "c-swarm.test.ts", "b-local.test.ts", "workloads.test.ts"]);
    });

    test("the sequencer looks for the call test/e2e/late-parts.ts exports", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(require("../sequencer").LATE_PARTS_MARKER).toBe(LATE_PARTS_MARKER);
    });
});

describe("the e2e suite's machine check", () => {
    const before = {
        "network interface": ["lo", "eth0", "docker0"],
        "iptables rule (filter)": ["-P FORWARD DROP", "-A DOCKER-USER -j RETURN"],
    };

    test("the same state: no difference", () => {
        expect(differences(before, structuredClone(before))).toEqual([]);
    });

    test("a bridge gone and a rule left behind are both named", () => {
        const after = {
            "network interface": ["lo", "eth0"],
            "iptables rule (filter)": [...before["iptables rule (filter)"], "-A DOCKER-USER -s 10.213.0.0/16 -j ACCEPT"],
        };
        expect(differences(before, after)).toEqual([
            "network interface gone: docker0",
            "iptables rule (filter) left behind: -A DOCKER-USER -s 10.213.0.0/16 -j ACCEPT",
        ]);
    });

    test("lines count one for one: a rule that stood twice and stands once is one gone", () => {
        const twice = { "iptables rule (filter)": ["-A FORWARD -j DOCKER-USER", "-A FORWARD -j DOCKER-USER"] };
        expect(differences(twice, { "iptables rule (filter)": ["-A FORWARD -j DOCKER-USER"] })).toEqual([
            "iptables rule (filter) gone: -A FORWARD -j DOCKER-USER",
        ]);
    });
});
