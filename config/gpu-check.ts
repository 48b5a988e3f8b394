import { execFileSync } from "child_process";
import { EngineSettings } from "./settings";

/** Runs the docker CLI with these arguments; injected so that tests need no engine. */
export type DockerRunner = (args: string[]) => { ok: true; stdout: string } | { ok: false; error: string };

export type GpuCheck =
    /** The engine has the NVIDIA runtime. */
    | { kind: "ready" }
    /** The engine answered and has no NVIDIA runtime: GPU containers would fail to start. */
    | { kind: "missing"; runtimes: string[] }
    /** The engine did not answer (a VM not created yet, ssh not set up): Docker decides at deploy time. */
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

/**
 * Asks the engine which container runtimes it has. `docker run --gpus` needs the
 * NVIDIA container toolkit; `nvidia-ctk runtime configure --runtime=docker`
 * registers it as the "nvidia" runtime, which is what this looks for.
 */
export function checkNvidiaRuntime(engine: EngineSettings, run: DockerRunner = runDockerCli): GpuCheck {
    const hostArgs = engine.host ? ["-H", engine.host] : [];
    const result = run([...hostArgs, "info", "--format", "{{json .Runtimes}}"]);
    if (!result.ok) return { kind: "deferred", reason: result.error };
    let runtimes: unknown;
    try {
        runtimes = JSON.parse(result.stdout);
    } catch {
        return { kind: "deferred", reason: `unexpected answer from docker info: ${result.stdout.trim().slice(0, 80)}` };
    }
    if (!runtimes || typeof runtimes !== "object") return { kind: "deferred", reason: "docker info listed no runtimes" };
    const names = Object.keys(runtimes).sort();
    return names.includes("nvidia") ? { kind: "ready" } : { kind: "missing", runtimes: names };
}

/** Where the engine is, for messages. */
export function engineDescription(engine: EngineSettings): string {
    return engine.host ? engine.host : "the local socket";
}

/** The "expected ..." part of the error for a GPU key on an engine without the NVIDIA runtime. */
export function gpuMissingExpectation(engine: EngineSettings, runtimes: string[], configKey: string): string {
    return (
        `"" (no GPUs): the Docker engine at ${engineDescription(engine)} has no NVIDIA runtime (its runtimes: ${runtimes.join(", ")}). ` +
        `To use GPUs, install the NVIDIA driver and the NVIDIA container toolkit on that host, run ` +
        `"sudo nvidia-ctk runtime configure --runtime=docker" and restart Docker; or turn GPUs off with ${configKey}=""`
    );
}

/** What is said when the engine cannot be asked at preview time. */
export function gpuDeferredNotice(engine: EngineSettings, reason: string, configKeys: string[]): string {
    return (
        `GPUs (${configKeys.join(", ")}) not checked at preview: the Docker engine at ${engineDescription(engine)} did not answer (${reason}). ` +
        `The check happens at deploy time: Docker refuses to create the containers ("could not select device driver") if that host lacks the NVIDIA container toolkit.`
    );
}
