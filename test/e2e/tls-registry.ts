import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { waitFor } from "./harness";
import { run, stopDaemon } from "./netns";

/**
 * A registry that a simulated lab or cluster pulls from, on an address of this
 * machine where this machine's engine pushes to it too: Debian's
 * docker-registry (scripts/toolchain/ensure-registry.sh installs it) speaking
 * HTTPS with a certificate from the tests' CA, which this machine's engines
 * trust through /etc/docker/certs.d/<host:port> while it runs, and wanting a
 * login (htpasswd), as a real one does. Its files live in `dir`.
 */
export class TlsRegistry {
    /** host:port, as image names and logins name it. */
    readonly host: string;
    readonly login = { username: "lab", password: crypto.randomBytes(12).toString("hex") };
    private process?: ChildProcess;

    constructor(
        private readonly dir: string,
        readonly address: string,
        port: number,
    ) {
        this.host = `${address}:${port}`;
    }

    /** The CA that signed its certificate (the tests' CA), for a client that must trust it. */
    get caFile(): string {
        return path.join(testCaDir(), "ca.crt");
    }

    /** Starts it and waits until it answers (asking for the login). */
    async start(): Promise<this> {
        const f = (name: string) => path.join(this.dir, name);
        const ca = testCaDir();
        execFileSync(
            "openssl",
            [
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                `/CN=${this.address}`,
                "-keyout",
                f("registry.key"),
                "-out",
                f("registry.csr"),
            ],
            {
                stdio: "pipe",
            },
        );
        fs.writeFileSync(f("registry.ext"), `subjectAltName=IP:${this.address}\nextendedKeyUsage=serverAuth\n`);
        execFileSync(
            "openssl",
            [
                "x509",
                "-req",
                "-in",
                f("registry.csr"),
                "-CA",
                path.join(ca, "ca.crt"),
                "-CAkey",
                path.join(ca, "ca.key"),
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                f("registry.ext"),
                "-out",
                f("registry.crt"),
            ],
            { stdio: "pipe" },
        );
        fs.mkdirSync(this.certsDir, { recursive: true });
        fs.copyFileSync(path.join(ca, "ca.crt"), path.join(this.certsDir, "ca.crt"));
        fs.writeFileSync(
            f("registry.yml"),
            [
                "version: 0.1",
                "storage:",
                "  filesystem:",
                `    rootdirectory: ${f("registry")}`,
                "http:",
                `  addr: ${this.host}`,
                "  tls:",
                `    certificate: ${f("registry.crt")}`,
                `    key: ${f("registry.key")}`,
                "auth:",
                "  htpasswd:",
                "    realm: lab",
                `    path: ${f("registry.htpasswd")}`,
                "",
            ].join("\n"),
        );
        fs.writeFileSync(f("registry.htpasswd"), execFileSync("htpasswd", ["-Bbn", this.login.username, this.login.password]));
        const log = fs.openSync(f("registry.log"), "w");
        this.process = spawn("/usr/bin/docker-registry", ["serve", f("registry.yml")], { stdio: ["ignore", log, log] });
        await waitFor(
            `the registry at ${this.host}`,
            () =>
                run("curl", [
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{http_code}",
                    "--max-time",
                    "2",
                    "--cacert",
                    this.caFile,
                    `https://${this.host}/v2/`,
                ]) === "401",
            30_000,
        );
        return this;
    }

    /**
     * Pushes images of this machine's engine here (tagged `<host>/<name>`),
     * logged in through a Docker config of its own (never the user's ~/.docker).
     * Returns the pushed names.
     */
    push(...images: string[]): string[] {
        const config = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-docker-config-"));
        try {
            execFileSync("docker", ["--config", config, "login", "-u", this.login.username, "--password-stdin", this.host], {
                input: this.login.password,
                stdio: ["pipe", "pipe", "pipe"],
            });
            return images.map(image => {
                const target = `${this.host}/${image}`;
                execFileSync("docker", ["tag", image, target], { stdio: "pipe" });
                try {
                    execFileSync("docker", ["--config", config, "push", target], { stdio: ["ignore", "pipe", "pipe"] });
                } finally {
                    execFileSync("docker", ["rmi", target], { stdio: "pipe" }); // the tag only: the image stays
                }
                return target;
            });
        } finally {
            fs.rmSync(config, { recursive: true, force: true });
        }
    }

    async stop(): Promise<void> {
        await stopDaemon(this.process);
        fs.rmSync(this.certsDir, { recursive: true, force: true });
    }

    /** Where every Docker engine on this machine looks for the CA of a registry at this address. */
    private get certsDir(): string {
        return `/etc/docker/certs.d/${this.host}`;
    }
}

/** The tests' CA (scripts/toolchain/ensure-registry.sh makes it). */
function testCaDir(): string {
    return path.join(process.env.DSENV_CACHE ?? path.join(os.homedir(), ".cache", "ds-envs"), "registry");
}
