import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GpuPool } from "../kubernetes/kube-workload";

export interface NvidiaDevicePluginArgs {
    provider: k8s.Provider;
    /** NVIDIA's k8s-device-plugin image, as the stack names it (no registry is built in). */
    image: string;
    /** The GPU pool's toleration and label: the plugin runs on its nodes only. */
    placement: Required<GpuPool>;
}

/** Where the kubelet looks for device plugins' sockets. */
const DEVICE_PLUGINS_DIR = "/var/lib/kubelet/device-plugins";

/**
 * NVIDIA's Kubernetes device plugin on each GPU node: it registers the node's
 * GPUs with the kubelet as nvidia.com/gpu, which pods ask for. AKS installs the
 * driver and the container runtime's NVIDIA support on GPU nodes, not this.
 */
export class NvidiaDevicePlugin extends pulumi.ComponentResource {
    readonly daemonSet: k8s.apps.v1.DaemonSet;

    constructor(name: string, args: NvidiaDevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:NvidiaDevicePlugin", name, {}, opts);
        const labels = { "app.kubernetes.io/name": "nvidia-device-plugin" };
        this.daemonSet = new k8s.apps.v1.DaemonSet(
            name,
            {
                metadata: { name: "nvidia-device-plugin", namespace: "kube-system", labels },
                spec: {
                    selector: { matchLabels: labels },
                    updateStrategy: { type: "RollingUpdate" },
                    template: {
                        metadata: { labels },
                        spec: {
                            // A node without its device plugin has GPUs no pod can get.
                            priorityClassName: "system-node-critical",
                            nodeSelector: args.placement.nodeSelector,
                            tolerations: [...args.placement.tolerations, { key: "CriticalAddonsOnly", operator: "Exists" }],
                            containers: [
                                {
                                    name: "nvidia-device-plugin",
                                    image: args.image,
                                    // A node whose driver is still being installed: wait for it instead of crash-looping.
                                    env: [{ name: "FAIL_ON_INIT_ERROR", value: "false" }],
                                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                                    volumeMounts: [{ name: "device-plugins", mountPath: DEVICE_PLUGINS_DIR }],
                                },
                            ],
                            volumes: [{ name: "device-plugins", hostPath: { path: DEVICE_PLUGINS_DIR } }],
                        },
                    },
                },
            },
            // The pool may be at zero nodes: a DaemonSet with no pod yet is ready as it is.
            { parent: this, provider: args.provider },
        );
        this.registerOutputs({});
    }
}
