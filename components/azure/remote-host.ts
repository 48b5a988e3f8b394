import * as pulumi from "@pulumi/pulumi";

// Steps Pulumi takes on the VM itself, over the ssh client of the machine
// running Pulumi, as dynamic resources. Their providers are serialized into
// the state, so everything they use is in this file or a Node built-in, and
// what they run on the VM comes in as inputs.

/** How Pulumi's ssh client reaches the VM. */
export interface SshTarget {
    host: string;
    user: string;
    privateKeyPath: string;
    /** A known_hosts file holding only the VM's pinned host key, under `hostKeyAlias` (components/azure/host-key.ts). */
    knownHostsPath: string;
    /** The name the host key is pinned to, whatever the address: the VM's name. */
    hostKeyAlias: string;
}

/** ssh options that accept the pinned host key and nothing else: no trust on first use, no prompt. */
export function pinnedHostKeyOptions(target: Pick<SshTarget, "knownHostsPath" | "hostKeyAlias">): string[] {
    return [
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        `UserKnownHostsFile=${target.knownHostsPath}`,
        "-o",
        "GlobalKnownHostsFile=/dev/null",
        "-o",
        `HostKeyAlias=${target.hostKeyAlias}`,
        "-o",
        "HostKeyAlgorithms=ssh-ed25519",
    ];
}

export interface ProbeResult {
    /** False when ssh itself failed (not up yet, rebooting, refused). */
    connected: boolean;
    /** What the probe printed, one token a line. */
    lines: string[];
    /** ssh's stderr when it failed. */
    error: string;
    /** The remote command's exit status, when it ran. */
    status?: number;
}

export interface WaitOptions {
    /** Tokens that must all be printed. */
    required: string[];
    /** A token that means it will never become ready: fail at once. */
    fatal?: string;
    timeoutMs: number;
    pollMs: number;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
}

/** Probes until every required token shows up; throws with what was missing at the deadline. */
export async function waitUntilReady(probe: () => Promise<ProbeResult>, opts: WaitOptions): Promise<string[]> {
    const now = opts.now ?? Date.now;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
    const deadline = now() + opts.timeoutMs;
    let last: ProbeResult = { connected: false, lines: [], error: "not probed yet" };
    for (;;) {
        last = await probe();
        if (opts.fatal && last.lines.includes(opts.fatal)) {
            throw new Error(`the VM reports ${opts.fatal}:\n${last.lines.filter(l => l !== opts.fatal).join("\n")}`);
        }
        if (last.connected && opts.required.every(t => last.lines.includes(t))) return last.lines;
        if (now() >= deadline) break;
        await sleep(opts.pollMs);
    }
    const missing = opts.required.filter(t => !last.lines.includes(t));
    const why = last.connected ? `still missing: ${missing.join(", ")}` : `ssh failed: ${last.error.trim() || "no answer"}`;
    throw new Error(`the VM was not ready after ${Math.round(opts.timeoutMs / 1000)} s (${why})`);
}

/** Runs one command on the VM; never throws, the caller decides what a failure means. `sshOptions` go before the rest. */
export function runOverSsh(target: SshTarget, command: string, timeoutMs = 120_000, sshOptions: string[] = []): Promise<ProbeResult> {
    const { execFile } = require("child_process") as typeof import("child_process");
    const args = [
        ...sshOptions,
        "-i",
        target.privateKeyPath,
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=10",
        ...pinnedHostKeyOptions(target),
        `${target.user}@${target.host}`,
        command,
    ];
    return new Promise(resolve => {
        execFile("ssh", args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
            // Exit 255 is ssh's own failure; any other status comes from the remote command.
            const code: unknown = (error as { code?: unknown } | null)?.code;
            const connected = !error || (typeof code === "number" && code !== 255);
            const status = !error ? 0 : typeof code === "number" ? code : undefined;
            resolve({
                connected,
                status,
                lines: String(stdout)
                    .split("\n")
                    .map(l => l.trim())
                    .filter(Boolean),
                error: String(stderr),
            });
        });
    });
}

interface ReadinessInputs extends SshTarget {
    /** Prints one token a line for each condition that holds. */
    probeCommand: string;
    required: string[];
    fatal: string;
    timeoutSeconds: number;
    /** A new value (a new VM) means probe again. */
    trigger: string;
}

const readinessProvider: pulumi.dynamic.ResourceProvider<ReadinessInputs> = {
    async diff(_id, olds: ReadinessInputs, news: ReadinessInputs) {
        const replaces = (["host", "user", "trigger", "probeCommand"] as const).filter(k => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces };
    },
    async create(inputs: ReadinessInputs) {
        const lines = await waitUntilReady(() => runOverSsh(inputs, inputs.probeCommand), {
            required: inputs.required,
            fatal: inputs.fatal,
            timeoutMs: inputs.timeoutSeconds * 1000,
            pollMs: 10_000,
        });
        return { id: `${inputs.user}@${inputs.host}`, outs: { ...inputs, observed: lines } };
    },
};

export interface HostReadinessArgs {
    target: pulumi.Input<SshTarget>;
    probeCommand: string;
    required: string[];
    fatal: string;
    timeoutSeconds: number;
    trigger: pulumi.Input<string>;
}

/**
 * Done when the VM answers over ssh and the probe prints every required token:
 * created once per VM, so the first `pulumi up` waits for the machine instead
 * of failing on a half-booted host (pulumi-docker #580, #635, #1293).
 */
export class HostReadiness extends pulumi.dynamic.Resource {
    /** The tokens the probe printed when it passed. */
    declare readonly observed: pulumi.Output<string[]>;

    constructor(name: string, args: HostReadinessArgs, opts?: pulumi.CustomResourceOptions) {
        const target = pulumi.output(args.target);
        super(
            readinessProvider,
            name,
            {
                host: target.host,
                user: target.user,
                privateKeyPath: target.privateKeyPath,
                knownHostsPath: target.knownHostsPath,
                hostKeyAlias: target.hostKeyAlias,
                probeCommand: args.probeCommand,
                required: args.required,
                fatal: args.fatal,
                timeoutSeconds: args.timeoutSeconds,
                trigger: args.trigger,
                observed: undefined,
            },
            opts,
            "dsenv",
            "HostReadiness",
        );
    }
}

/** Exit status of the token command when the identity may not pull yet (components/azure/cloud-init.ts). */
export const NOT_ALLOWED_YET = 3;

export interface PullTokenOptions {
    /** ssh options of the engine (its connection multiplexing), so that the docker provider reuses this connection. */
    sshOptions?: string[];
    /** How long a new AcrPull assignment may take to apply: 15 minutes by default. */
    timeoutMs?: number;
    pollMs?: number;
    run?: (target: SshTarget, command: string, timeoutMs: number, sshOptions: string[]) => Promise<ProbeResult>;
    now?: () => number;
    sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs the token command on the VM until it prints a token: it exits
 * NOT_ALLOWED_YET while the VM's AcrPull assignment has not reached the
 * registry. A VM that does not answer at all (deallocated, gone) fails after
 * three tries, with what to do.
 */
export async function fetchPullToken(target: SshTarget, tokenCommand: string, opts: PullTokenOptions = {}): Promise<string> {
    const run = opts.run ?? runOverSsh;
    const now = opts.now ?? Date.now;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
    const deadline = now() + (opts.timeoutMs ?? 15 * 60_000);
    let unreachable = 0;
    let last = "";
    for (;;) {
        const result = await run(target, tokenCommand, 120_000, opts.sshOptions ?? []);
        if (result.status === 0 && result.lines.length === 1) return result.lines[0];
        last = result.error.trim().split("\n").slice(-3).join(" ") || `exit status ${result.status}`;
        if (!result.connected && ++unreachable >= 3) {
            throw new Error(
                `the VM ${target.host} does not answer over ssh (${last}): if it is deallocated, start it (az vm start -g <group> -n <vm>) and run again`,
            );
        }
        if (now() >= deadline) break;
        await sleep(opts.pollMs ?? 10_000);
    }
    throw new Error(
        `the VM's managed identity could not pull from the registry after ${Math.round((opts.timeoutMs ?? 15 * 60_000) / 60_000)} minutes: ${last}`,
    );
}
