import { cudaFitsDriver, newestCudaFor } from "./cuda-drivers";
import { DockerRunner, engineDescription } from "./gpu-check";
import { HostCommandRunner } from "./host-command";
import { ConfigReader } from "./reader";
import { EngineSettings } from "./settings";

// CUDA against the driver at preview: an image built for a CUDA newer than the
// host's driver runs would only fail inside the container ("CUDA driver version
// is insufficient"), or at start where the image sets NVIDIA_REQUIRE_CUDA.

/** An image that is to run with GPUs: the key that names it, the key that asks for GPUs, and its CUDA if known without the engine. */
export interface GpuImage {
    imageKey: string;
    gpuKey: string;
    image: string;
    /** Where the image is inspected (not present there: `knownCuda`). */
    engine: EngineSettings;
    /** The CUDA it is built for, where a table says so (the pinned default images). */
    knownCuda?: string;
}

export type ImageCuda = { cuda: string; strict: boolean; source: string } | { cuda?: undefined; reason: string };

/** The CUDA an image is built for, from its CUDA_VERSION variable or com.nvidia.cuda.version label (nvidia/cuda images set both). */
export function imageCudaOf(config: { Env?: string[] | null; Labels?: Record<string, string> | null }): { cuda?: string; strict: boolean } {
    const env = Object.fromEntries((config.Env ?? []).map(e => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    const cuda = env.CUDA_VERSION || config.Labels?.["com.nvidia.cuda.version"] || undefined;
    // NVIDIA_REQUIRE_CUDA makes the NVIDIA hook check the driver itself, unless NVIDIA_DISABLE_REQUIRE is set.
    return { cuda, strict: Boolean(env.NVIDIA_REQUIRE_CUDA) && !env.NVIDIA_DISABLE_REQUIRE };
}

/** `docker image inspect` through the engine; an image that is not there answers with `knownCuda`. */
export function readImageCuda(img: GpuImage, run: DockerRunner): ImageCuda {
    const r = run([...(img.engine.host ? ["-H", img.engine.host] : []), "image", "inspect", "--format", "{{json .Config}}", img.image]);
    if (r.ok) {
        try {
            const found = imageCudaOf(JSON.parse(r.stdout) ?? {});
            if (found.cuda) return { cuda: found.cuda, strict: found.strict, source: "its CUDA_VERSION" };
        } catch {
            // an answer that is not JSON: as if the image were not there
        }
    }
    if (img.knownCuda) return { cuda: img.knownCuda, strict: false, source: "the pinned image table" };
    return { reason: r.ok ? "the image sets no CUDA_VERSION" : "the image is not on the engine yet" };
}

export type DriverVersion =
    { kind: "found"; version: string; source: string } | { kind: "none"; said: string } | { kind: "unknown"; reason: string };

/** The kernel module's version, else nvidia-smi's (also where WSL keeps it). */
export const DRIVER_SCRIPT =
    "cat /proc/driver/nvidia/version 2>/dev/null || nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null || /usr/lib/wsl/lib/nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null; true";

/** A driver version from /proc/driver/nvidia/version or nvidia-smi's csv answer; undefined when the text has none. */
export function parseDriverVersion(text: string): string | undefined {
    const proc = /NVRM version:.*?Kernel Module(?:\s+for\s+\S+)?\s+(\d+\.\d+(?:\.\d+)?)/.exec(text);
    if (proc) return proc[1];
    const smi = text
        .split("\n")
        .map(l => l.trim())
        .find(l => /^\d+\.\d+(\.\d+)?$/.test(l));
    return smi;
}

/** The driver version on the engine's machine (locally, or over ssh as the engine is reached). */
export function readDriverVersion(engine: EngineSettings, runHost?: HostCommandRunner): DriverVersion {
    const r = runHost?.(engine, DRIVER_SCRIPT);
    if (!r)
        return {
            kind: "unknown",
            reason: `the machine of the engine at ${engineDescription(engine)} cannot be asked (not the local socket nor ssh://)`,
        };
    if (!r.ok) return { kind: "unknown", reason: `the machine of the engine at ${engineDescription(engine)} did not answer (${r.error})` };
    const version = parseDriverVersion(r.stdout);
    if (!version) return { kind: "none", said: "neither /proc/driver/nvidia/version nor nvidia-smi answered" };
    const source = r.stdout.includes("NVRM") ? "/proc/driver/nvidia/version" : "nvidia-smi";
    return { kind: "found", version, source: engine.isLocal ? source : `${source} on ${engine.host}` };
}

/**
 * Refuses an image whose CUDA the driver cannot run, on the image's key, with
 * the driver it needs and the CUDA that fits the driver; a notice where the
 * driver or the CUDA cannot be read, or where only minor version compatibility
 * makes it run.
 */
export function checkCudaAgainstDriver(
    read: ConfigReader,
    images: GpuImage[],
    driver: DriverVersion,
    run: DockerRunner,
    notices: string[],
): void {
    for (const img of images) {
        const cuda = readImageCuda(img, run);
        const what = `${img.image} (${read.key(img.imageKey)}, GPUs by ${read.key(img.gpuKey)})`;
        if (cuda.cuda === undefined) {
            notices.push(`CUDA of ${what} not checked against the driver at preview: ${cuda.reason}`);
            continue;
        }
        if (driver.kind !== "found") {
            notices.push(
                `CUDA ${cuda.cuda} of ${what} not checked against the driver at preview: ${driver.kind === "none" ? driver.said : driver.reason}`,
            );
            continue;
        }
        const fit = cudaFitsDriver(cuda.cuda, driver.version, cuda.strict);
        if (fit.kind === "too-old") {
            const fitting = newestCudaFor(driver.version);
            read.reject(
                img.imageKey,
                img.image,
                `an image whose CUDA runs on the NVIDIA driver ${driver.version} (${driver.source}) of the GPU host: ${img.image} is built for CUDA ${cuda.cuda} (${cuda.source}), which needs a driver >= ${fit.needs}. ` +
                    `Use ${fitting ? `a CUDA ${fitting} image` : "an image for an older CUDA"}, or a driver >= ${fit.needs} on that host`,
            );
        } else if (fit.kind === "minor-compatible") {
            notices.push(
                `${what} is built for CUDA ${cuda.cuda}; the driver ${driver.version} runs it by CUDA minor version compatibility (no JIT of newer PTX); a driver >= ${fit.full} runs all of it`,
            );
        } else if (fit.kind === "unknown") {
            notices.push(
                `CUDA ${cuda.cuda} of ${what} is not in dsenv's driver table (config/cuda-drivers.ts): not checked against the driver ${driver.version}`,
            );
        }
    }
}
