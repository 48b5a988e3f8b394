import { clusterStackConfig, KubeCluster, startKubeCluster } from "./kube-cluster";
import { httpRequest, TestStack, waitFor } from "./harness";
import { HubUserSession } from "./hub-client";
import { runInKernel } from "./jupyter-kernel";
import { ensureLateParts, LATE_PARTS_WAIT_MS } from "./late-parts";

// The lab hub on the kubernetes target, on a real single-node cluster
// (kube-cluster.ts), with the real CLI and providers and the real JupyterHub
// and KubeSpawner (from PyPI, in the hub image built on the stand-in base):
// the hub a pod that talks to the cluster as its ServiceAccount, reached at a
// NodePort; alice logs in there and KubeSpawner makes her pod (with the node's
// one GPU) and her claim in the stack's namespace, and her kernel runs as her;
// bob's GPU server is refused with the hub's message while hers holds the GPU
// and while no node advertises one, and placed once one does; a stopped
// server's pod goes and its claim stays; destroy with a server still running
// leaves no pod behind. Each test builds on the state the previous one left.
jest.setTimeout(20 * 60_000);

const USERS = { alice: { uid: 1001, gid: 1001 }, bob: { uid: 1002, gid: 1002 } };
/** What the hub says when no node can give a server's GPU (images/hub gpu_allocation.refusal_message), jupyterHubIdleMinutes 60. */
const refusal = (holders: string) =>
    `1 GPU(s) asked for, 0 free; held by: ${holders}; idle servers are stopped after 60 minutes. Try again later or ask a holder to stop their server.`;

let cluster: KubeCluster;
let s: TestStack;
let out: Record<string, any>;
let alice: HubUserSession;
let bob: HubUserSession;
const ns = () => out.kubeNamespace as string;
const hubName = () => `${s.prefix}-jupyterhub`;
const serverOf = (user: string) => `${s.prefix}-jupyter-${user}`;

async function pods(): Promise<any[]> {
    return (await cluster.api("GET", `/api/v1/namespaces/${ns()}/pods`)).items;
}

/** A pod of the namespace by name; undefined when there is none. */
async function pod(name: string): Promise<any | undefined> {
    return (await pods()).find(p => p.metadata.name === name);
}

async function claims(): Promise<Record<string, string>> {
    const items = (await cluster.api("GET", `/api/v1/namespaces/${ns()}/persistentvolumeclaims`)).items as any[];
    return Object.fromEntries(items.map(c => [c.metadata.name, c.status.phase]));
}

/** The hub pod's last log lines (through the API server and the kubelet): the first thing to read when a step fails. */
async function hubLog(): Promise<string> {
    try {
        const hub = (await pods()).find(p => p.metadata.labels?.["app.kubernetes.io/name"] === hubName());
        return hub ? await cluster.api("GET", `/api/v1/namespaces/${ns()}/pods/${hub.metadata.name}/log?tailLines=60`) : "(no hub pod)";
    } catch (e) {
        return `(no log: ${(e as Error).message})`;
    }
}

/** Runs `step`; a failure carries the hub's log. */
async function withHubLog<T>(step: () => Promise<T>): Promise<T> {
    try {
        return await step();
    } catch (e) {
        throw new Error(`${(e as Error).message}\n--- the hub's log ---\n${await hubLog()}`);
    }
}

beforeAll(async () => {
    ensureLateParts("kubernetes-plugin", "kube-cluster");
    cluster = await startKubeCluster(`dsh${process.pid % 10000}`);
    // Servers get a GPU each (jupyterGpus 1), which preview allows only where a node advertises one.
    await cluster.advertiseGpus(1);
    const [mysqlImage] = cluster.push("dsenv/mysql-standin:test");
    s = new TestStack();
    await s.init({
        ...clusterStackConfig(cluster),
        mysqlImage,
        jupyterBaseImage: "dsenv/jupyter-standin:test",
        jupyterHubBaseImage: "dsenv/jupyterhub-standin:test",
        jupyterUsers: Object.entries(USERS).map(([name, u]) => `${name}:${u.uid}:${u.gid}`),
        jupyterHub: "true",
        jupyterGpus: "1",
    });
}, LATE_PARTS_WAIT_MS);

afterAll(async () => {
    try {
        // The namespace and the claims destroy keeps go with the cluster.
        await s?.dispose(() => "");
    } finally {
        await cluster?.stop();
    }
});

test("1. up: the hub is a ready pod at a NodePort, running as its ServiceAccount with no Docker socket; no server runs yet", async () => {
    await s.up();
    out = await s.outputs();
    expect(out.jupyterHubUrl).toMatch(new RegExp(`^http://${cluster.nodeAddress.replace(/\./g, "\\.")}:\\d+/$`));
    expect(Object.keys(out.jupyterHubPasswords).sort()).toEqual(["alice", "bob"]);
    const hub = (await pods()).find(p => p.metadata.labels?.["app.kubernetes.io/name"] === hubName());
    expect(hub?.status.conditions.find((c: any) => c.type === "Ready")?.status).toBe("True");
    expect(hub.spec.serviceAccountName).toBe(hubName());
    expect(hub.spec.volumes.filter((v: any) => v.hostPath)).toEqual([]);
    expect(hub.spec.containers[0].image).toMatch(new RegExp(`^${cluster.registry}/.+@sha256:[0-9a-f]{64}$`));
    expect((await pods()).map(p => p.metadata.name).filter(n => n.startsWith(`${s.prefix}-jupyter-`))).toEqual([]);
    const health = await httpRequest(`${out.jupyterHubUrl}hub/health`);
    expect(health.status).toBe(200);
});

test("2. alice logs in and starts her server: KubeSpawner makes her pod with the GPU and her claim; it answers through the hub, as her uid", async () => {
    alice = new HubUserSession(out.jupyterHubUrl, "alice");
    expect(await alice.login(out.jupyterHubPasswords.alice)).toBe(302);
    // The hub's first start since it began: nothing of KubeSpawner's (its pods' watch) is running yet.
    const started = await withHubLog(() => alice.startServer());
    expect([201, 202]).toContain(started.status);
    const url = await withHubLog(() => alice.ready());
    expect(url).toBe(`${out.jupyterHubUrl}user/alice/`);

    const server = await pod(serverOf("alice"));
    expect(server?.status.phase).toBe("Running");
    expect(server.spec.nodeName).toBe(cluster.nodeName);
    const container = server.spec.containers[0];
    expect(container.resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(container.image).toBe(out.jupyterImage);
    expect(server.spec.volumes.find((v: any) => v.name === "work")?.persistentVolumeClaim?.claimName).toBe(`${serverOf("alice")}-work`);
    expect((await claims())[`${serverOf("alice")}-work`]).toBe("Bound");
    // Her database password is a reference to her Secret, never a value in the pod's spec.
    expect(container.env.find((e: any) => e.name === "MYSQL_PASSWORD")).toEqual({
        name: "MYSQL_PASSWORD",
        valueFrom: { secretKeyRef: { name: `${serverOf("alice")}-env`, key: "MYSQL_PASSWORD" } },
    });

    expect((await alice.api("user/alice/api")).status).toBe(200);
    // Her kernel runs as her, writes her claim, and reaches the workspace's database with what her Secret handed over.
    const seen = JSON.parse(
        await withHubLog(() =>
            runInKernel(
                url,
                alice.token!,
                [
                    "import json, os, pymysql",
                    'open("/home/jovyan/work/alice.txt", "w").write("hers")',
                    'st = os.stat("/home/jovyan/work/alice.txt")',
                    'c = pymysql.connect(host=os.environ["MYSQL_HOST"], port=int(os.environ["MYSQL_PORT"]), user=os.environ["MYSQL_USER"], password=os.environ["MYSQL_PASSWORD"], database=os.environ["MYSQL_DATABASE"])',
                    "cur = c.cursor()",
                    'cur.execute("SELECT 1")',
                    'print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "file": [st.st_uid, st.st_gid], "db": cur.fetchone()[0]}))',
                ].join("\n"),
            ),
        ),
    );
    expect(seen).toEqual({ uid: 1001, gid: 1001, file: [1001, 1001], db: 1 });
});

test("3. bob's GPU server is refused while alice's holds the node's one GPU, with the hub's message saying so", async () => {
    bob = new HubUserSession(out.jupyterHubUrl, "bob");
    expect(await bob.login(out.jupyterHubPasswords.bob)).toBe(302);
    const answer = await withHubLog(() => bob.startServer());
    expect({ status: answer.status, message: JSON.parse(answer.body).message }).toEqual({ status: 409, message: refusal("alice (1)") });
    expect(await pod(serverOf("bob"))).toBeUndefined();
});

test("4. alice stops her server through the hub's API: her pod goes, her claim stays", async () => {
    const stopped = await alice.api("hub/api/users/alice/server", "DELETE");
    expect([202, 204]).toContain(stopped.status);
    await waitFor(
        "alice's server stopped and her pod gone",
        async () => (await alice.server()) === undefined && !(await pod(serverOf("alice"))),
        60_000,
    );
    expect((await claims())[`${serverOf("alice")}-work`]).toBe("Bound");
});

test("5. while no node advertises a GPU, bob's start is refused with the hub's message, nothing made; once one does, his server is placed with it", async () => {
    // allocatable 0: what a node whose device plugin finds no GPU advertises.
    await cluster.advertiseGpus(0);
    const answer = await withHubLog(() => bob.startServer());
    expect({ status: answer.status, message: JSON.parse(answer.body).message }).toEqual({ status: 409, message: refusal("nobody") });
    expect(await pod(serverOf("bob"))).toBeUndefined();
    expect(Object.keys(await claims())).not.toContain(`${serverOf("bob")}-work`);

    await cluster.advertiseGpus(1);
    expect([201, 202]).toContain((await withHubLog(() => bob.startServer())).status);
    await withHubLog(() => bob.ready());
    const server = await pod(serverOf("bob"));
    expect(server?.status.phase).toBe("Running");
    expect(server.spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
    expect((await claims())[`${serverOf("bob")}-work`]).toBe("Bound");
});

test("6. destroy with bob's server running: the hub stops it before its access goes; no pod is left, the claims are kept", async () => {
    const kept = Object.keys(await claims()).sort();
    expect(kept).toEqual(expect.arrayContaining([`${serverOf("alice")}-work`, `${serverOf("bob")}-work`]));
    const t0 = Date.now();
    await s.stack.destroy();
    // The hub's stop (within its pod's 60 s grace) bounds it; a hub that could not stop bob's server would leave his pod.
    expect(Date.now() - t0).toBeLessThan(150_000);
    expect((await pods()).map(p => p.metadata.name)).toEqual([]);
    expect(Object.keys(await claims()).sort()).toEqual(kept);
    const rbac = "/apis/rbac.authorization.k8s.io/v1";
    await expect(cluster.api("GET", `${rbac}/clusterroles/${ns()}-${hubName()}-nodes`)).rejects.toThrow(/404/);
    await expect(cluster.api("GET", `${rbac}/namespaces/${ns()}/roles/${hubName()}`)).rejects.toThrow(/404/);
    await expect(cluster.api("GET", `/api/v1/namespaces/${ns()}/serviceaccounts/${hubName()}`)).rejects.toThrow(/404/);
});
