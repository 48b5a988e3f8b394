import { execFileSync } from "child_process";
import { HostCommandRunner } from "./host-command";
import { EngineSettings } from "./engine-settings";

/** Runs the docker CLI with these arguments; injected so that tests need no engine. */
export type DockerRunner = (args: string[]) => { ok: true; stdout: string } | { ok: false; error: string };

export type GpuCheck =
    /** `docker run --gpus` works on the engine, `via` says how. */
    | { kind: "ready"; via: string; dockerDesktop: boolean }
    /** The engine answered and has no way to give a container GPUs: `looked` says what was looked for. */
    | { kind: "missing"; looked: string }
    /** The engine (or its host) did not answer (a VM not created yet, ssh not set up): Docker decides at deploy time. */
    | { kind: "deferred"; reason: string };

/** The real docker CLI, with a timeout so a dead ssh:// host cannot hang a preview. */
export const runDockerCli: DockerRunner = args => {
    try {
        return { ok: true, stdout: execFileSync("docker", args, { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] }) };
    } catch (e) {
        const err = e as { stderr?: string; message: string };
        return { ok: false, error: (err.stderr || err.message).trim().split("\n")[0] };
    }
};

/** The fields of `docker info --format '{{json .}}'` the check reads. */
export interface EngineInfo {
    ServerVersion?: string;
    /** What the engine advertises to a swarm (`--node-generic-resource`, daemon.json node-generic-resources). */
    GenericResources?:
        { NamedResourceSpec?: { Kind?: string; Value?: string }; DiscreteResourceSpec?: { Kind?: string; Value?: number } }[] | null;
    OperatingSystem?: string;
    Runtimes?: Record<string, unknown>;
    /** Docker >= 25: where CDI specs are read from; empty when CDI is off (the default before Docker 28). */
    CDISpecDirs?: string[] | null;
    /** Docker >= 28.2: the devices the CDI driver found, e.g. { Source: "cdi", ID: "nvidia.com/gpu=0" }. */
    DiscoveredDevices?: { Source?: string; ID?: string }[] | null;
}

/** The toolkit's OCI hook: dockerd registers the "nvidia" device driver for --gpus when it is on dockerd's PATH (moby daemon/nvidia_linux.go since 19.03). */
export const RUNTIME_HOOK = "nvidia-container-runtime-hook";
/** The first Docker that turns an NVIDIA --gpus request into CDI devices (moby 86f122af27, "Map nvidia --gpus request to CDI device requests"). */
export const GPUS_THROUGH_CDI = "29.2";
/** dockerd's PATH under systemd, where the packages put the hook. */
const DOCKERD_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
export const FIND_HOOK_SCRIPT = `for d in ${DOCKERD_PATH.join(" ")}; do [ -x "$d/${RUNTIME_HOOK}" ] && echo "$d/${RUNTIME_HOOK}"; done; true`;

/**
 * Whether `docker run --gpus` can work on the engine, the ways dockerd resolves
 * it (moby daemon/devices_nvidia_linux.go): the `nvidia` device driver is
 * registered when the toolkit's runtime hook (or, from Docker 29.2, its CDI
 * hook) is on dockerd's PATH. `docker info` shows neither binary, so this reads
 * what it does show, in order: the `nvidia` runtime (`nvidia-ctk runtime
 * configure`; the toolkit that registers it ships the hook; Docker Desktop lists
 * it), NVIDIA CDI devices on an engine that maps --gpus to them, and else asks
 * the engine's host for the hook binary.
 */
export function checkGpuPath(engine: EngineSettings, run: DockerRunner, runHost?: HostCommandRunner): GpuCheck {
    const result = run([...(engine.host ? ["-H", engine.host] : []), "info", "--format", "{{json .}}"]);
    if (!result.ok) return { kind: "deferred", reason: result.error };
    let info: EngineInfo;
    try {
        info = JSON.parse(result.stdout);
    } catch {
        return { kind: "deferred", reason: `unexpected answer from docker info: ${result.stdout.trim().slice(0, 80)}` };
    }
    if (!info || typeof info !== "object") return { kind: "deferred", reason: "docker info said nothing" };
    return gpuPathOf(info, engine, runHost);
}

/** checkGpuPath on a `docker info` answer already read. */
export function gpuPathOf(info: EngineInfo, engine: EngineSettings, runHost?: HostCommandRunner): GpuCheck {
    const dockerDesktop = info.OperatingSystem === "Docker Desktop";
    const runtimes = Object.keys(info.Runtimes ?? {}).sort();
    if (runtimes.includes("nvidia")) return { kind: "ready", via: "the nvidia runtime", dockerDesktop };
    const cdi = (info.DiscoveredDevices ?? []).filter(d => d.Source === "cdi" && d.ID?.startsWith("nvidia.com/gpu=")).map(d => d.ID!);
    const cdiMapsGpus = versionAtLeast(info.ServerVersion ?? "", GPUS_THROUGH_CDI);
    if (cdi.length > 0 && cdiMapsGpus) return { kind: "ready", via: `CDI (${cdi.join(", ")})`, dockerDesktop };

    const cdiNote =
        cdi.length > 0
            ? `its CDI devices (${cdi.join(", ")}) serve --gpus only from Docker ${GPUS_THROUGH_CDI} on (it runs ${info.ServerVersion})`
            : (info.CDISpecDirs ?? []).length > 0
              ? "no NVIDIA CDI device listed"
              : "CDI off";
    const looked = `runtimes: ${runtimes.join(", ") || "none"}; ${cdiNote}`;
    // Docker Desktop's engine runs in its own VM: there is no host to look for a hook on.
    if (dockerDesktop) return { kind: "missing", looked: `${looked}; Docker Desktop without its nvidia runtime` };
    const hook = runHost?.(engine, FIND_HOOK_SCRIPT);
    if (!hook)
        return { kind: "deferred", reason: `${looked}; its host cannot be asked for ${RUNTIME_HOOK} (not the local socket nor ssh://)` };
    if (!hook.ok) return { kind: "deferred", reason: `${looked}; its host did not answer when asked for ${RUNTIME_HOOK} (${hook.error})` };
    const found = hook.stdout.trim().split("\n")[0];
    if (found) return { kind: "ready", via: `the NVIDIA container runtime hook (${found})`, dockerDesktop };
    return { kind: "missing", looked: `${looked}; no ${RUNTIME_HOOK} on its host` };
}

/** "29.2.0" >= "29.2", "23.0.1" < "23.0.2"; distribution suffixes ("20.10.24+dfsg1") are ignored; an unreadable version is not at least anything. */
export function versionAtLeast(version: string, wanted: string): boolean {
    const have = version.match(/^(\d+)\.(\d+)(?:\.(\d+))?/);
    if (!have) return false;
    const want = wanted.split(".").map(Number);
    for (let i = 0; i < want.length; i++) {
        const part = Number(have[i + 1] ?? 0);
        if (part !== want[i]) return part > want[i];
    }
    return true;
}

/** Where the engine is, for messages. */
export function engineDescription(engine: EngineSettings): string {
    return engine.host ? engine.host : "the local socket";
}

/** The "expected ..." part of the error for a GPU key on an engine without a way to give GPUs; `off` is what the key takes instead. */
export function gpuMissingExpectation(engine: EngineSettings, looked: string, configKey: string, off = '""'): string {
    return (
        `${off === '""' ? '"" (no GPUs)' : off}: the Docker engine at ${engineDescription(engine)} cannot give containers GPUs (${looked}). ` +
        `To use GPUs, install the NVIDIA driver and the NVIDIA container toolkit on that host (its ${RUNTIME_HOOK} serves docker run --gpus), ` +
        `optionally "sudo nvidia-ctk runtime configure --runtime=docker" and restart Docker; or turn GPUs off with ${configKey}=""`
    );
}

/** What is said when the engine cannot be asked at preview time. */
export function gpuDeferredNotice(engine: EngineSettings, reason: string, configKeys: string[]): string {
    return (
        `GPUs (${configKeys.join(", ")}) not checked at preview: no answer from the Docker engine at ${engineDescription(engine)} settles it (${reason}). ` +
        `The check happens at deploy time: Docker refuses to create the containers ("could not select device driver") if that host lacks the NVIDIA container toolkit.`
    );
}
