import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, RegistryLogin } from "../components/engine";
import { KUBE_GPU_RESOURCE } from "../components/gpu";
import { PushTarget } from "../components/image";
import type { GpuPool } from "../components/kubernetes/kube-workload";
import type { KubeServiceType } from "../components/kubernetes/service-type";
import { KubernetesRuntime } from "../components/kubernetes/kubernetes-runtime";
import { kubeName, stackLabels } from "../components/kubernetes/names";
import { pullSecret } from "../components/kubernetes/pull-secret";
import { KubernetesSettings } from "../config/kubernetes";
import { Settings } from "../settings";
import { deployWorkspace } from "./deploy-workspace";
import { workspaceOutputs, WorkspaceOutputs } from "./workspace-outputs";

/** What the workspace and workloads run on when the stack's place is a Kubernetes cluster. */
export interface KubernetesTarget {
    provider: k8s.Provider;
    /** The namespace the stack makes (kept on destroy) and runs in. */
    namespace: string;
    /** Where images are built, logged in to the registry they are pushed to. */
    buildEngine: DockerEngine;
    /** The registry the cluster pulls built images from. */
    push?: PushTarget;
    /** The registry's login for the pods' pulls, as a dockerconfigjson Secret; none: the cluster's own identity pulls (AKS with AcrPull). */
    pullLogin?: RegistryLogin;
    /** The claims' class; none: the cluster's default. */
    storageClass?: string;
    volumeSize: string;
    serviceType: KubeServiceType;
    /** What GPU pods tolerate and where they go (an AKS GPU pool's taint and label). */
    gpuPool?: GpuPool;
    /** A node's address, for NodePort URLs. */
    nodeAddress?: string;
    /** --kubeconfig/--context for the port-forward commands the stack outputs. */
    kubectlArgs?: string[];
}

export interface KubernetesDeployment {
    outputs: WorkspaceOutputs & Record<string, unknown>;
    runtime: KubernetesRuntime;
    namespace: k8s.core.v1.Namespace;
}

/**
 * The workspace and the enabled workloads on a Kubernetes cluster, in a
 * namespace of the stack's: Deployments, Services, claims and Secrets rendered
 * from the same workload specs as on one engine or a swarm. Used by the
 * kubernetes target (a kubeconfig context) and by an azure stack on AKS.
 */
export function deployOnKubernetes(
    settings: Pick<Settings, "namePrefix" | "mysql" | "jupyter" | "workloads">,
    target: KubernetesTarget,
): KubernetesDeployment {
    const labels = stackLabels(settings.namePrefix);
    // Kept on destroy: it holds the kept claims, which go with it. The next up takes it over, as it does the claims (PersistentClaim).
    const namespace = new k8s.core.v1.Namespace(
        "namespace",
        { metadata: { name: target.namespace, labels } },
        { provider: target.provider, retainOnDelete: true },
    );
    const namespaceName = namespace.metadata.name;
    const secret =
        target.pullLogin?.username && target.push
            ? pullSecret("registry-pull", {
                  provider: target.provider,
                  namespace: namespaceName,
                  secretName: `${kubeName(settings.namePrefix)}-registry-pull`,
                  login: target.pullLogin,
                  labels,
              })
            : undefined;
    const runtime = new KubernetesRuntime({
        provider: target.provider,
        namespace: namespaceName,
        buildEngine: target.buildEngine,
        push: target.push,
        pullSecret: secret?.metadata.name,
        storageClass: target.storageClass,
        volumeSize: target.volumeSize,
        serviceType: target.serviceType,
        gpuPool: target.gpuPool,
        partOf: settings.namePrefix,
        nodeAddress: target.nodeAddress,
        kubectlArgs: target.kubectlArgs,
    });

    // No Docker socket: KubeSpawner talks to the cluster as the hub's ServiceAccount.
    const { workspace: ws, workloads } = deployWorkspace(runtime, settings);
    const forwards = runtime.portForwards();
    return {
        runtime,
        namespace,
        outputs: {
            ...workspaceOutputs(ws, namespaceName, settings.mysql.image, settings.mysql.publish),
            jupyterGpus: settings.jupyter.gpuChoice,
            ...workloads,
            kubeNamespace: namespaceName,
            ...(target.serviceType === "ClusterIP" && forwards.length > 0 && { kubePortForward: pulumi.all(forwards) }),
        },
    };
}

/**
 * The kubernetes target: the cluster a kubeconfig context names. Images are
 * built on buildDockerHost and pushed to registryServer, which the cluster
 * pulls from, with the registry's login as a pull Secret where it has one.
 */
export function deployKubernetes(settings: Settings, kube: KubernetesSettings): Record<string, unknown> {
    const registryLogins = settings.registry ? [settings.registry] : [];
    const provider = new k8s.Provider("kubernetes", { kubeconfig: kube.kubeconfig, context: kube.context });
    return deployOnKubernetes(settings, {
        provider,
        namespace: kube.namespace,
        buildEngine: new DockerEngine("build-engine", { ...settings.buildEngine, registryLogins }),
        push: settings.registry && { server: settings.registry.server },
        pullLogin: settings.registry?.username ? settings.registry : undefined,
        storageClass: kube.storageClass,
        volumeSize: kube.volumeSize,
        serviceType: kube.serviceType,
        // GPU nodes are commonly tainted nvidia.com/gpu:NoSchedule, so that only GPU pods land there (GKE adds this toleration itself).
        gpuPool: { tolerations: [{ key: KUBE_GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" }] },
        nodeAddress: kube.nodeAddress,
        kubectlArgs: [...(kube.kubeconfig ? ["--kubeconfig", kube.kubeconfig] : []), ...(kube.context ? ["--context", kube.context] : [])],
    }).outputs;
}
