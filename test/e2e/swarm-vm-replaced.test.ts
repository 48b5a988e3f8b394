import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as docker from "@pulumi/docker";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { machineIncarnation } from "../../components/managed-machine";
import { Swarm } from "../../components/swarm/swarm";
import { DataVolume } from "../../components/volume";
import { waitFor } from "./harness";
import { SwarmNode, SwarmNodes } from "./swarm-nodes";
import type { SwarmNodeArgs } from "../../components/swarm/swarm";

// A swarm VM replaced by an up (issue 18: a change Azure cannot make in place,
// on a stack of several VMs), Azure aside. Two simulated machines (swarm-nodes.ts)
// as the azure target declares its VMs' swarm: each machine a resource that a new
// generation replaces (the old one first, as the VM), its incarnation, a readiness
// step; the Swarm component with each node's machine; a volume on node 2 and a
// service pinned there by label that appends a line to a file on the volume at each
// start. Node 2 is then replaced (a new engine at the same address and hostname, the
// volumes kept, as the kept data disk) and its generation bumped: ONE up makes it
// join again, removes its earlier node from the swarm's list, labels it, and the
// swarm runs the service there again on the same data.
jest.setTimeout(10 * 60_000);

const IMAGE = "dsenv/debian:bookworm";
const prefix = `dsr-${crypto.randomBytes(2).toString("hex")}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsr-"));
let lab: SwarmNodes;
let n1: SwarmNode, n2: SwarmNode;
let stack: Stack;
/** Each machine's generation: a new one is a new VM. */
const generations = [1, 1];

/** The readiness step's stand-in (HostReadiness on Azure): waits until the machine's engine answers, with the image the stack runs. */
const readyProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        await engineAnswers(inputs.host, inputs.image);
        return { id: `${inputs.host}#${inputs.generation}`, outs: inputs };
    },
    async diff(_id, olds, news) {
        return { changes: olds.generation !== news.generation, replaces: olds.generation !== news.generation ? ["generation"] : [] };
    },
};

async function engineAnswers(host: string, image: string): Promise<void> {
    const { execFileSync } = require("child_process") as typeof import("child_process");
    for (let i = 0; i < 180; i++) {
        try {
            execFileSync("docker", ["-H", host, "image", "inspect", image], { stdio: "ignore", timeout: 5000 });
            return;
        } catch {
            await new Promise(resolve => setTimeout(resolve, 500));
        }
    }
    throw new Error(`no engine answers at ${host}`);
}

class EngineReady extends pulumi.dynamic.Resource {
    constructor(name: string, props: { host: string; image: string; generation: string }, opts: pulumi.CustomResourceOptions) {
        super(readyProvider, name, props, opts, "dsenv-e2e", "EngineReady");
    }
}

function program(): Promise<void> {
    const nodes = [n1, n2].map((node, i): SwarmNodeArgs => {
        const name = `vm${i + 1}`;
        const generation = String(generations[i]);
        // Stands for the VM; a new generation replaces it, the old one first (as GpuVm's deleteBeforeReplace).
        const vm = new random.RandomId(name, { byteLength: 4, keepers: { generation } }, { deleteBeforeReplace: true });
        const machine = { resource: vm, incarnation: machineIncarnation(`${name}-incarnation`, vm.hex, {}) };
        const ready = new EngineReady(`${name}-ready`, { host: node.dockerHost, image: IMAGE, generation }, { dependsOn: [vm] });
        return {
            engine: { host: node.dockerHost, sshOpts: [] },
            advertiseAddr: node.address,
            labels: i === 1 ? { "dsenv.e2e.data": "true" } : {},
            readyAfter: [ready],
            machine,
        };
    });
    const swarm = new Swarm("swarm", { nodes });
    const volume = new DataVolume("db", { engine: swarm.nodes[1].engine, volumeName: `${prefix}-db`, keepOnDestroy: false });
    new docker.Service(
        "box",
        {
            name: `${prefix}-box`,
            taskSpec: {
                containerSpec: {
                    image: IMAGE,
                    commands: ["sh", "-c", "date >> /var/lib/db/starts && exec sleep 600"],
                    mounts: [{ type: "volume", source: volume.name, target: "/var/lib/db" }],
                    stopGracePeriod: "1s",
                },
                placement: { constraints: ["node.labels.dsenv.e2e.data==true"] },
            },
            mode: { replicated: { replicas: 1 } },
        },
        swarm.manager.on(swarm.manager, { dependsOn: swarm.ready }),
    );
    return Promise.resolve();
}

/** The service's running container on node 2, if there is one. */
function taskOnNode2(): string | undefined {
    return lab.docker(n2, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${prefix}-box`) || undefined;
}

/** The swarm's nodes as the manager lists them: hostname, status, id. */
function nodeList(): { hostname: string; status: string; id: string }[] {
    return lab
        .docker(n1, "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ID}}")
        .split("\n")
        .map(line => {
            const [hostname, status, id] = line.split(" ");
            return { hostname, status, id };
        })
        .sort((a, b) => a.hostname.localeCompare(b.hostname));
}

beforeAll(async () => {
    lab = await new SwarmNodes([0, 0]).start();
    [n1, n2] = lab.nodes;
    lab.loadImages([n1, n2], IMAGE);
    const state = path.join(dir, "state");
    fs.mkdirSync(state);
    // The program's directory: the dynamic providers' host resolves @pulumi/pulumi from there.
    const workDir = path.join(dir, "work");
    fs.mkdirSync(workDir);
    fs.symlinkSync(path.resolve("node_modules"), path.join(workDir, "node_modules"));
    stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "replaced", projectName: "dsenv-swarm-vm-replaced", program },
        {
            workDir,
            projectSettings: { name: "dsenv-swarm-vm-replaced", runtime: "nodejs", backend: { url: `file://${state}` } },
            secretsProvider: "passphrase",
            envVars: {
                PULUMI_CONFIG_PASSPHRASE: "e2e",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                PULUMI_SKIP_UPDATE_CHECK: "true",
            },
        },
    );
});

afterAll(async () => {
    try {
        await stack?.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
    } finally {
        await lab?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

test("a replaced worker VM: one up joins it again, removes its earlier node, and the swarm runs its service there again on the same data", async () => {
    await stack.up();
    await waitFor("the service's task on node 2", () => taskOnNode2() !== undefined, 60_000);
    const before = nodeList();
    expect(before.map(n => [n.hostname, n.status])).toEqual([
        [n1.name, "Ready"],
        [n2.name, "Ready"],
    ]);
    const volumeData = () => path.join(lab.dir, "n2", "data", "volumes", `${prefix}-db`, "_data", "starts");
    expect(fs.readFileSync(volumeData(), "utf8").trim().split("\n")).toHaveLength(1);

    // Azure replaces VM 2: a new machine at the same address, the data disk's volumes kept.
    await lab.replace(n2);
    expect(lab.docker(n2, "info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("inactive");
    lab.loadImages([n2], IMAGE);
    generations[1] = 2;

    // The preview says it: the VM, its incarnation, readiness and membership are replaced; the volume is not.
    const preview = await stack.preview();
    expect(preview.changeSummary?.replace).toBeGreaterThanOrEqual(4);
    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");

    // In the swarm again, as a new node; the earlier one is gone from the list.
    expect(lab.docker(n2, "info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("active");
    const after = nodeList();
    expect(after.map(n => [n.hostname, n.status])).toEqual([
        [n1.name, "Ready"],
        [n2.name, "Ready"],
    ]);
    expect(after[1].id).not.toBe(before[1].id);
    expect(lab.docker(n1, "node", "inspect", "--format", '{{index .Spec.Labels "dsenv.e2e.data"}}', after[1].id)).toBe("true");
    // The swarm puts the service's task on the new node, on the kept volume: the first start's line and this one's.
    await waitFor("the service's task on the new node 2", () => taskOnNode2() !== undefined, 90_000);
    await waitFor(
        "the task's start on the kept volume",
        () => fs.readFileSync(volumeData(), "utf8").trim().split("\n").length === 2,
        30_000,
    );
    expect(lab.docker(n2, "exec", taskOnNode2()!, "cat", "/var/lib/db/starts")).toBe(fs.readFileSync(volumeData(), "utf8").trim());
    // Nothing is left to change.
    expect((await stack.preview({ expectNoChanges: true })).changeSummary?.same).toBeGreaterThan(0);
});

test("a replaced manager VM (VM 1): one up makes a new swarm on it, node 2 leaves the old one and joins, and the service runs again on node 2's data", async () => {
    const volumeData = () => path.join(lab.dir, "n2", "data", "volumes", `${prefix}-db`, "_data", "starts");
    const startsBefore = fs.readFileSync(volumeData(), "utf8").trim().split("\n").length;
    await lab.replace(n1);
    lab.loadImages([n1], IMAGE);
    generations[0] += 1;

    const up = await stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(lab.docker(n1, "info", "--format", "{{.Swarm.ControlAvailable}}")).toBe("true");
    // Node 2 is in the new swarm: its manager lists it, ready (a worker knows no cluster id).
    expect(lab.docker(n2, "info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("active");
    expect(nodeList().map(n => [n.hostname, n.status])).toEqual([
        [n1.name, "Ready"],
        [n2.name, "Ready"],
    ]);
    await waitFor("the service's task on node 2", () => taskOnNode2() !== undefined, 90_000);
    await waitFor(
        "the task's start on the kept volume",
        () => fs.readFileSync(volumeData(), "utf8").trim().split("\n").length === startsBefore + 1,
        30_000,
    );
    expect((await stack.preview({ expectNoChanges: true })).changeSummary?.same).toBeGreaterThan(0);
});
