// Which GPUs a container gets, in the two forms Docker and the NVIDIA runtime
// read: `docker run --gpus` and NVIDIA_VISIBLE_DEVICES.

/** The swarm's name of the generic resource NVIDIA GPUs are advertised as (dockerd `node-generic-resources`). */
export const GPU_RESOURCE = "NVIDIA-GPU";

/** The extended resource a Kubernetes pod asks NVIDIA GPUs by (what the NVIDIA device plugin advertises). */
export const KUBE_GPU_RESOURCE = "nvidia.com/gpu";

/** What `docker run --gpus` asks for: every GPU, a number of them, or some by index or UUID. */
export type GpuRequest = "all" | { count: number } | { devices: string[] };

/**
 * Service's `gpus`, as `docker run --gpus` reads it: a CSV field list, so a
 * device list with commas is one quoted field ("device=0,2"); unquoted, Docker
 * would read `device=0` and a count of 2.
 */
export function gpusFlag(gpus: GpuRequest | undefined): string | undefined {
    if (gpus === undefined) return undefined;
    if (gpus === "all") return "all";
    if ("count" in gpus) return String(gpus.count);
    const field = `device=${gpus.devices.join(",")}`;
    return gpus.devices.length > 1 ? `"${field}"` : field;
}

/**
 * The NVIDIA runtime's variables, the same devices Docker hands it for --gpus
 * (a count is the first N indexes). Without GPUs, "void" keeps an engine whose
 * default runtime is nvidia from handing the container every GPU anyway.
 * `utility` is what makes nvidia-smi work inside the container.
 */
export function nvidiaEnv(gpus: GpuRequest | undefined): Record<string, string> {
    if (gpus === undefined) return { NVIDIA_VISIBLE_DEVICES: "void" };
    const devices =
        gpus === "all" ? "all" : "count" in gpus ? Array.from({ length: gpus.count }, (_, i) => i).join(",") : gpus.devices.join(",");
    return { NVIDIA_VISIBLE_DEVICES: devices, NVIDIA_DRIVER_CAPABILITIES: "compute,utility" };
}
