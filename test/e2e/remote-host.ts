import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { canConnect, freePort, waitFor } from "./harness";
import { NetNamespace, run as runCommand, startOrUndo, stopDaemon } from "./netns";

/**
 * A second machine with a Docker engine, simulated on this one, the way an
 * Azure VM's engine is reached over ssh://: a network namespace of its own
 * (its own docker0, iptables and ports), joined to this machine by a veth
 * pair, where its dockerd and its sshd run. The ssh session's DOCKER_HOST
 * points `docker system dial-stdio` at that engine. Services on this
 * machine's loopback that a VM reaches over the network (the test
 * registries, as a VM reaches ACR) are forwarded into its loopback at the
 * same address, so that image references stay the same on both engines.
 */
export class RemoteDockerHost {
    /** Short: unix socket paths are limited to 107 bytes. */
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsr-"));
    readonly socket = `unix://${path.join(this.dir, "docker.sock")}`;
    private readonly key = path.join(this.dir, "client_key");
    private readonly id = crypto.randomBytes(2);
    private readonly tag = `dsr${this.id.toString("hex")}`;
    /** Its address, where this machine reaches its sshd (its own /30 in 10.214.0.0/16). */
    readonly address = `10.214.${this.id[0]}.${(this.id[1] % 64) * 4 + 2}`;
    private readonly machineAddress = `10.214.${this.id[0]}.${(this.id[1] % 64) * 4 + 1}`;
    private netns?: NetNamespace;
    private readonly daemons: ChildProcess[] = [];

    /**
     * `hostKey`: the private host key sshd presents (OpenSSH format), as a VM
     * whose key the stack made; else one made here. `reaches`: 127.0.0.1:port
     * services of this machine it reaches at the same address.
     */
    constructor(private readonly options: { hostKey?: string; reaches?: string[] } = {}) {}

    /** The port its sshd listens on. */
    readonly sshPort = "22";

    /** sshd's log (LogLevel VERBOSE: one "Accepted publickey" line per login). */
    get sshdLog(): string {
        return path.join(this.dir, "sshd.log");
    }

    /** What a stack's dsenv:dockerHost is set to. */
    get dockerHost(): string {
        return `ssh://root@${this.address}:${this.sshPort}`;
    }

    /** The private key that logs in (as root). */
    get clientKey(): string {
        return this.key;
    }

    /** What a stack's dsenv:dockerSshOpts is set to: this host's key, no known-hosts bookkeeping. */
    get sshOpts(): string[] {
        return ["-i", this.key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"];
    }

    async start(): Promise<this> {
        await startOrUndo(
            () => this.startAll(),
            () => this.stop(),
        );
        return this;
    }

    private async startAll(): Promise<void> {
        const d = (f: string) => path.join(this.dir, f);
        this.netns = new NetNamespace(this.tag).linkToMachine(this.tag, this.machineAddress, this.address);
        this.daemons.push(
            this.netns.spawnDockerd(
                [`--host=${this.socket}`, `--data-root=${d("data")}`, `--exec-root=${d("exec")}`, `--pidfile=${d("docker.pid")}`],
                d("dockerd.log"),
            ),
        );
        for (const [i, address] of (this.options.reaches ?? []).entries()) this.forwardIntoVm(address, d(`reach${i}.sock`));
        await waitFor("the second dockerd", () => run("docker", ["-H", this.socket, "info", "--format", "{{.ID}}"]) !== undefined, 60_000);

        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", this.key]);
        if (this.options.hostKey) fs.writeFileSync(d("host_key"), this.options.hostKey, { mode: 0o600 });
        else execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", d("host_key")]);
        fs.copyFileSync(`${this.key}.pub`, d("authorized_keys"));
        fs.writeFileSync(
            d("sshd_config"),
            [
                `Port ${this.sshPort}`,
                "LogLevel VERBOSE",
                `ListenAddress ${this.address}`,
                `HostKey ${d("host_key")}`,
                `AuthorizedKeysFile ${d("authorized_keys")}`,
                `PidFile ${d("sshd.pid")}`,
                "PermitRootLogin prohibit-password",
                "PasswordAuthentication no",
                "StrictModes no",
                "UsePAM no",
                `SetEnv DOCKER_HOST=${this.socket}`,
            ].join("\n") + "\n",
        );
        await this.startSsh();
    }

    /**
     * `address` (127.0.0.1:port) inside the VM leads to the same address here:
     * a socat inside it hands each connection through a unix socket (which no
     * network namespace hides) to a socat here.
     */
    private forwardIntoVm(address: string, socket: string): void {
        const [host, port] = address.split(":");
        if (host !== "127.0.0.1") throw new Error(`RemoteDockerHost reaches 127.0.0.1:port services only, not ${address}`);
        const log = path.join(this.dir, "forward.log");
        const fd = fs.openSync(log, "a");
        this.daemons.push(spawn("socat", [`UNIX-LISTEN:${socket},fork`, `TCP:${address}`], { stdio: ["ignore", fd, fd] }));
        this.daemons.push(this.netns!.spawn(["socat", `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `UNIX-CONNECT:${socket}`], log));
    }

    /** Starts its sshd (again): the engine is reachable. */
    async startSsh(): Promise<void> {
        const d = (f: string) => path.join(this.dir, f);
        fs.mkdirSync("/run/sshd", { recursive: true });
        this.netns!.exec("/usr/sbin/sshd", "-f", d("sshd_config"), "-E", d("sshd.log"));
        await waitFor(
            "ssh to the second engine",
            () =>
                run("ssh", [...this.sshOpts, "-p", this.sshPort, `root@${this.address}`, "docker", "info", "--format", "{{.ID}}"]) !==
                undefined,
            30_000,
        );
    }

    /** Stops its sshd: the engine is out of reach, as on a VM that is deallocated or gone. */
    stopSsh(): void {
        try {
            process.kill(Number(fs.readFileSync(path.join(this.dir, "sshd.pid"), "utf8").trim()), "SIGTERM");
        } catch {
            // not running
        }
    }

    /**
     * A port on its loopback (a published 127.0.0.1 port), reached from here
     * through an ssh tunnel, as a user reaches a VM's notebook. Returns the
     * local port; the tunnel ends with stop().
     */
    async tunnel(remotePort: number): Promise<number> {
        const local = await freePort();
        const ssh = spawn(
            "ssh",
            [...this.sshOpts, "-N", "-p", this.sshPort, "-L", `127.0.0.1:${local}:127.0.0.1:${remotePort}`, `root@${this.address}`],
            { stdio: "ignore" },
        );
        this.daemons.push(ssh);
        await waitFor(`the ssh tunnel to port ${remotePort}`, async () => (await canConnect("127.0.0.1", local)) || undefined, 30_000, 250);
        return local;
    }

    /** The docker CLI against this engine, directly on its socket. */
    docker(...args: string[]): string {
        return execFileSync("docker", ["-H", this.socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    }

    async stop(): Promise<void> {
        this.stopSsh();
        // Its containers first, so that no mount is left behind under the data root.
        const ids = run("docker", ["-H", this.socket, "ps", "-aq"])?.split("\n").filter(Boolean) ?? [];
        if (ids.length) run("docker", ["-H", this.socket, "rm", "-f", ...ids]);
        await Promise.all(this.daemons.map(stopDaemon));
        this.netns?.delete();
        run("umount", ["-R", path.join(this.dir, "exec")]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** A command against this host, given up after 20 s (its probes poll again). */
function run(cmd: string, args: string[]): string | undefined {
    return runCommand(cmd, args, 20_000);
}
