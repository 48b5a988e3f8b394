import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as pulumi from "@pulumi/pulumi";
import { KUBE_GPU_RESOURCE } from "../gpu";
import type { GpuPool } from "../kubernetes/kube-workload";
import { withKubeloginMode } from "./kubelogin";

/** Built-in role "Azure Kubernetes Service RBAC Cluster Admin": every object of the cluster, through Entra ID. */
export const AKS_RBAC_CLUSTER_ADMIN_ROLE = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b";

/** The taint of the GPU pool's nodes: only pods that tolerate it (those with GPUs) land there, so the pool can stay at zero. */
export const GPU_TAINT = { key: KUBE_GPU_RESOURCE, value: "present", effect: "NoSchedule" } as const;

/** The label of the GPU pool's nodes, which GPU pods select. */
export const GPU_POOL_LABEL = { key: "dsenv/pool", value: "gpu" } as const;

/** AKS agent pool names: lower-case letters and digits, 12 at most on Linux. */
const SYSTEM_POOL = "system";
const GPU_POOL = "gpu";

export interface AksClusterArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    /** The cluster's Azure name (1 to 63 letters, digits, '_', '-'). */
    clusterName: string;
    /** Its API server's DNS prefix: fixed once the cluster exists. */
    dnsPrefix: string;
    /** The system pool's one node: the cluster's own pods and the pods without GPUs. */
    systemVmSize: string;
    /** The GPU pool, scaled by the cluster autoscaler between 0 and `maxNodes`. */
    gpuPool: { vmSize: string; maxNodes: number };
    /** kubelogin's --login mode in the kubeconfig (azurecli: the az login of whoever runs Pulumi). */
    kubeloginMode: string;
    tags?: Record<string, string>;
}

/**
 * An AKS cluster with Entra ID sign-in and Azure RBAC only: no local accounts,
 * so no admin or client certificate exists to leak; the identity that deploys
 * gets "Azure Kubernetes Service RBAC Cluster Admin" on it and reaches it with
 * the user kubeconfig (kubelogin). A system pool of one node, and a GPU pool
 * that the cluster autoscaler scales from zero for pods that ask for
 * nvidia.com/gpu; AKS installs the NVIDIA driver on its nodes, NVIDIA's device
 * plugin (NvidiaDevicePlugin, on the cluster's provider) makes them advertise
 * their GPUs.
 */
export class AksCluster extends pulumi.ComponentResource {
    readonly cluster: containerservice.ManagedCluster;
    readonly gpuAgentPool: containerservice.AgentPool;
    readonly clusterName: pulumi.Output<string>;
    readonly clusterId: pulumi.Output<string>;
    /** The kubelet's managed identity: it pulls the images (AcrPull on the registry). */
    readonly kubeletObjectId: pulumi.Output<string>;
    /** The user kubeconfig (exec: kubelogin), secret. */
    readonly kubeconfig: pulumi.Output<string>;
    /** What a Kubernetes provider of the cluster must wait for: the deployer's role on it. */
    readonly usableAfter: pulumi.Resource[];
    /** Where GPU pods go: the GPU pool's toleration and label (KubernetesRuntime's gpuPool). */
    readonly gpuPlacement: Required<GpuPool>;

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:AksCluster", name, {}, opts);
        const client = authorization.getClientConfigOutput({ parent: this });

        this.cluster = new containerservice.ManagedCluster(
            name,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                resourceName: args.clusterName,
                dnsPrefix: args.dnsPrefix,
                identity: { type: "SystemAssigned" },
                enableRBAC: true,
                // Sign-in through Entra ID, authorisation by Azure role assignments; the
                // cluster's static admin credential is switched off.
                aadProfile: { managed: true, enableAzureRBAC: true, tenantID: client.tenantId },
                disableLocalAccounts: true,
                // Only the system pool inline: Azure creates a cluster with at least one pool, but
                // changes no pool through the cluster afterwards (the GPU pool is its own resource).
                agentPoolProfiles: [
                    {
                        name: SYSTEM_POOL,
                        mode: "System",
                        vmSize: args.systemVmSize,
                        count: 1,
                        osType: "Linux",
                        type: "VirtualMachineScaleSets",
                    },
                ],
                tags: args.tags,
            },
            { parent: this },
        );
        this.clusterName = this.cluster.name;
        this.clusterId = this.cluster.id;
        this.kubeletObjectId = this.cluster.identityProfile.apply(p => {
            const id = p?.["kubeletidentity"]?.objectId;
            if (!id && !pulumi.runtime.isDryRun()) throw new Error(`AKS cluster ${args.clusterName} has no kubelet identity`);
            return id ?? "";
        });

        this.gpuAgentPool = new containerservice.AgentPool(
            `${name}-gpu`,
            {
                resourceGroupName: args.resourceGroupName,
                resourceName: this.cluster.name,
                agentPoolName: GPU_POOL,
                mode: "User",
                vmSize: args.gpuPool.vmSize,
                osType: "Linux",
                type: "VirtualMachineScaleSets",
                enableAutoScaling: true,
                minCount: 0,
                maxCount: args.gpuPool.maxNodes,
                // Azure wants a count when the pool is made; the autoscaler owns it after that.
                count: 0,
                nodeTaints: [`${GPU_TAINT.key}=${GPU_TAINT.value}:${GPU_TAINT.effect}`],
                nodeLabels: { [GPU_POOL_LABEL.key]: GPU_POOL_LABEL.value },
                // AKS installs the NVIDIA driver on each GPU node.
                gpuProfile: { driver: "Install" },
                tags: args.tags,
            },
            // The autoscaler changes the count: an update that sent the declared one back would be refused.
            { parent: this, ignoreChanges: ["count"] },
        );

        const subscription = client.subscriptionId;
        const admin = new authorization.RoleAssignment(
            `${name}-admin`,
            {
                principalId: client.objectId,
                roleDefinitionId: pulumi.interpolate`/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${AKS_RBAC_CLUSTER_ADMIN_ROLE}`,
                scope: this.cluster.id,
                description: `Azure Kubernetes Service RBAC Cluster Admin on ${args.clusterName}, for the identity that deploys it`,
            },
            { parent: this },
        );

        const credentials = containerservice.listManagedClusterUserCredentialsOutput(
            { resourceGroupName: args.resourceGroupName, resourceName: this.cluster.name, format: "exec" },
            { parent: this },
        );
        this.kubeconfig = pulumi.secret(
            credentials.kubeconfigs.apply(k => {
                if (!k?.[0]?.value) throw new Error(`AKS cluster ${args.clusterName} returned no user kubeconfig`);
                return withKubeloginMode(Buffer.from(k[0].value, "base64").toString("utf8"), args.kubeloginMode);
            }),
        );
        // The stack's objects wait for the deployer's role on the cluster (Azure RBAC answers 403 before it).
        this.usableAfter = [admin];
        this.gpuPlacement = {
            tolerations: [{ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect }],
            nodeSelector: { [GPU_POOL_LABEL.key]: GPU_POOL_LABEL.value },
            // The autoscaler adds a GPU node for a pod that waits for one: the hub lets such a start wait.
            scales: true,
        };

        this.registerOutputs({ clusterName: this.clusterName, clusterId: this.clusterId, kubeconfig: this.kubeconfig });
    }
}
