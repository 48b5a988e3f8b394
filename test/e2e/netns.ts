import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";

/**
 * A machine simulated on this one: a network namespace of its own, where its
 * daemons make their bridges, iptables rules and listening ports. A dockerd
 * in this machine's own namespace would share them with the machine's engine
 * (one started with --bridge=none deletes the machine's docker0:
 * shared/FACTS.md), so every daemon a test starts runs in one of these.
 */
export class NetNamespace {
    private veth?: string;

    constructor(readonly name: string) {
        ip("netns", "add", name);
        ip("-n", name, "link", "set", "dev", "lo", "up");
    }

    /**
     * Joins it to this machine by a veth pair on a /30: `hostSide` (at most 15
     * characters) gets `machineAddress`, its end `eth0` gets `address`. The
     * pair is the test's own: deleting it touches nothing of the machine's.
     */
    linkToMachine(hostSide: string, machineAddress: string, address: string): this {
        ip("link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", this.name);
        this.veth = hostSide;
        ip("addr", "add", `${machineAddress}/30`, "dev", hostSide);
        ip("link", "set", "dev", hostSide, "up");
        ip("-n", this.name, "addr", "add", `${address}/30`, "dev", "eth0");
        ip("-n", this.name, "link", "set", "dev", "eth0", "up");
        return this;
    }

    /** Runs a command inside it; returns its trimmed stdout. */
    exec(...cmd: string[]): string {
        return execFileSync("ip", ["netns", "exec", this.name, ...cmd], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    }

    /** Starts a long-running command inside it, its output appended to `log`. */
    spawn(cmd: string[], log: string): ChildProcess {
        const fd = fs.openSync(log, "a");
        return spawn("ip", ["netns", "exec", this.name, ...cmd], { stdio: ["ignore", fd, fd] });
    }

    /**
     * Starts a dockerd inside it, with `hostname` if given. `ip netns exec`
     * mounts a fresh /sys without the cgroup v1 hierarchies dockerd needs:
     * they are mounted again in the mount namespace it made. `binds`: [source,
     * target] directories bound there too, seen by that dockerd only, with /
     * shared there as systemd makes it on a real machine (on a private /,
     * dockerd binds its data root onto itself, which hides mounts below it).
     * The dockerd is the simulated machines' engine ({@link simulatedDockerd});
     * its containers' cgroups go under one named as this namespace, which
     * {@link delete} removes.
     */
    spawnDockerd(args: string[], log: string, hostname?: string, binds: [string, string][] = []): ChildProcess {
        const dockerd = simulatedDockerd();
        const cgroups = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"].map(
            c => `mkdir -p /sys/fs/cgroup/${c} && mount -t cgroup -o ${c} cgroup /sys/fs/cgroup/${c}`,
        );
        const script = [
            "mount -t tmpfs cgroup_root /sys/fs/cgroup",
            ...cgroups,
            "mkdir -p /sys/fs/cgroup/systemd && mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd",
            ...(hostname ? [`hostname ${hostname}`] : []),
            ...(binds.length ? ["mount --make-rshared /"] : []),
            ...binds.map(([source, target]) => `mkdir -p ${target} && mount --bind ${source} ${target}`),
            `exec ${dockerd} ${[...args, `--cgroup-parent=/${this.name}`].join(" ")}`,
        ].join(" && ");
        return this.spawn(["unshare", "--uts", "sh", "-c", script], log);
    }

    /** Deletes it (its daemons stopped first), the veth pair to this machine, if any, and its dockerds' cgroups. */
    delete(): void {
        if (this.veth) run("ip", ["link", "del", this.veth]);
        run("ip", ["netns", "del", this.name]);
        for (const controller of fs.readdirSync(CGROUPS)) removeCgroup(`${CGROUPS}/${controller}/${this.name}`);
    }
}

/**
 * The dockerd the simulated machines run: the engine that the toolchain's
 * `simulated-engine` part builds (scripts/toolchain/ensure-simulated-engine.sh),
 * never the machine's own (Debian's 20.10 has moby/moby#44378: a swarm service
 * reserving a GPU on an overlay network is never placed). Missing, the test
 * fails here rather than run another engine.
 */
export function simulatedDockerd(): string {
    const dockerd = process.env.DSENV_SIMULATED_DOCKERD;
    if (!dockerd) {
        throw new Error(
            "DSENV_SIMULATED_DOCKERD is not set: the simulated machines' dockerd is built by the toolchain " +
                '(eval "$(scripts/toolchain/ensure.sh docker ... simulated-engine)", as scripts/test.sh does)',
        );
    }
    try {
        fs.accessSync(dockerd, fs.constants.X_OK);
    } catch {
        throw new Error(`DSENV_SIMULATED_DOCKERD=${dockerd} is not an executable: run scripts/toolchain/ensure-simulated-engine.sh`);
    }
    return dockerd;
}

/** Where this machine's cgroup (v1) hierarchies are mounted, one folder per controller. */
export const CGROUPS = "/sys/fs/cgroup";

/** Removes a cgroup and those below it, deepest first (a cgroup is removed with rmdir once no process is left in it). */
function removeCgroup(dir: string): void {
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return; // not there
    }
    for (const e of entries) if (e.isDirectory()) removeCgroup(`${dir}/${e.name}`);
    // A container's last process may still be leaving as its daemon stops.
    for (let attempt = 0; attempt < 20; attempt++) {
        try {
            fs.rmdirSync(dir);
            return;
        } catch {
            execFileSync("sleep", ["0.25"]);
        }
    }
}

/** Stops a daemon the tests started and waits until it has exited. */
export async function stopDaemon(daemon: ChildProcess | undefined): Promise<void> {
    if (!daemon || daemon.exitCode !== null || daemon.signalCode !== null) return;
    const exited = new Promise(r => daemon.once("exit", r));
    daemon.kill("SIGTERM");
    await exited;
}

/** Runs `ip` with these arguments; throws when it fails. */
export function ip(...args: string[]): void {
    execFileSync("ip", args, { stdio: "pipe" });
}

/** Runs a command; its trimmed stdout, or undefined when it fails or outlasts `timeoutMs` (a probe, or a clean-up of what may be gone). */
export function run(cmd: string, args: string[], timeoutMs = 30_000): string | undefined {
    try {
        return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs }).trim();
    } catch {
        return undefined;
    }
}

/** Starts what `start` starts; when it fails half-way, `stop` takes away what it had started, and the failure goes on. */
export async function startOrUndo(start: () => Promise<void>, stop: () => Promise<void>): Promise<void> {
    try {
        await start();
    } catch (e) {
        await stop();
        throw e;
    }
}
