import { KubeCluster, startKubeCluster } from "./kube-cluster";
import { httpRequest, waitFor } from "./harness";
import { ensureLateParts, LATE_PARTS_WAIT_MS } from "./late-parts";

// The test cluster itself (kube-cluster.ts), before any test runs a stack on
// it: it starts, runs pods from images this machine's engine pushed to its
// registry with a login, resolves Service names through CoreDNS, places a pod
// asking for a GPU once the node advertises one, and stops leaving the machine
// as it was (the suite's machine check).
jest.setTimeout(10 * 60_000);

const NS = "kc-test";
let cluster: KubeCluster;
let images: { web: string; client: string };
let startedMs = 0;

/** A pod of one container, pulling with the registry's login. */
function pod(name: string, image: string, extra: Record<string, unknown> = {}, labels: Record<string, string> = {}): unknown {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, labels },
        spec: {
            imagePullSecrets: [{ name: "pull" }],
            restartPolicy: "Never",
            terminationGracePeriodSeconds: 1,
            containers: [{ name, image, ...extra }],
        },
    };
}

async function podPhase(name: string): Promise<string> {
    return (await cluster.api("GET", `/api/v1/namespaces/${NS}/pods/${name}`)).status?.phase;
}

beforeAll(async () => {
    ensureLateParts("kube-cluster");
    const t0 = Date.now();
    cluster = await startKubeCluster(`dsk${process.pid % 10000}`);
    startedMs = Date.now() - t0;
    process.stderr.write(`kube-cluster: started in ${(startedMs / 1000).toFixed(1)} s\n`);
    const [web, client] = cluster.push("dsenv/httpd-standin:test", "dsenv/debian:bookworm");
    images = { web, client };
    await cluster.api("POST", "/api/v1/namespaces", { metadata: { name: NS } });
    const auth = Buffer.from(`${cluster.registryLogin.username}:${cluster.registryLogin.password}`).toString("base64");
    await cluster.api("POST", `/api/v1/namespaces/${NS}/secrets`, {
        metadata: { name: "pull" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": Buffer.from(JSON.stringify({ auths: { [cluster.registry]: { auth } } })).toString("base64") },
    });
    await waitFor(
        "the namespace's default ServiceAccount",
        () => cluster.api("GET", `/api/v1/namespaces/${NS}/serviceaccounts/default`),
        60_000,
    );
}, LATE_PARTS_WAIT_MS);

afterAll(async () => {
    const t0 = Date.now();
    await cluster?.stop();
    process.stderr.write(`kube-cluster: stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
});

test("the node is Ready and the default StorageClass has its volumes", async () => {
    const node = await cluster.api("GET", `/api/v1/nodes/${cluster.nodeName}`);
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: cluster.nodeAddress });
    const classes = (await cluster.api("GET", "/apis/storage.k8s.io/v1/storageclasses")).items;
    expect(classes.filter((c: any) => c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true")).toHaveLength(1);
    const volumes = (await cluster.api("GET", "/api/v1/persistentvolumes")).items;
    expect(volumes.filter((v: any) => v.status.phase === "Available").length).toBeGreaterThanOrEqual(8);
});

test("a pod runs an image pushed to the cluster's registry, and a Service name resolves and answers from another pod", async () => {
    await cluster.api("POST", `/api/v1/namespaces/${NS}/pods`, pod("web", images.web, { ports: [{ containerPort: 80 }] }, { app: "web" }));
    await cluster.api("POST", `/api/v1/namespaces/${NS}/services`, {
        metadata: { name: "mysql" }, // the name the product's notebook reaches its database by
        spec: { selector: { app: "web" }, ports: [{ port: 3306, targetPort: 80 }] },
    });
    await waitFor("the web pod Running", async () => (await podPhase("web")) === "Running", 180_000);
    const script = [
        "getent hosts mysql",
        "exec 3<>/dev/tcp/mysql/3306",
        'printf "GET / HTTP/1.0\\r\\nHost: mysql\\r\\n\\r\\n" >&3',
        "cat <&3",
    ].join(" && ");
    await cluster.api("POST", `/api/v1/namespaces/${NS}/pods`, pod("client", images.client, { command: ["bash", "-c", script] }));
    const phase = await waitFor(
        "the client pod to finish",
        async () => {
            const p = await podPhase("client");
            return p === "Succeeded" || p === "Failed" ? p : undefined;
        },
        120_000,
    );
    const log = await cluster.api("GET", `/api/v1/namespaces/${NS}/pods/client/log`);
    const service = await cluster.api("GET", `/api/v1/namespaces/${NS}/services/mysql`);
    expect({ phase, log }).toEqual({ phase: "Succeeded", log: expect.stringContaining("It works!") });
    expect(log).toContain(`${service.spec.clusterIP} `); // the name resolved to the Service's address
    expect(log).toContain(`mysql.${NS}.svc.cluster.local`);
});

test("a NodePort Service answers this machine on the node's address", async () => {
    const service = await cluster.api("POST", `/api/v1/namespaces/${NS}/services`, {
        metadata: { name: "web" },
        spec: { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80 }] },
    });
    const url = `http://${cluster.nodeAddress}:${service.spec.ports[0].nodePort}/`;
    const res = await waitFor(
        url,
        async () => {
            const r = await httpRequest(url);
            return r.status === 200 ? r : undefined;
        },
        30_000,
    );
    expect(res.body).toContain("It works!");
});

test("a pod asking for an nvidia.com/gpu waits until the node advertises one, then is placed", async () => {
    await cluster.api(
        "POST",
        `/api/v1/namespaces/${NS}/pods`,
        pod("gpu", images.client, { command: ["true"], resources: { limits: { "nvidia.com/gpu": "1" } } }),
    );
    const unschedulable = await waitFor(
        "the scheduler's verdict",
        async () => {
            const p = await cluster.api("GET", `/api/v1/namespaces/${NS}/pods/gpu`);
            return p.status?.conditions?.find((c: any) => c.type === "PodScheduled" && c.status === "False");
        },
        60_000,
    );
    expect(unschedulable.message).toContain("Insufficient nvidia.com/gpu");
    await cluster.advertiseGpus(1);
    const placed = await waitFor(
        "the gpu pod placed",
        async () => (await cluster.api("GET", `/api/v1/namespaces/${NS}/pods/gpu`)).spec.nodeName,
        120_000,
    );
    expect(placed).toBe(cluster.nodeName);
});
