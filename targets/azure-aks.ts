// The azure target with dsenv:azureRunsOn aks: the same workspace and
// workloads as on the VMs, rendered as Kubernetes objects on an AKS cluster
// the stack makes; images built here, pushed to the stack's ACR and pulled by
// the cluster's kubelet identity (AcrPull), by digest.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AksCluster } from "../components/azure/aks";
import { azureNames } from "../components/azure/names";
import { NvidiaDevicePlugin } from "../components/azure/nvidia-device-plugin";
import { DockerEngine } from "../components/engine";
import { AksOnAzureSettings } from "../config/azure";
import { groupAndRegistry, WorkspaceSettings } from "./azure";
import { ownerTags } from "./azure-survey";
import { deployOnKubernetes } from "./kubernetes";
import { WorkspaceOutputs } from "./workspace-outputs";

/** Where docs/azure.md has the user write the stack's kubeconfig output (pulumi stack output --show-secrets kubeconfig). */
export const AKS_KUBECONFIG_FILE = "aks.kubeconfig";

export interface AksOutputs extends WorkspaceOutputs {
    resourceGroup: pulumi.Output<string>;
    registryLoginServer: pulumi.Output<string>;
    aksClusterName: pulumi.Output<string>;
    aksClusterId: pulumi.Output<string>;
    /** The user kubeconfig (kubelogin), secret: `pulumi stack output --show-secrets kubeconfig > aks.kubeconfig` (AKS_KUBECONFIG_FILE). */
    kubeconfig: pulumi.Output<string>;
    [workloadOutput: string]: unknown;
}

export function deployAks(settings: AksOnAzureSettings, workspace: WorkspaceSettings): { outputs: AksOutputs; cluster: AksCluster } {
    const prefix = workspace.namePrefix;
    const names = azureNames(prefix);
    // No data disk to keep: the claims' disks live in the cluster's node resource group.
    const { resourceGroupName, registry } = groupAndRegistry(settings, prefix, false);
    const aks = settings.aks;
    const cluster = new AksCluster("aks", {
        resourceGroupName,
        location: settings.location,
        clusterName: names.aksCluster,
        dnsPrefix: names.aksDnsPrefix,
        systemVmSize: aks.systemVmSize,
        gpuPool: { vmSize: aks.gpuPool.vmSize, maxNodes: aks.gpuPool.maxNodes },
        kubeloginMode: aks.kubeloginMode,
        tags: ownerTags(),
    });
    const pullAccess = registry.allowPull("aks-acr-pull", cluster.kubeletObjectId);
    // Pods start only once the kubelet may pull, and the deployer may use the cluster.
    const provider = new k8s.Provider("aks-k8s", { kubeconfig: cluster.kubeconfig }, { dependsOn: [...cluster.usableAfter, pullAccess] });
    new NvidiaDevicePlugin("nvidia-device-plugin", { provider, image: aks.devicePluginImage, placement: cluster.gpuPlacement });

    const deployment = deployOnKubernetes(
        { namePrefix: prefix, mysql: workspace.mysql, jupyter: workspace.jupyter, workloads: workspace.workloads ?? { notices: [] } },
        {
            provider,
            namespace: settings.kube.namespace,
            buildEngine: new DockerEngine("build-engine", { ...workspace.buildEngine, registryLogins: [registry.pushLogin] }),
            push: registry.pushTarget,
            // None: AKS's default class (Azure managed disks, made on demand).
            storageClass: settings.kube.storageClass,
            volumeSize: settings.kube.volumeSize,
            // ClusterIP by default: reached through kubectl port-forward, as the VMs' ports through an ssh tunnel.
            serviceType: settings.kube.serviceType,
            gpuPool: cluster.gpuPlacement,
            // The port-forward commands name the kubeconfig the docs have the user write from the stack output.
            kubectlArgs: ["--kubeconfig", AKS_KUBECONFIG_FILE],
        },
    );
    return {
        cluster,
        outputs: {
            ...deployment.outputs,
            resourceGroup: resourceGroupName,
            registryLoginServer: registry.loginServer,
            aksClusterName: cluster.clusterName,
            aksClusterId: cluster.clusterId,
            kubeconfig: cluster.kubeconfig,
        },
    };
}
