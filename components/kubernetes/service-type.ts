/** How a published port is reached on Kubernetes: kubectl port-forward (ClusterIP), a node's port, or a load balancer. */
export const KUBE_SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer"] as const;
export type KubeServiceType = (typeof KUBE_SERVICE_TYPES)[number];
