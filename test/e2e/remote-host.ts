import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort, waitFor } from "./harness";

/**
 * A second machine's Docker engine, simulated on this one: its own dockerd
 * (data root, socket, bridge networks in 10.213.0.0/16) that is reached only
 * through its own sshd on 127.0.0.1, the way an Azure VM's engine is reached
 * over ssh://. The ssh session's DOCKER_HOST points `docker system dial-stdio`
 * at that engine, not at this machine's.
 */
export class RemoteDockerHost {
    /** Short: unix socket paths are limited to 107 bytes. */
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsr-"));
    readonly socket = `unix://${path.join(this.dir, "docker.sock")}`;
    private readonly key = path.join(this.dir, "client_key");
    private readonly subnet = "10.213.0.0/16";
    /** Its own default bridge: with --bridge=none, dockerd deletes this machine's docker0. */
    private readonly bridge = `dsr${process.pid % 100000}`;
    private dockerd?: ChildProcess;
    private port = 0;

    /** `hostKey`: the private host key sshd presents (OpenSSH format), as a VM whose key the stack made; else one made here. */
    constructor(private readonly options: { hostKey?: string } = {}) {}

    /** The port its sshd listens on (127.0.0.1). */
    get sshPort(): string {
        return String(this.port);
    }

    /** sshd's log (LogLevel VERBOSE: one "Accepted publickey" line per login). */
    get sshdLog(): string {
        return path.join(this.dir, "sshd.log");
    }

    /** What a stack's dsenv:dockerHost is set to. */
    get dockerHost(): string {
        return `ssh://root@127.0.0.1:${this.port}`;
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
        const d = (f: string) => path.join(this.dir, f);
        for (const args of [["link", "add", this.bridge, "type", "bridge"], ["addr", "add", "10.214.0.1/24", "dev", this.bridge], ["link", "set", this.bridge, "up"]]) {
            execFileSync("ip", args, { stdio: "pipe" });
        }
        this.dockerd = spawn(
            "dockerd",
            [
                `--host=${this.socket}`,
                `--data-root=${d("data")}`,
                `--exec-root=${d("exec")}`,
                `--pidfile=${d("docker.pid")}`,
                // This machine's dockerd owns iptables and docker0; the second one keeps off both.
                `--bridge=${this.bridge}`,
                "--iptables=false",
                `--default-address-pool=base=${this.subnet},size=24`,
            ],
            { stdio: ["ignore", fs.openSync(d("dockerd.log"), "w"), fs.openSync(d("dockerd.log"), "a")] },
        );
        await waitFor("the second dockerd", () => run("docker", ["-H", this.socket, "info", "--format", "{{.ID}}"]) !== undefined, 60_000);
        // With br_netfilter, bridged traffic crosses this machine's FORWARD chain, whose
        // policy this machine's dockerd set to DROP: let the second engine's networks talk.
        run("iptables", ["-I", "DOCKER-USER", "-s", this.subnet, "-d", this.subnet, "-j", "ACCEPT"]);

        execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", this.key]);
        if (this.options.hostKey) fs.writeFileSync(d("host_key"), this.options.hostKey, { mode: 0o600 });
        else execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", d("host_key")]);
        fs.copyFileSync(`${this.key}.pub`, d("authorized_keys"));
        this.port = await freePort();
        fs.writeFileSync(
            d("sshd_config"),
            [
                `Port ${this.port}`,
                "LogLevel VERBOSE",
                "ListenAddress 127.0.0.1",
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
        return this;
    }

    /** Starts its sshd (again): the engine is reachable. */
    async startSsh(): Promise<void> {
        const d = (f: string) => path.join(this.dir, f);
        fs.mkdirSync("/run/sshd", { recursive: true });
        execFileSync("/usr/sbin/sshd", ["-f", d("sshd_config"), "-E", d("sshd.log")]);
        await waitFor("ssh to the second engine", () => run("ssh", [...this.sshOpts, "-p", String(this.port), "root@127.0.0.1", "docker", "info", "--format", "{{.ID}}"]) !== undefined, 30_000);
    }

    /** Stops its sshd: the engine is out of reach, as on a VM that is deallocated or gone. */
    stopSsh(): void {
        try {
            process.kill(Number(fs.readFileSync(path.join(this.dir, "sshd.pid"), "utf8").trim()), "SIGTERM");
        } catch {
            // not running
        }
    }

    /** The docker CLI against this engine, directly on its socket. */
    docker(...args: string[]): string {
        return execFileSync("docker", ["-H", this.socket, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    }

    async stop(): Promise<void> {
        this.stopSsh();
        run("iptables", ["-D", "DOCKER-USER", "-s", this.subnet, "-d", this.subnet, "-j", "ACCEPT"]);
        if (this.dockerd && this.dockerd.exitCode === null) {
            // Its containers first, so that no mount is left behind under the data root.
            const ids = run("docker", ["-H", this.socket, "ps", "-aq"])?.split("\n").filter(Boolean) ?? [];
            if (ids.length) run("docker", ["-H", this.socket, "rm", "-f", ...ids]);
            const exited = new Promise(r => this.dockerd!.once("exit", r));
            this.dockerd.kill("SIGTERM");
            await exited;
        }
        run("ip", ["link", "del", this.bridge]);
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

function run(cmd: string, args: string[]): string | undefined {
    try {
        return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 }).trim();
    } catch {
        return undefined;
    }
}
