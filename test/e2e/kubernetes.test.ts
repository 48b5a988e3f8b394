import { clusterStackConfig, KubeCluster, startKubeCluster } from "./kube-cluster";
import { TestStack, waitFor } from "./harness";
import { runInKernel } from "./jupyter-kernel";
import { ensureLateParts, LATE_PARTS_WAIT_MS } from "./late-parts";

// The kubernetes target on a real single-node cluster (kube-cluster.ts) with
// the real CLI and providers: the workspace up (images built on this
// machine's engine, pushed to the cluster's registry with a login, run by
// digest), the notebook reaching MySQL by both its names, data on a claim
// surviving its pod's replacement and a destroy -> up, a second up with no
// changes, a GPU request refused at preview until the node advertises one,
// then placed. Each test builds on the state the previous one left.
jest.setTimeout(20 * 60_000);

let cluster: KubeCluster;
let s: TestStack;
let out: Record<string, any>;
let mysqlImage: string;

/** Python in a new kernel of the workspace's notebook, connected to MySQL at `host` with what the stack handed the notebook. */
async function sqlVia(host: string, sql: string): Promise<string> {
    const code = [
        "import os, pymysql",
        'password = os.environ.get("MYSQL_PASSWORD") or open(os.environ["MYSQL_PASSWORD_FILE"]).read()',
        `c = pymysql.connect(host=${JSON.stringify(host)}, port=int(os.environ.get("MYSQL_PORT", "3306")), user=os.environ["MYSQL_USER"], password=password, database=os.environ["MYSQL_DATABASE"], autocommit=True)`,
        "cur = c.cursor()",
        `cur.execute(${JSON.stringify(sql)})`,
        "print(cur.fetchall())",
    ].join("\n");
    return (await runInKernel(out.jupyterUrl, out.jupyterToken, code)).trim();
}

/** The pods of the stack's namespace whose name starts with `prefix`, running and ready. */
async function readyPods(prefix: string): Promise<string[]> {
    const pods = (await cluster.api("GET", `/api/v1/namespaces/${out.kubeNamespace}/pods`)).items as any[];
    return pods
        .filter(p => p.metadata.name.startsWith(prefix) && !p.metadata.deletionTimestamp)
        .filter(p => p.status.conditions?.some((c: any) => c.type === "Ready" && c.status === "True"))
        .map(p => p.metadata.name);
}

async function claims(): Promise<string[]> {
    const items = (await cluster.api("GET", `/api/v1/namespaces/${out.kubeNamespace}/persistentvolumeclaims`)).items as any[];
    return items.map(c => `${c.metadata.name} ${c.status.phase}`).sort();
}

beforeAll(async () => {
    ensureLateParts("kubernetes-plugin", "kube-cluster");
    cluster = await startKubeCluster(`dsk${process.pid % 10000}`);
    // The database image is pulled, not built: the cluster pulls it from its registry too.
    [mysqlImage] = cluster.push("dsenv/mysql-standin:test");
    s = new TestStack();
    await s.init({
        ...clusterStackConfig(cluster),
        mysqlImage,
        jupyterBaseImage: "dsenv/jupyter-standin:test",
    });
}, LATE_PARTS_WAIT_MS);

afterAll(async () => {
    try {
        // The namespace and claims destroy keeps go with the cluster.
        await s?.dispose(() => "");
    } finally {
        await cluster?.stop();
    }
});

test("1. up runs the workspace on the cluster: images from its registry by digest, the notebook at the node's address", async () => {
    await s.up();
    out = await s.outputs();
    expect(out.kubeNamespace).toBe(s.prefix);
    expect(out.jupyterUrl).toMatch(new RegExp(`^http://${cluster.nodeAddress.replace(/\./g, "\\.")}:\\d+/$`));
    expect(out.jupyterImage).toMatch(new RegExp(`^${cluster.registry}/.+@sha256:[0-9a-f]{64}$`));
    expect((await claims()).every(c => c.endsWith(" Bound"))).toBe(true);
    expect(s.rawState()).not.toContain(cluster.registryLogin.password);
});

test("2. the notebook reaches MySQL by 'mysql' and by 'myjupyterdb' (Services, through the cluster's DNS)", async () => {
    await sqlVia("mysql", "CREATE TABLE IF NOT EXISTS visits (id INT PRIMARY KEY, note VARCHAR(64))");
    await sqlVia("mysql", "INSERT INTO visits VALUES (1, 'written through mysql')");
    expect(await sqlVia("myjupyterdb", "SELECT note FROM visits WHERE id = 1")).toBe("(('written through mysql',),)");
});

test("3. a second up changes nothing", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true, diff: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("4. the data on the claim survives the database pod's replacement", async () => {
    const [before] = await readyPods(`${s.prefix}-mysql`);
    expect(before).toBeDefined();
    await cluster.api("DELETE", `/api/v1/namespaces/${out.kubeNamespace}/pods/${before}`);
    await waitFor("a new database pod, ready", async () => (await readyPods(`${s.prefix}-mysql`)).find(p => p !== before), 180_000);
    expect(await sqlVia("mysql", "SELECT note FROM visits WHERE id = 1")).toBe("(('written through mysql',),)");
});

test("5. destroy keeps the claims; the next up takes them over with the data", async () => {
    const kept = await claims();
    await s.stack.destroy();
    expect(await claims()).toEqual(kept);
    await s.up();
    out = await s.outputs();
    expect(await sqlVia("myjupyterdb", "SELECT note FROM visits WHERE id = 1")).toBe("(('written through mysql',),)");
});

test("6. a GPU notebook is refused at preview while no node advertises nvidia.com/gpu, and placed once one does", async () => {
    await s.set({ jupyterGpus: "1" });
    await expect(s.stack.preview()).rejects.toThrow(/dsenv:jupyterGpus: got .*no node of the cluster advertises nvidia\.com\/gpu/);
    await cluster.advertiseGpus(1);
    await s.up();
    out = await s.outputs();
    const pods = (await cluster.api("GET", `/api/v1/namespaces/${out.kubeNamespace}/pods`)).items as any[];
    const notebook = pods.find(p => p.spec.containers.some((c: any) => c.resources?.limits?.["nvidia.com/gpu"] === "1"));
    expect(notebook?.spec.nodeName).toBe(cluster.nodeName);
    expect(notebook?.status.phase).toBe("Running");
});
