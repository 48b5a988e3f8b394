// The docker CLI against one node's engine, for what the Docker provider has no
// resource for (a swarm's membership). Used inside dynamic providers, which are
// serialized into the state: everything here is this file or a Node built-in.

/** How a node's engine is reached, as the Docker provider takes it. */
export interface NodeEngine {
    /** unix:///path, tcp://host:port or ssh://[user@]host[:port]. */
    host: string;
    /** ssh options for an ssh:// host (a key file, known-hosts settings). */
    sshOpts: string[];
}

/** The outcome of one CLI call; never thrown: the caller decides what a failure means. */
export interface CliResult {
    ok: boolean;
    stdout: string;
    stderr: string;
}

/**
 * Runs `docker ARGS` against the engine: with `-H` for unix:// and tcp://;
 * over ssh for ssh://, running the node's own docker CLI there, so that the
 * ssh options apply as they do for the provider.
 */
export function runDocker(engine: NodeEngine, args: string[], timeoutMs = 60_000): Promise<CliResult> {
    const { execFile } = require("child_process") as typeof import("child_process");
    let cmd = "docker";
    let argv = ["-H", engine.host, ...args];
    if (engine.host.startsWith("ssh://")) {
        const url = new URL(engine.host);
        const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
        cmd = "ssh";
        argv = [
            ...engine.sshOpts,
            "-o",
            "BatchMode=yes",
            ...(url.port ? ["-p", url.port] : []),
            url.username ? `${decodeURIComponent(url.username)}@${url.hostname}` : url.hostname,
            "--",
            ["docker", ...args].map(quote).join(" "),
        ];
    }
    return new Promise(resolve => {
        execFile(cmd, argv, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
            resolve({ ok: !error, stdout: String(stdout).trim(), stderr: String(stderr).trim() || String(error?.message ?? "") }),
        );
    });
}

/** runDocker that throws, with what the engine said. */
export async function mustDocker(engine: NodeEngine, args: string[], what: string): Promise<string> {
    const r = await runDocker(engine, args);
    if (!r.ok) throw new Error(`${what} on ${engine.host}: ${r.stderr}`);
    return r.stdout;
}
