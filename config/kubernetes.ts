import * as path from "path";
import { KUBE_GPU_RESOURCE, type GpuRequest } from "../components/gpu";
import { KUBE_SERVICE_TYPES, type KubeServiceType } from "../components/kubernetes/service-type";
import type { ConfigKey } from "./defaults";
import type { HostFacts } from "./host-facts";
import { expandHome, notAFile } from "./host-paths";
import { gpuListing, KubeCluster, KubeNodesAnswer, mostGpus } from "./kube-nodes";
import { ConfigReader } from "./reader";
import * as rules from "./rules";

// The kubernetes target's settings: which cluster (a kubeconfig file and
// context), the namespace the stack runs in, how data is stored and how
// published ports are reached.

export interface KubernetesSettings extends KubeCluster, KubePlacement {
    /** A node's address, asked of the cluster for NodePort URLs. */
    nodeAddress?: string;
}

/** Where on a cluster the stack's objects go, and how they store data and are reached (also an AKS stack's: config/azure.ts). */
export interface KubePlacement {
    /** The namespace the stack makes (and keeps on destroy) and runs in. */
    namespace: string;
    /** The PersistentVolumeClaims' class; undefined: the cluster's default. */
    storageClass?: string;
    serviceType: KubeServiceType;
    /** What each claim requests, a Kubernetes quantity (10Gi). */
    volumeSize: string;
}

/** A DNS label as Kubernetes names namespaces and Services (RFC 1123, lower case). */
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A DNS subdomain, as Kubernetes names most objects (a StorageClass). */
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;
/** A positive quantity in bytes: digits, an optional fraction, a binary or decimal suffix. */
const QUANTITY = /^(?=.*[1-9])[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

/** namePrefix as a namespace: its '_' and '.' as '-' (namePrefix allows them, a DNS label does not). */
export function namespaceFromPrefix(namePrefix: string): string {
    return namePrefix.replace(/[_.]/g, "-").replace(/-+$/, "");
}

export function readKubernetes(read: ConfigReader, namePrefix: string, env: NodeJS.ProcessEnv): KubernetesSettings {
    const configured = read.string("kubeconfig", v => (v === "" ? undefined : rules.hostPath(v)));
    const kubeconfig = configured === "" ? defaultKubeconfig(env) : expandHome(configured);
    // A list in $KUBECONFIG is merged by the clients themselves; one file is checked here.
    if (kubeconfig !== undefined) {
        const problem = notAFile(kubeconfig, "kubeconfig file");
        if (problem)
            read.reject("kubeconfig", configured, configured === "" ? `${problem}: set dsenv:kubeconfig, or $KUBECONFIG` : problem);
    }
    const context = read.string("kubeContext", v => (/^\S*$/.test(v) ? undefined : "a context name of the kubeconfig file (no spaces)"));
    return { kubeconfig, context: context || undefined, ...readKubePlacement(read, namePrefix) };
}

/** The keys of where and how the stack runs on a cluster, whichever cluster it is. */
export function readKubePlacement(read: ConfigReader, namePrefix: string): KubePlacement {
    const namespace =
        read.string("kubeNamespace", v =>
            v === "" || DNS_LABEL.test(v) ? undefined : "a DNS label: 1 to 63 lower-case letters, digits and inner hyphens",
        ) || namespaceFromPrefix(namePrefix);
    if (read.string("kubeNamespace") === "" && !DNS_LABEL.test(namespace))
        read.reject(
            "kubeNamespace",
            "",
            `a namespace name: the default made from dsenv:namePrefix, ${JSON.stringify(namespace)}, is not a DNS label`,
        );
    const storageClass = read.string("kubeStorageClass", v =>
        v === "" || DNS_SUBDOMAIN.test(v)
            ? undefined
            : "a StorageClass name (lower-case letters, digits, '-' and '.'), or \"\" for the default",
    );
    const serviceType = read.string("kubeServiceType", rules.oneOf(KUBE_SERVICE_TYPES)) as KubeServiceType;
    const volumeSize = read.string("kubeVolumeSize", v =>
        QUANTITY.test(v) ? undefined : "a positive Kubernetes quantity of bytes, e.g. 10Gi, 500Mi or 20G",
    );
    return { namespace, storageClass: storageClass || undefined, serviceType, volumeSize };
}

/** $KUBECONFIG when it names one file, ~/.kube/config when unset; undefined for a list (the clients merge it). */
function defaultKubeconfig(env: NodeJS.ProcessEnv): string | undefined {
    const files = (env.KUBECONFIG ?? "").split(path.delimiter).filter(f => f !== "");
    if (files.length > 1) return undefined;
    return files[0] ?? expandHome("~/.kube/config");
}

/**
 * Service names are DNS labels that start with a letter (RFC 1035): every
 * object is named after namePrefix, so it must start with one.
 */
export function checkKubeNamePrefix(read: ConfigReader, namePrefix: string): void {
    if (!/^[a-z]/.test(namePrefix))
        read.reject("namePrefix", namePrefix, "a prefix that starts with a letter on the kubernetes target (Kubernetes Service names do)");
}

/**
 * GPU requests on Kubernetes are a count of the nodes' allocatable
 * `nvidia.com/gpu`, all from one node: "all" and device lists have no meaning
 * there. The cluster is asked at preview; a request no node can satisfy is
 * refused with what each node has, and a cluster that does not answer leaves
 * it to the scheduler (a notice).
 */
export function checkKubeGpuRequests(
    read: ConfigReader,
    requests: [ConfigKey, GpuRequest][],
    answer: () => KubeNodesAnswer,
    notices: string[],
    per = "",
): void {
    for (const [key, request] of requests) {
        const value = read.string(key);
        if (request === "all" || "devices" in request) {
            read.reject(
                key,
                value,
                `a number of GPUs${per}: Kubernetes gives a pod a count of ${KUBE_GPU_RESOURCE}, not all of them nor some by index`,
            );
            continue;
        }
        const found = answer();
        const most = mostGpus(found);
        if (most === undefined)
            notices.push(
                `${read.key(key)}: ${request.count} GPUs not checked at preview (${gpuListing(found)}); the scheduler decides at deploy time`,
            );
        else if (most === 0)
            read.reject(
                key,
                value,
                `"" (no GPUs): no node of the cluster advertises ${KUBE_GPU_RESOURCE} (${gpuListing(found)}); install the NVIDIA device plugin (or the GPU operator) on the GPU nodes`,
            );
        else if (request.count > most)
            read.reject(key, value, `at most ${most} GPUs${per}, what the best-equipped node can give one pod (${gpuListing(found)})`);
    }
}

/** `auto` on a cluster: one GPU where a node can give one, none elsewhere; `why` says which. */
export function autoOnCluster(answer: KubeNodesAnswer): { gpus?: GpuRequest; why: string } {
    const most = mostGpus(answer);
    return most
        ? { gpus: { count: 1 }, why: `1 GPU, a node can give one (${gpuListing(answer)})` }
        : { why: most === 0 ? `no node advertises ${KUBE_GPU_RESOURCE} (${gpuListing(answer)})` : gpuListing(answer) };
}

/** The cluster's nodes, asked once when first needed (`auto`, a GPU request to check, a NodePort address). */
export function clusterNodes(cluster: KubeCluster, host: HostFacts): () => KubeNodesAnswer {
    let asked: KubeNodesAnswer | undefined;
    const { kubeconfig, context } = cluster;
    return () => (asked ??= host.kubeNodes?.({ kubeconfig, context }) ?? { ok: false, error: "this program cannot ask the cluster" });
}
