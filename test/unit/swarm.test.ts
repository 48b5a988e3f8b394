import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { nodesAdvertising } from "./swarm-nodes";
import { byType, configProblem, Declared, leaves, nameOf, one, Run, runWithMocks, valueOf } from "./harness";

// The swarm target's graph under mocks: the membership steps, the services
// rendered from the same workload specs as the containers of the local target,
// where volumes go, what is secret, and the config checks that need the nodes.

const SERVICE = "docker:index/service:Service";
const VOLUME = "docker:index/volume:Volume";
const SECRET = "docker:index/secret:Secret";
const JOIN = "pulumi-nodejs:dynamic/dsenv:SwarmJoin";
const LABELS = "pulumi-nodejs:dynamic/dsenv:SwarmNodeLabels";
const NODES = ["unix:///run/lab/n1.sock 10.0.0.11", "ssh://lab@gpu2 10.0.0.12 gpu=a100", "ssh://lab@gpu3 10.0.0.13"];
const BASE = { target: "swarm", swarmNodes: JSON.stringify(NODES), registryServer: "http://10.0.0.11:5000", namePrefix: "p" };

function swarmStack(config: Record<string, string> = {}, capacity: (number | undefined)[] = [0, 1, 2]): Promise<Run<unknown>> {
    return runWithMocks({ ...BASE, ...config }, () => deploy(loadSettings(undefined, {}, nodesAdvertising(NODES, capacity))));
}

async function taskSpec(service: Declared): Promise<any> {
    return valueOf(service.props.taskSpec);
}

describe("the swarm target: membership, the workspace as services", () => {
    let r: Run<unknown>;
    beforeAll(async () => {
        r = await swarmStack();
    });

    test("the program runs without error", () => {
        expect(r.error).toBeUndefined();
    });

    test("the swarm is made on the first node, joined by the others, every node labelled", async () => {
        const steps = r.declared
            .filter(d => d.type.startsWith("pulumi-nodejs:dynamic/"))
            .map(d => `${d.type.split(":").pop()} ${d.name}`)
            .sort();
        expect(steps).toEqual([
            "SwarmInit swarm-init",
            "SwarmJoin swarm-node2",
            "SwarmJoin swarm-node3",
            "SwarmNodeLabels swarm-node1-labels",
            "SwarmNodeLabels swarm-node2-labels",
            "SwarmNodeLabels swarm-node3-labels",
        ]);
        expect(await valueOf(one(r, JOIN, "swarm-node2").props.role)).toBe("worker");
        expect(await valueOf(one(r, LABELS, "swarm-node1-labels").props.labels)).toEqual({
            "dsenv.place.data": "true",
            "dsenv.place.default": "true",
        });
        expect(await valueOf(one(r, LABELS, "swarm-node2-labels").props.labels)).toEqual({ gpu: "a100" });
    });

    test("services are declared on the manager, with the workload network an attachable overlay", async () => {
        const services = byType(r, SERVICE);
        expect(services.map(s => s.props.name).sort()).toEqual(["p-jupyter", "p-mysql"]);
        for (const s of services) expect(nameOf(s.opts.provider)).toBe("swarm-node1");
        const net = one(r, "docker:index/network:Network", "workspace-net");
        expect([net.props.driver, net.props.attachable, net.props.name]).toEqual(["overlay", true, "p-net"]);
    });

    test("MySQL stays with its data: pinned by label, its volume on the data node, its passwords as Docker secrets", async () => {
        const mysql = one(r, SERVICE, "workspace-mysql");
        const spec = await taskSpec(mysql);
        expect(spec.placement.constraints).toEqual(["node.labels.dsenv.place.data==true"]);
        expect(nameOf(one(r, VOLUME, "workspace-mysql-data").opts.provider)).toBe("swarm-node1");
        const env = await valueOf(spec.containerSpec.env);
        expect(env).toMatchObject({
            MYSQL_DATABASE: "analytics",
            MYSQL_PASSWORD_FILE: "/run/secrets/mysql_password",
            MYSQL_ROOT_PASSWORD_FILE: "/run/secrets/mysql_root_password",
        });
        expect(Object.keys(env)).not.toContain("MYSQL_PASSWORD");
        expect(
            byType(r, SECRET)
                .map(s => s.name)
                .sort(),
        ).toEqual([
            "workspace-jupyter-database_url",
            "workspace-jupyter-jupyter_token",
            "workspace-jupyter-mysql_password",
            "workspace-mysql-mysql_password",
            "workspace-mysql-mysql_root_password",
        ]);
        expect((await valueOf(spec.networksAdvanceds))[0].aliases).toEqual(["mysql", "myjupyterdb"]);
    });

    test("ports are published in host mode on the pinned node, names resolve to the task (dnsrr), the URL is that node's", async () => {
        const jupyter = one(r, SERVICE, "workspace-jupyter");
        const endpoint = await valueOf(jupyter.props.endpointSpec);
        expect(endpoint).toMatchObject({
            mode: "dnsrr",
            ports: [{ targetPort: 8888, publishedPort: 8888, publishMode: "host", protocol: "tcp" }],
        });
        expect((await taskSpec(jupyter)).placement.constraints).toEqual(["node.labels.dsenv.place.data==true"]);
    });

    test("no secret value is in a plain input: secrets' data, task specs and their env are secret", async () => {
        for (const d of r.declared) {
            for (const leaf of await leaves(d.props, d.name)) {
                if (/secret-workspace-(mysql|jupyter)/.test(leaf.value)) expect([leaf.path, leaf.secret]).toEqual([leaf.path, true]);
            }
        }
    });
});

describe("per-user notebooks and GPU workloads on the swarm", () => {
    let r: Run<unknown>;
    beforeAll(async () => {
        r = await swarmStack({
            jupyterUsers: '["alice:1001:1002@2=8901", "bob"]',
            pytorchEnabled: "true",
            pytorchGpus: "2",
            pytorchHomeDir: "/nfs/home",
        });
    });

    test("each user gets a notebook on their node, as their uid/gid, on their own port, with their own work volume", async () => {
        expect(r.error).toBeUndefined();
        expect(
            byType(r, SERVICE)
                .map(s => s.props.name)
                .sort(),
        ).toEqual(["p-jupyter-alice", "p-jupyter-bob", "p-mysql", "p-pytorch"]);
        const alice = one(r, SERVICE, "workspace-jupyter-alice");
        const spec = await taskSpec(alice);
        expect(spec.containerSpec.user).toBe("root");
        expect(await valueOf(spec.containerSpec.env)).toMatchObject({ NB_UID: "1001", NB_GID: "1002", CHOWN_HOME: "yes" });
        expect(spec.placement.constraints).toEqual(["node.labels.dsenv.place.user-alice==true"]);
        expect((await valueOf(alice.props.endpointSpec)).ports[0].publishedPort).toBe(8901);
        expect(nameOf(one(r, VOLUME, "workspace-jupyter-alice-work").opts.provider)).toBe("swarm-node2");
        // bob has no @node: second in the list, second node.
        expect(await valueOf(one(r, LABELS, "swarm-node2-labels").props.labels)).toEqual({
            gpu: "a100",
            "dsenv.place.user-alice": "true",
            "dsenv.place.user-bob": "true",
        });
        // bob gives no port: his name's, after jupyterHostPort (8888).
        expect((await valueOf(one(r, SERVICE, "workspace-jupyter-bob").props.endpointSpec)).ports[0].publishedPort).toBe(9133);
    });

    test("a GPU workload reserves a count of NVIDIA-GPU and runs anywhere it fits when its home is on every node", async () => {
        const spec = await taskSpec(one(r, SERVICE, "pytorch"));
        expect(spec.resources.reservation.genericResources.discreteResourcesSpecs).toEqual(["NVIDIA-GPU=2"]);
        expect(spec.placement.constraints).toEqual([]);
        expect(await valueOf(spec.containerSpec.env)).toMatchObject({ NVIDIA_DRIVER_CAPABILITIES: "compute,utility" });
        expect(spec.containerSpec.mounts).toEqual([{ type: "bind", target: "/home", readOnly: false, source: "/nfs/home" }]);
    });
});

describe("swarm config is checked before anything is declared", () => {
    async function rejected(config: Record<string, string>, capacity: (number | undefined)[] = [0, 1, 2]): Promise<string> {
        const r = await swarmStack(config, capacity);
        expect(r.declared).toEqual([]);
        expect(r.error?.name).toBe("ConfigError");
        return r.error!.message;
    }
    const CAPACITY = "node 1 (unix:///run/lab/n1.sock): 0, node 2 (ssh://lab@gpu2): 1, node 3 (ssh://lab@gpu3): 2";

    test.each<[string, Record<string, string>, string]>([
        [
            "a GPU request no node can satisfy",
            { pytorchEnabled: "true", pytorchGpus: "3", pytorchHomeDir: "/nfs" },
            `dsenv:pytorchGpus: got "3", expected at most 2 GPUs, what the best-equipped node advertises (NVIDIA-GPU generic resources; ${CAPACITY}): a task's GPUs come from one node`,
        ],
        [
            "all GPUs, which means nothing across machines",
            { pytorchEnabled: "true", pytorchGpus: "all", pytorchHomeDir: "/nfs" },
            `dsenv:pytorchGpus: got "all", expected a number of GPUs: a swarm reserves GPUs by count from what its nodes advertise (${CAPACITY})`,
        ],
        [
            "a node entry without its address",
            { swarmNodes: '["ssh://lab@gpu1"]' },
            'dsenv:swarmNodes: got "ssh://lab@gpu1", expected "<engine> <advertise-ip> [<label>=<value> ...]", e.g. "ssh://lab@gpu1 192.168.10.11 gpu=a100"',
        ],
        [
            "a name where swarm wants an address",
            { swarmNodes: '["ssh://lab@gpu1 gpu1.lab"]' },
            'dsenv:swarmNodes: got "ssh://lab@gpu1 gpu1.lab", expected "<engine> <advertise-ip> [<label>=<value> ...]", e.g. "ssh://lab@gpu1 192.168.10.11 gpu=a100", with the IP address the other nodes reach this one at (swarm wants an address, not a name or 0.0.0.0; got "gpu1.lab")',
        ],
        [
            "a label under the stack's own prefix",
            { swarmNodes: '["ssh://lab@gpu1 10.0.0.1 dsenv.place.data=true"]' },
            'dsenv:swarmNodes: got "ssh://lab@gpu1 10.0.0.1 dsenv.place.data=true", expected "<engine> <advertise-ip> [<label>=<value> ...]", e.g. "ssh://lab@gpu1 192.168.10.11 gpu=a100", without labels under "dsenv." (the stack sets those; got "dsenv.place.data=true")',
        ],
        [
            "one machine twice",
            { swarmNodes: '["ssh://a 10.0.0.1", "ssh://b 10.0.0.1"]' },
            'dsenv:swarmNodes: got ["ssh://a 10.0.0.1","ssh://b 10.0.0.1"], expected each machine once (the advertise address "10.0.0.1" is listed twice)',
        ],
        [
            "an even number of managers",
            { swarmManagers: "2" },
            "dsenv:swarmManagers: got 2, expected an odd number of managers from 1 to the number of nodes (3): a swarm keeps working while a majority of its managers does",
        ],
        [
            "a data node that is not in the list",
            { swarmDataNode: "4" },
            "dsenv:swarmDataNode: got 4, expected the number of the node (1 to 3, in dsenv:swarmNodes' order) that keeps the data",
        ],
        [
            "no registry for the images built here",
            { registryServer: "" },
            'dsenv:registryServer: got "", expected a registry every swarm node can pull from (host:port, or http://host:port for a plain-HTTP lab registry): the nodes pull the images built here from it',
        ],
        [
            "a user on a node that is not there",
            { jupyterUsers: '["alice@4"]' },
            'dsenv:jupyterUsers: got "alice@4", expected "<name>[:<uid>[:<gid>]][@<node>][=<port>]" with a lowercase name (letters, digits, dashes), e.g. "alice:1001:1001@2=8901", with a node from 1 to 3 (dsenv:swarmNodes\' order)',
        ],
        [
            "a user twice",
            { jupyterUsers: '["alice", "alice:1002"]' },
            'dsenv:jupyterUsers: got ["alice","alice:1002"], expected each name once ("alice" is listed twice)',
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test("a node that does not answer leaves the GPU check to the swarm, with a warning", async () => {
        const r = await swarmStack({ pytorchEnabled: "true", pytorchGpus: "3", pytorchHomeDir: "/nfs" }, [0, undefined, 2]);
        expect(r.error).toBeUndefined();
        expect(byType(r, SERVICE).map(s => s.props.name)).toContain("p-pytorch");
    });

    test("swarm keys on the local target have no effect and are reported", async () => {
        const r = await runWithMocks({ swarmNodes: JSON.stringify(NODES) }, () => deploy(loadSettings(undefined, {})));
        expect(r.error?.message).toBe(
            configProblem(
                `dsenv:swarmNodes: got ${JSON.stringify(NODES)}, expected it unset, since the local target does not use it (it has no effect)`,
            ),
        );
    });

    test("@<node> on a target with one engine is refused", async () => {
        const r = await runWithMocks({ jupyterUsers: '["alice@2"]' }, () => deploy(loadSettings(undefined, {})));
        expect(r.error?.message).toBe(
            configProblem(
                'dsenv:jupyterUsers: got "alice@2", expected "<name>[:<uid>[:<gid>]][@<node>][=<port>]" with a lowercase name (letters, digits, dashes), e.g. "alice:1001:1001@2=8901" without @<node>: only a swarm stack has nodes to place notebooks on',
            ),
        );
    });
});

describe("GPU reservations need managers whose swarm keeps them (Docker >= 23.0.2, moby/moby#44378)", () => {
    const DEBIAN_12 = "20.10.24+dfsg1";
    const stack = (config: Record<string, string>, versions: string[], managers = "1") =>
        runWithMocks({ ...BASE, swarmManagers: managers, ...config }, () =>
            deploy(loadSettings(undefined, {}, nodesAdvertising(NODES, [0, 1, 2], { versions }))),
        );
    const refusal = (key: string, value: string, old: string) =>
        `dsenv:${key}: got "${value}", expected "" (no GPUs) while a manager of the swarm runs Docker older than 23.0.2 (${old}): ` +
        "its swarm stops a task that reserves NVIDIA-GPU whenever the task's node changes (moby/moby#44378). " +
        "Upgrade Docker Engine on the managers (docker-ce 23.0.2 or newer) to reserve GPUs";

    test("a GPU workload and GPU notebooks on a swarm managed by Debian 12's docker.io are refused, each key with what it asked", async () => {
        const r = await stack(
            { pytorchEnabled: "true", pytorchGpus: "1", pytorchHomeDir: "/nfs", jupyterGpus: "1", jupyterUsers: '["alice@3"]' },
            [DEBIAN_12, "28.5.2", "28.5.2"],
        );
        expect(r.declared).toEqual([]);
        const old = "node 1 (unix:///run/lab/n1.sock) runs 20.10.24+dfsg1";
        expect(r.error?.message).toBe(configProblem(refusal("pytorchGpus", "1", old), refusal("jupyterGpus", "1", old)));
    });

    test("every manager is asked (the leader may be any of them); the one just below the fix is refused too", async () => {
        const r = await stack({ pytorchEnabled: "true", pytorchGpus: "1", pytorchHomeDir: "/nfs" }, ["28.5.2", "28.5.2", "23.0.1"], "3");
        expect(r.error?.message).toBe(configProblem(refusal("pytorchGpus", "1", "node 3 (ssh://lab@gpu3) runs 23.0.1")));
    });

    test("an old worker does not matter: the managers place and check tasks", async () => {
        const r = await stack({ pytorchEnabled: "true", pytorchGpus: "1", pytorchHomeDir: "/nfs" }, ["23.0.2", DEBIAN_12, DEBIAN_12]);
        expect(r.error).toBeUndefined();
        expect(byType(r, SERVICE).map(s => s.props.name)).toContain("p-pytorch");
    });

    test("without GPU reservations an old swarm is fine", async () => {
        const r = await stack({ pytorchEnabled: "true", pytorchGpus: "", pytorchHomeDir: "/nfs", jupyterGpus: "" }, [
            DEBIAN_12,
            DEBIAN_12,
            DEBIAN_12,
        ]);
        expect(r.error).toBeUndefined();
    });
});
