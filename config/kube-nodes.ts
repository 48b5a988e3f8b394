import { execFileSync } from "child_process";
import { KUBE_GPU_RESOURCE } from "../components/gpu";

// The program's one question to a Kubernetes cluster at preview: its nodes,
// how many NVIDIA GPUs each can give pods (its allocatable `nvidia.com/gpu`,
// what the NVIDIA device plugin advertises) and its address. Asked with @kubernetes/client-node in
// a child Node: the config is read synchronously (as the docker CLI is asked),
// and the client is an ES module that only this question needs.

/** Which cluster: a kubeconfig file (undefined: $KUBECONFIG, else ~/.kube/config) and a context in it (undefined: its current one). */
export interface KubeCluster {
    kubeconfig?: string;
    context?: string;
}

/** A node: its name, its allocatable GPUs, and its address (external, else internal; none if it has neither). */
export interface KubeNode {
    name: string;
    gpus: number;
    address?: string;
}

/** The cluster's nodes, or why the cluster did not say. */
export type KubeNodesAnswer = { ok: true; nodes: KubeNode[] } | { ok: false; error: string };

/** Asks a cluster for its nodes; injected (HostFacts.kubeNodes) so that tests need no cluster. */
export type KubeNodesAsker = (cluster: KubeCluster) => KubeNodesAnswer;

const SCRIPT = `
(async () => {
    const k8s = require(process.env.DSENV_KUBE_CLIENT);
    const kc = new k8s.KubeConfig();
    if (process.env.DSENV_KUBECONFIG) kc.loadFromFile(process.env.DSENV_KUBECONFIG); else kc.loadFromDefault();
    const context = process.env.DSENV_KUBE_CONTEXT;
    if (context && !kc.getContextObject(context)) throw new Error("the kubeconfig has no context " + JSON.stringify(context));
    if (context) kc.setCurrentContext(context);
    const list = await kc.makeApiClient(k8s.CoreV1Api).listNode();
    console.log(JSON.stringify(list.items.map(n => {
        const address = type => (n.status?.addresses ?? []).find(a => a.type === type)?.address;
        return { name: n.metadata?.name ?? "", gpus: n.status?.allocatable?.[${JSON.stringify(KUBE_GPU_RESOURCE)}] ?? "0", address: address("ExternalIP") ?? address("InternalIP") };
    })));
})().catch(e => { console.error(e.message ?? String(e)); process.exit(1); });`;

/** The real question, with a timeout so an unreachable cluster cannot hang a preview. */
export const askKubeNodes: KubeNodesAsker = cluster => {
    try {
        const out = execFileSync(process.execPath, ["-e", SCRIPT], {
            encoding: "utf8",
            timeout: 20_000,
            stdio: ["ignore", "pipe", "pipe"],
            env: {
                ...process.env,
                DSENV_KUBE_CLIENT: require.resolve("@kubernetes/client-node"),
                DSENV_KUBECONFIG: cluster.kubeconfig ?? "",
                DSENV_KUBE_CONTEXT: cluster.context ?? "",
            },
        });
        return parseNodes(out);
    } catch (e) {
        const err = e as { stderr?: string; message: string };
        return { ok: false, error: (err.stderr || err.message).trim().split("\n")[0] };
    }
};

/** The child's answer: a JSON list of nodes, their allocatable GPUs as Kubernetes quantities (a count, e.g. "2"). */
export function parseNodes(stdout: string): KubeNodesAnswer {
    try {
        const nodes = JSON.parse(stdout.trim().split("\n").pop() ?? "");
        if (!Array.isArray(nodes)) return { ok: false, error: `unexpected answer: ${stdout.trim().slice(0, 80)}` };
        return {
            ok: true,
            nodes: nodes.map(n => ({
                name: String(n.name),
                gpus: /^[0-9]+$/.test(String(n.gpus)) ? Number(n.gpus) : 0,
                ...(typeof n.address === "string" && n.address !== "" && { address: n.address }),
            })),
        };
    } catch {
        return { ok: false, error: `unexpected answer: ${stdout.trim().slice(0, 80)}` };
    }
}

/** What a cluster said, for messages: "node1: 2, node2: 0", or why it did not answer. */
export function gpuListing(answer: KubeNodesAnswer): string {
    if (!answer.ok) return `the cluster did not answer: ${answer.error}`;
    if (answer.nodes.length === 0) return "the cluster has no nodes";
    return `allocatable ${KUBE_GPU_RESOURCE}: ${answer.nodes.map(n => `${n.name} ${n.gpus}`).join(", ")}`;
}

/** The most GPUs one node can give a pod; undefined when the cluster did not answer. */
export function mostGpus(answer: KubeNodesAnswer): number | undefined {
    return answer.ok ? Math.max(0, ...answer.nodes.map(n => n.gpus)) : undefined;
}
