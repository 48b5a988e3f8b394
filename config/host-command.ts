import { execFileSync } from "child_process";
import { EngineSettings } from "./engine-settings";

/**
 * Runs a shell command on the machine an engine runs on: here for the local
 * socket, over ssh (with dsenv:dockerSshOpts, as the engine is reached) for an
 * ssh:// engine; undefined where there is no way to (a tcp:// engine).
 * Injected, as DockerRunner is, so that tests need no host.
 */
export type HostCommandRunner = (
    engine: EngineSettings,
    script: string,
) => { ok: true; stdout: string } | { ok: false; error: string } | undefined;

/** The argv that runs `script` on the engine's machine, or undefined where it cannot be reached. */
export function hostCommandArgv(engine: EngineSettings, script: string): [string, string[]] | undefined {
    if (engine.isLocal) return ["sh", ["-c", script]];
    if (!engine.host?.startsWith("ssh://")) return undefined;
    const url = new URL(engine.host);
    // ssh takes an IPv6 address without the URL's brackets.
    const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
    const target = url.username ? `${decodeURIComponent(url.username)}@${hostname}` : hostname;
    // BatchMode: a preview never waits for a password prompt.
    return [
        "ssh",
        [
            ...(engine.sshOpts ?? []),
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            ...(url.port ? ["-p", url.port] : []),
            target,
            "--",
            script,
        ],
    ];
}

export const runHostCommand: HostCommandRunner = (engine, script) => {
    const argv = hostCommandArgv(engine, script);
    if (!argv) return undefined;
    try {
        return {
            ok: true,
            stdout: execFileSync(argv[0], argv[1], { encoding: "utf8", timeout: 20_000, stdio: ["ignore", "pipe", "pipe"] }),
        };
    } catch (e) {
        const err = e as { stderr?: string; stdout?: string; message: string; status?: number };
        // A script that ran and said nothing found is an answer, not a failure of the connection (ssh exits 255 on those).
        if (typeof err.status === "number" && err.status !== 255) return { ok: true, stdout: err.stdout ?? "" };
        return { ok: false, error: (err.stderr || err.message).trim().split("\n")[0] };
    }
};
