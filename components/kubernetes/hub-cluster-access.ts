import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * What KubeSpawner does in the namespace (jupyterhub-kubespawner 7.1.0's
 * calls): watch the pods and their events (its reflectors list and watch),
 * create and delete the servers' pods, and make each user's claim on her
 * first start (read it, create it). No delete of claims (the hub keeps them:
 * delete_pvc off), no Secrets or Services (internal SSL and per-pod Services
 * are off).
 */
export const HUB_NAMESPACE_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch", "create", "delete"] },
    { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] },
    { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "create"] },
];

/** The hub's GPU check reads what the nodes can give (images/hub/kube_gpus.py): nodes are cluster-wide. */
export const HUB_CLUSTER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [{ apiGroups: [""], resources: ["nodes"], verbs: ["list"] }];

export interface HubClusterAccessArgs {
    provider: k8s.Provider;
    namespace: pulumi.Input<string>;
    /** The hub's name: its ServiceAccount's, Role's and RoleBinding's. */
    hubName: string;
    labels: Record<string, string>;
}

/**
 * Who the hub is to the cluster, instead of a Docker socket: a ServiceAccount
 * its pod runs as, a Role with what KubeSpawner needs in the stack's
 * namespace, and a ClusterRole that lets it list nodes, each bound to it.
 * `serviceAccountName` resolves once the bindings exist, so the hub (which
 * names it) is made after them and removed before them: on destroy it still
 * may stop its users' servers.
 */
export class HubClusterAccess extends pulumi.ComponentResource {
    readonly serviceAccountName: pulumi.Output<string>;

    constructor(name: string, args: HubClusterAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:kubernetes:HubClusterAccess", name, {}, opts);
        const on: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        const metadata = { name: args.hubName, namespace: args.namespace, labels: args.labels };
        const account = new k8s.core.v1.ServiceAccount(`${name}-account`, { metadata }, on);
        const subjects = [{ kind: "ServiceAccount", name: account.metadata.name, namespace: args.namespace }];
        const role = new k8s.rbac.v1.Role(`${name}-role`, { metadata, rules: HUB_NAMESPACE_RULES }, on);
        const binding = new k8s.rbac.v1.RoleBinding(
            `${name}-binding`,
            { metadata, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects },
            on,
        );
        // Cluster-wide names: the namespace tells two stacks' hubs apart.
        const clusterMetadata = { name: pulumi.interpolate`${args.namespace}-${args.hubName}-nodes`, labels: args.labels };
        const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-nodes`, { metadata: clusterMetadata, rules: HUB_CLUSTER_RULES }, on);
        const clusterBinding = new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-nodes-binding`,
            {
                metadata: clusterMetadata,
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
                subjects,
            },
            on,
        );
        this.serviceAccountName = pulumi
            .all([account.metadata.name, binding.metadata.name, clusterBinding.metadata.name])
            .apply(([accountName]) => accountName);
        this.registerOutputs({ serviceAccountName: this.serviceAccountName });
    }
}
