// Which GPUs a container gets, in the two forms Docker and the NVIDIA runtime
// read: `docker run --gpus` and NVIDIA_VISIBLE_DEVICES.

/** Every GPU, or some by index or UUID; undefined means none. */
export type GpuSelection = "all" | string[];

/** The config form ("", "all", "0,2") as a selection. */
export function parseGpus(value: string): GpuSelection | undefined {
    if (value === "") return undefined;
    return value === "all" ? "all" : value.split(",");
}

/** Service's `gpus`: "all" or "device=0,2" (docker run --gpus). */
export function gpusFlag(gpus: GpuSelection | undefined): string | undefined {
    if (gpus === undefined) return undefined;
    return gpus === "all" ? "all" : `device=${gpus.join(",")}`;
}

/**
 * The NVIDIA runtime's variables. Without GPUs, "void" keeps an engine whose
 * default runtime is nvidia from handing the container every GPU anyway.
 * `utility` is what makes nvidia-smi work inside the container.
 */
export function nvidiaEnv(gpus: GpuSelection | undefined): Record<string, string> {
    if (gpus === undefined) return { NVIDIA_VISIBLE_DEVICES: "void" };
    return { NVIDIA_VISIBLE_DEVICES: gpus === "all" ? "all" : gpus.join(","), NVIDIA_DRIVER_CAPABILITIES: "compute,utility" };
}
