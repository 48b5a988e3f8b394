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
    /** A known_hosts file of this project's own: a replaced VM's new host key never clashes with ~/.ssh/known_hosts. */
    knownHostsPath: string;
}

export interface ProbeResult {
    /** False when ssh itself failed (not up yet, rebooting, refused). */
    connected: boolean;
    /** What the probe printed, one token a line. */
    lines: string[];
    /** ssh's stderr when it failed. */
    error: string;
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

/** Runs one command on the VM; never throws, the caller decides what a failure means. */
export function runOverSsh(target: SshTarget, command: string, timeoutMs = 120_000): Promise<ProbeResult> {
    const { execFile } = require("child_process") as typeof import("child_process");
    const args = [
        "-i", target.privateKeyPath,
        "-o", "BatchMode=yes",
        "-o", "ConnectTimeout=10",
        "-o", "StrictHostKeyChecking=accept-new",
        "-o", `UserKnownHostsFile=${target.knownHostsPath}`,
        `${target.user}@${target.host}`,
        command,
    ];
    return new Promise(resolve => {
        execFile("ssh", args, { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
            // Exit 255 is ssh's own failure; any other status comes from the remote command.
            const code: unknown = (error as { code?: unknown } | null)?.code;
            const connected = !error || (typeof code === "number" && code !== 255);
            resolve({ connected, lines: String(stdout).split("\n").map(l => l.trim()).filter(Boolean), error: String(stderr) });
        });
    });
}

/** Forgets the host key of an address that now belongs to a new VM. */
export function forgetHostKey(target: SshTarget): Promise<void> {
    const { execFile } = require("child_process") as typeof import("child_process");
    const fs = require("fs") as typeof import("fs");
    const path = require("path") as typeof import("path");
    fs.mkdirSync(path.dirname(target.knownHostsPath), { recursive: true, mode: 0o700 });
    return new Promise(resolve => execFile("ssh-keygen", ["-R", target.host, "-f", target.knownHostsPath], () => resolve()));
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
        await forgetHostKey(inputs);
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
                probeCommand: args.probeCommand,
                required: args.required,
                fatal: args.fatal,
                timeoutSeconds: args.timeoutSeconds,
                trigger: args.trigger,
                observed: undefined,
            },
            opts,
            "dsenv", "HostReadiness",
        );
    }
}

interface PullTokenInputs extends SshTarget {
    /** Prints the token on stdout. */
    tokenCommand: string;
}

async function fetchPullToken(inputs: PullTokenInputs): Promise<{ refreshToken: string }> {
    // A new role assignment takes minutes to reach the registry: retry until it does.
    let last = "";
    for (let attempt = 0; attempt < 30; attempt++) {
        const result = await runOverSsh(inputs, inputs.tokenCommand);
        const token = result.connected && result.lines.length === 1 ? result.lines[0] : "";
        if (token) return { refreshToken: token };
        last = result.error.trim().split("\n").slice(-3).join(" ");
        await new Promise<void>(resolve => setTimeout(resolve, 10_000));
    }
    throw new Error(`the VM's managed identity got no registry token after 5 minutes: ${last}`);
}

const pullTokenProvider: pulumi.dynamic.ResourceProvider<PullTokenInputs> = {
    // Registry tokens last about three hours: every deployment fetches a fresh one.
    async diff() {
        return { changes: true };
    },
    async create(inputs: PullTokenInputs) {
        return { id: `${inputs.user}@${inputs.host}`, outs: { ...inputs, ...(await fetchPullToken(inputs)) } };
    },
    async update(_id, _olds, news: PullTokenInputs) {
        return { outs: { ...news, ...(await fetchPullToken(news)) } };
    },
};

export interface ManagedIdentityPullTokenArgs {
    target: pulumi.Input<SshTarget>;
    tokenCommand: pulumi.Input<string>;
}

/**
 * A registry token fetched on the VM with the VM's own managed identity (AcrPull
 * only), for the remote engine's pulls: the VM never sees a credential that can
 * push. Refreshed on every deployment, so each `pulumi up` shows it as an update.
 */
export class ManagedIdentityPullToken extends pulumi.dynamic.Resource {
    declare readonly refreshToken: pulumi.Output<string>;

    constructor(name: string, args: ManagedIdentityPullTokenArgs, opts?: pulumi.CustomResourceOptions) {
        const target = pulumi.output(args.target);
        super(
            pullTokenProvider,
            name,
            {
                host: target.host,
                user: target.user,
                privateKeyPath: target.privateKeyPath,
                knownHostsPath: target.knownHostsPath,
                tokenCommand: args.tokenCommand,
                refreshToken: undefined,
            },
            { ...opts, additionalSecretOutputs: ["refreshToken"] },
            "dsenv", "ManagedIdentityPullToken",
        );
    }
}
