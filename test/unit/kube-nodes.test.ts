import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { askKubeNodes } from "../../config/kube-nodes";

// The program's question to a cluster, asked for real (the child Node with
// @kubernetes/client-node) of a stand-in API server that answers GET
// /api/v1/nodes as Kubernetes does. The server runs in a worker thread: the
// question blocks this one (the config is read synchronously).

const NODES = {
    kind: "NodeList",
    apiVersion: "v1",
    metadata: {},
    items: [
        {
            metadata: { name: "gpu1" },
            status: {
                allocatable: { cpu: "16", "nvidia.com/gpu": "2" },
                addresses: [
                    { type: "Hostname", address: "gpu1" },
                    { type: "InternalIP", address: "10.0.0.11" },
                ],
            },
        },
        { metadata: { name: "cpu1" }, status: { allocatable: { cpu: "8" }, addresses: [{ type: "ExternalIP", address: "203.0.113.5" }] } },
    ],
};

const SERVER = `
const http = require("http");
const { parentPort, workerData } = require("worker_threads");
const server = http.createServer((req, res) => {
    const ok = req.url.startsWith("/api/v1/nodes");
    res.writeHead(ok ? 200 : 404, { "content-type": "application/json" });
    res.end(ok ? JSON.stringify(workerData) : "{}");
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));`;

let worker: Worker;
let kubeconfig: string;

beforeAll(async () => {
    worker = new Worker(SERVER, { eval: true, workerData: NODES });
    const port: number = await new Promise(resolve => worker.once("message", resolve));
    kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-kubeconfig-")), "config");
    fs.writeFileSync(
        kubeconfig,
        [
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            `- name: standin`,
            `  cluster: { server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true }`,
            "users:",
            "- name: nobody",
            "  user: {}",
            "contexts:",
            "- name: other",
            "  context: { cluster: missing, user: nobody }",
            "- name: lab",
            "  context: { cluster: standin, user: nobody }",
            "current-context: other",
        ].join("\n"),
    );
});

afterAll(() => worker.terminate());

test("the nodes' allocatable nvidia.com/gpu and addresses, from the named context", () => {
    expect(askKubeNodes({ kubeconfig, context: "lab" })).toEqual({
        ok: true,
        nodes: [
            { name: "gpu1", gpus: 2, address: "10.0.0.11" },
            { name: "cpu1", gpus: 0, address: "203.0.113.5" },
        ],
    });
}, 30_000);

test("a cluster that cannot be asked says why", () => {
    expect(askKubeNodes({ kubeconfig, context: "nowhere" })).toEqual({ ok: false, error: 'the kubeconfig has no context "nowhere"' });
    // The file's current context names a cluster the file does not have.
    expect(askKubeNodes({ kubeconfig })).toEqual({ ok: false, error: expect.any(String) });
}, 30_000);
