import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ConfigMap, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { NetNamespace } from "./netns";

const REPO = path.join(__dirname, "..", "..");

/** The checkout, as a user has it; node_modules is linked, not copied. */
const NOT_COPIED = new Set([".git", "node_modules"]);

/** A stack config value: a string, a list, or a secret. */
export type ConfigValue = string | string[] | { secret: string };

/**
 * One throwaway stack of the real program: a copy of the project in a temp dir
 * (so tests may edit a build context), a file backend in that dir, a passphrase
 * secrets provider, and unique names so that nothing clashes with a user's stacks.
 */
export class TestStack {
    readonly id = crypto.randomBytes(3).toString("hex");
    readonly name = `e2e-${this.id}`;
    /** namePrefix of every container, network and volume. */
    readonly prefix = `dsenv-e2e-${this.id}`;
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-e2e-"));
    stack!: Stack;

    async init(config: Record<string, ConfigValue>): Promise<this> {
        for (const f of fs.readdirSync(REPO).filter(f => !NOT_COPIED.has(f)))
            fs.cpSync(path.join(REPO, f), path.join(this.dir, f), { recursive: true });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.dir, "node_modules"));
        fs.mkdirSync(path.join(this.dir, ".state"));
        fs.mkdirSync(path.join(this.dir, ".docker"));
        this.stack = await LocalWorkspace.createOrSelectStack(
            { stackName: this.name, workDir: this.dir },
            {
                secretsProvider: "passphrase",
                envVars: {
                    // No Docker config file: the provider must not need one (nor read the user's).
                    DOCKER_CONFIG: path.join(this.dir, ".docker"),
                    // What the program keeps for the user (staged build contexts, ssh sockets) stays in the test's directory.
                    DSENV_HOME: path.join(this.dir, ".dsenv-home"),
                    // The test registry's CA (scripts/toolchain/ensure-registry.sh), trusted by the providers alone.
                    ...(process.env.DSENV_REGISTRY_CA_BUNDLE ? { SSL_CERT_FILE: process.env.DSENV_REGISTRY_CA_BUNDLE } : {}),
                    PULUMI_BACKEND_URL: `file://${path.join(this.dir, ".state")}`,
                    PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex"),
                    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                    PULUMI_SKIP_UPDATE_CHECK: "true",
                },
            },
        );
        await this.set({ namePrefix: this.prefix, ...config });
        return this;
    }

    /** Sets stack config as `pulumi config set [--secret] --path` would: lists become typed arrays. */
    async set(config: Record<string, ConfigValue>): Promise<void> {
        const map: ConfigMap = {};
        for (const [k, v] of Object.entries(config)) {
            if (Array.isArray(v)) v.forEach((item, i) => (map[`dsenv:${k}[${i}]`] = { value: item }));
            else if (typeof v === "object") map[`dsenv:${k}`] = { value: v.secret, secret: true };
            else map[`dsenv:${k}`] = { value: v };
        }
        await this.stack.setAllConfig(map, true);
    }

    async up(): Promise<void> {
        await this.stack.up({ onOutput: log });
    }

    /** The pulumi CLI on this stack, as a user runs it in the project directory. */
    cli(...args: string[]): string {
        const env = { ...process.env, ...(this.stack.workspace as LocalWorkspace).envVars };
        return execFileSync("pulumi", [...args, "--stack", this.name], {
            cwd: this.dir,
            env,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    }

    async outputs(): Promise<Record<string, any>> {
        const out = await this.stack.outputs();
        return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.value]));
    }

    /** The stack's state files as the file backend keeps them on disk. */
    rawState(): string {
        const root = path.join(this.dir, ".state");
        const files = (fs.readdirSync(root, { recursive: true }) as string[]).filter(f => f.endsWith(".json") && f.includes(this.name));
        if (files.length === 0) throw new Error(`no state file for ${this.name} under ${root}`);
        return files.map(f => fs.readFileSync(path.join(root, f), "utf8")).join("\n");
    }

    /** Destroys the stack, removes what destroy keeps (volumes, on the engine `cli` talks to), the stack and the temp dir. */
    async dispose(cli: (...args: string[]) => string = docker): Promise<void> {
        try {
            await this.stack?.destroy({ onOutput: log });
            await this.stack?.workspace.removeStack(this.name);
        } finally {
            for (const v of cli("volume", "ls", "-q", "--filter", `name=${this.prefix}`).split("\n").filter(Boolean))
                cli("volume", "rm", "-f", v);
            fs.rmSync(this.dir, { recursive: true, force: true });
        }
    }
}

function log(line: string): void {
    if (process.env.DSENV_E2E_VERBOSE) process.stderr.write(line);
}

/**
 * The test registries (scripts/toolchain/ensure-registry.sh): `tls` speaks HTTPS
 * with the tests' CA and wants a login, as a real registry (ACR) does; `plain`
 * speaks plain HTTP and wants none.
 */
export const registries = {
    get tls() {
        const user = need("DSENV_REGISTRY_USER");
        const password = fs.readFileSync(need("DSENV_REGISTRY_PASSWORD_FILE"), "utf8").trim();
        const server = need("DSENV_REGISTRY");
        return {
            server,
            user,
            password,
            /** Whether the registry holds a manifest of repository@digest, asked as a client that trusts only the tests' CA. */
            async hasManifest(repositoryAtDigest: string): Promise<boolean> {
                const [repository, digest] = repositoryAtDigest.split("@");
                const res = await httpRequest(`https://${server}/v2/${repository.slice(server.length + 1)}/manifests/${digest}`, {
                    method: "HEAD",
                    ca: fs.readFileSync(need("DSENV_REGISTRY_CA_BUNDLE"), "utf8"),
                    headers: {
                        Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
                        Accept: "application/vnd.docker.distribution.manifest.v2+json",
                    },
                });
                return res.status === 200;
            },
        };
    },
    get plain() {
        return { server: need("DSENV_PLAIN_REGISTRY") };
    },
};

function need(variable: string): string {
    const v = process.env[variable];
    if (!v) throw new Error(`${variable} is not set: run the e2e tests through scripts/test.sh, which starts the test registries`);
    return v;
}

/**
 * Pushes a local image to the TLS test registry with the docker CLI, logged in
 * through a Docker config of its own (never the user's ~/.docker).
 */
export function pushToTlsRegistry(image: string, target: string): void {
    const config = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-docker-config-"));
    try {
        const { server, user, password } = registries.tls;
        execFileSync("docker", ["--config", config, "login", "-u", user, "--password-stdin", server], {
            input: password,
            stdio: ["pipe", "pipe", "pipe"],
        });
        docker("tag", image, target);
        execFileSync("docker", ["--config", config, "push", target], { stdio: ["ignore", "pipe", "pipe"] });
    } finally {
        fs.rmSync(config, { recursive: true, force: true });
    }
}

/** Runs the docker CLI and returns its trimmed stdout. */
export function docker(...args: string[]): string {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** docker inspect with a Go template; undefined when the object does not exist. */
export function inspect(name: string, format: string, kind = "container"): string | undefined {
    try {
        return docker(kind, "inspect", "-f", format, name);
    } catch {
        return undefined;
    }
}

/** Polls `probe` (which may be async) until it gives a value other than undefined or false. */
export async function waitFor<T>(
    what: string,
    probe: () => T | undefined | false | Promise<T | undefined | false>,
    timeoutMs = 120_000,
    everyMs = 1000,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
        try {
            const v = await probe();
            if (v !== undefined && v !== false) return v as T;
        } catch (e) {
            last = e;
        }
        await new Promise(r => setTimeout(r, everyMs));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ""}`);
}

/** An HTTP(S) request from this machine; resolves with the status and body. `ca`: PEM to trust for https. */
export function httpRequest(
    url: string,
    opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<{ status: number; body: string; location?: string }> {
    return new Promise((resolve, reject) => {
        const client = url.startsWith("https:") ? https : http;
        const req = client.request(url, { method: opts.method ?? "GET", headers: opts.headers, ca: opts.ca }, res => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", chunk => (body += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
        });
        req.on("error", reject);
        req.end(opts.body);
    });
}

/**
 * A TCP port nothing listens on right now, below Linux's ephemeral range
 * (32768-60999): a port the kernel handed out would be handed out again to
 * some outgoing connection before the test binds it (seen: "address already
 * in use" while other work ran on the machine).
 */
export async function freePort(): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
        const port = 20000 + Math.floor(Math.random() * 12000);
        const free = await new Promise<boolean>(resolve => {
            const srv = net.createServer();
            srv.once("error", () => resolve(false));
            srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
        });
        if (free) return port;
    }
    throw new Error("no free TCP port found in 20000-31999");
}

/** Whether a TCP connection to host:port from this process is accepted. */
export function canConnect(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
    return new Promise(resolve => {
        const socket = net.connect({ host, port, timeout: timeoutMs });
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("timeout", () => {
            socket.destroy();
            resolve(false);
        });
        socket.once("error", () => resolve(false));
    });
}

/**
 * A second host on this machine: a network namespace joined to this one by a
 * veth pair. From there this machine is reached on a non-loopback address, the
 * way another machine on the network would reach it.
 */
export class OutsideHost {
    /** This machine's address as the outside host sees it. */
    readonly machineAddress = "10.231.77.1";
    private netns?: NetNamespace;

    open(): this {
        this.netns = new NetNamespace(`dsenv-e2e-${process.pid}`).linkToMachine(
            `dse${process.pid % 100000}h`,
            this.machineAddress,
            "10.231.77.2",
        );
        return this;
    }

    /** Whether a TCP connection from the outside host to this machine's port is accepted. */
    canConnect(port: number): boolean {
        try {
            this.netns!.exec("timeout", "3", "bash", "-c", `exec 3<>/dev/tcp/${this.machineAddress}/${port}`);
            return true;
        } catch {
            return false;
        }
    }

    close(): void {
        this.netns?.delete();
    }
}
