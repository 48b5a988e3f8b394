import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Checkout } from "./checkout";
import { docker, freePort, httpRequest, inspect } from "./harness";

// The main job as a user runs it: the README's scripts (up.sh, status.sh,
// up.sh --preview, down.sh, and `source scripts/env.sh` in a new shell) on a
// copy of the checkout with its git repository, against the real engine, CLI
// and plugins. The stack is the `local` stack in a state directory of its own;
// the per-user stack file (git-ignored) picks the stand-in images and a name
// prefix that clashes with nothing, as a user's `pulumi config set` would.

const STANDINS = { mysqlImage: "dsenv/mysql-standin:test", jupyterBaseImage: "dsenv/jupyter-standin:test" };
/** What a new login shell has on PATH: none of the toolchain's directories. */
const NEW_SHELL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Destroys and removes the local stack the main job made in this checkout's state, if it made one. */
function destroyLocalStack(co: Checkout): void {
    if (fs.existsSync(path.join(co.dsenvHome, "state")))
        co.run("bash", ["-c", "source scripts/env.sh && pulumi destroy --yes --stack local && pulumi stack rm --yes --stack local"]);
}

describe("the main job, as a user runs it", () => {
    const co = new Checkout("main-job");
    let port: number;
    let cleanBefore: string;

    beforeAll(async () => {
        port = await freePort();
        // What `pulumi config set` would write into the user's own stack file.
        fs.writeFileSync(
            path.join(co.dir, "stacks", "Pulumi.local.yaml"),
            [
                "config:",
                `  dsenv:namePrefix: ${co.prefix}`,
                `  dsenv:jupyterHostPort: ${port}`,
                ...Object.entries(STANDINS).map(([k, v]) => `  dsenv:${k}: ${v}`),
                "",
            ].join("\n"),
        );
        cleanBefore = co.gitStatus();
    });
    afterAll(() => co.dispose(() => destroyLocalStack(co)));

    test("scripts/up.sh brings the workspace up, prints its status, and leaves the checkout as it was", () => {
        const up = co.run("scripts/up.sh", []);
        expect(up.status).toBe(0);
        expect(up.out).toContain(`ok ${co.prefix}-mysql: running, healthy`);
        expect(up.out).toContain(`ok ${co.prefix}-jupyter: running, healthy`);
        expect(up.out).toContain(`jupyterUrl: http://127.0.0.1:${port}/`);
        expect(inspect(`${co.prefix}-jupyter`, "{{.State.Health.Status}}")).toBe("healthy");
        // Nothing tracked changed, nothing untracked appeared (the stack file with the salt is ignored).
        expect(co.gitStatus()).toBe(cleanBefore);
        expect(fs.readFileSync(path.join(co.dir, "stacks", "Pulumi.local.yaml"), "utf8")).toContain("encryptionsalt");
    });

    test("the README's commands work in a new shell after `source scripts/env.sh`", async () => {
        const newShell = { ...co.env(), PATH: NEW_SHELL_PATH };
        const r = co.run(
            "bash",
            [
                "-c",
                "source scripts/env.sh && node --version && pulumi stack output jupyterUrl && pulumi stack output jupyterLoginUrl --show-secrets",
            ],
            {},
            newShell,
        );
        expect(r.status).toBe(0);
        const [nodeVersion, url, loginUrl] = r.out.trim().split("\n");
        expect(Number(nodeVersion.replace(/^v(\d+).*/, "$1"))).toBeGreaterThanOrEqual(22);
        expect(url).toBe(`http://127.0.0.1:${port}/`);
        expect(loginUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9]{32,}$`));
        const login = await httpRequest(loginUrl);
        expect([200, 302]).toContain(login.status);
    });

    test("scripts/up.sh --preview after an up changes nothing", () => {
        const preview = co.run("scripts/up.sh", ["--preview", "--expect-no-changes"]);
        expect(preview.status).toBe(0);
        expect(preview.out).toMatch(/\d+ unchanged/);
    });

    test("scripts/status.sh tells a stopped container from a healthy one, and where the data lives", () => {
        const healthy = co.run("scripts/status.sh", []);
        expect(healthy.status).toBe(0);
        expect(healthy.out).toMatch(new RegExp(`data: volume ${co.prefix}-mysql-data at /var/lib/mysql \\(on the engine's host: /.+\\)`));
        docker("stop", `${co.prefix}-jupyter`);
        try {
            const stopped = co.run("scripts/status.sh", []);
            expect(stopped.status).toBe(3);
            expect(stopped.out).toContain(`!! ${co.prefix}-jupyter: exited`);
            expect(stopped.out).toContain(`ok ${co.prefix}-mysql: running, healthy`);
        } finally {
            docker("start", `${co.prefix}-jupyter`);
        }
    });

    test("scripts/down.sh destroys, says what it kept, and the kept data is there", () => {
        const down = co.run("scripts/down.sh", []);
        expect(down.status).toBe(0);
        expect(down.out).toContain("Kept: data volumes");
        expect(down.out).toContain(`docker volume rm ${co.prefix}-jupyter-work ${co.prefix}-mysql-data`);
        expect(inspect(`${co.prefix}-mysql`, "{{.Id}}")).toBeUndefined();
        expect(inspect(`${co.prefix}-mysql-data`, "{{.Name}}", "volume")).toBe(`${co.prefix}-mysql-data`);
        expect(co.run("scripts/status.sh", []).out).toContain("Containers: none");
        expect(co.gitStatus()).toBe(cleanBefore);
    });
});

describe("the main job's preflight: stops within a minute, before any change, with the way out", () => {
    const co = new Checkout("main-job");
    afterAll(() => co.dispose(() => destroyLocalStack(co)));

    /** Runs up.sh; it must fail fast and change nothing. */
    function upFails(extra: Record<string, string>): string {
        const up = co.run("scripts/up.sh", [], extra);
        expect(up.status).toBe(1);
        expect(up.seconds).toBeLessThan(60);
        expect(up.out).toContain("preflight: stack local cannot come up; nothing was changed.");
        expect(fs.existsSync(path.join(co.dsenvHome, "state"))).toBe(false);
        expect(fs.existsSync(path.join(co.dir, "stacks", "Pulumi.local.yaml"))).toBe(false);
        return up.out;
    }

    /** A PULUMI_HOME and HOME of their own, where a plugin download cannot work and there is no Go to build one. */
    function noWayToPlugins(): Record<string, string> {
        const home = fs.mkdtempSync(path.join(co.root, "home-"));
        return {
            HOME: home,
            PULUMI_HOME: path.join(home, ".pulumi"),
            // Where this machine has a network the download would work: point it nowhere.
            PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: ".*=http://127.0.0.1:9/",
            DSENV_GO: "/nonexistent/go",
            DSENV_CACHE: path.join(home, "cache"),
        };
    }

    test("no engine at DOCKER_HOST: says which address and what to do", () => {
        const out = upFails({ DOCKER_HOST: `unix://${co.root}/no-docker.sock` });
        expect(out).toContain(`the Docker engine at DOCKER_HOST=unix://${co.root}/no-docker.sock does not answer`);
        expect(out).toContain("unset DOCKER_HOST");
    });

    test("an engine this user may not use: says to join the docker group, and starts no other engine", async () => {
        // A socket as dockerd leaves it (owned by another user and group, 0660), and up.sh run as root
        // without root's override of file permissions: the real docker client is refused with EACCES.
        const sock = path.join(co.root, "engine.sock");
        const server = net.createServer().listen(sock);
        await new Promise(resolve => server.once("listening", resolve));
        try {
            fs.chownSync(sock, 65534, 65534);
            fs.chmodSync(sock, 0o660);
            const up = co.run("setpriv", ["--bounding-set=-dac_override,-dac_read_search", "scripts/up.sh"], {
                DOCKER_HOST: `unix://${sock}`,
            });
            expect(up.status).toBe(1);
            expect(up.out).toContain(`the Docker engine at DOCKER_HOST=unix://${sock} runs, but you may not use it: permission denied`);
            expect(up.out).toContain("sudo usermod -aG docker");
            expect(up.out).not.toContain("does not answer");
        } finally {
            server.close();
        }
    });

    test("a missing plugin that cannot be downloaded or built: names it and how to install it from a file", () => {
        const out = upFails(noWayToPlugins());
        for (const [pkg, version] of [
            ["docker", "5.2.0"],
            ["random", "4.21.2"],
        ]) {
            expect(out).toMatch(
                new RegExp(
                    `the ${pkg} plugin v${version.replace(/\./g, "\\.")} is not installed in .*, cannot be downloaded from here and cannot be built here \\(no Go toolchain`,
                ),
            );
            expect(out).toContain(`pulumi plugin install resource ${pkg} ${version} --file PATH/pulumi-resource-${pkg}`);
        }
        // A local stack does not need the kubernetes plugin (a build of minutes): not even asked about.
        expect(out).not.toContain("kubernetes plugin");
    });

    test("a stack on a Kubernetes cluster needs the kubernetes plugin: named with how to install it", () => {
        const stackFile = path.join(co.dir, "stacks", "Pulumi.kube.yaml");
        fs.writeFileSync(stackFile, "config:\n  dsenv:target: kubernetes\n");
        try {
            const up = co.run("scripts/up.sh", [], { ...noWayToPlugins(), DSENV_STACK: "kube" });
            expect(up.status).toBe(1);
            expect(up.seconds).toBeLessThan(60);
            expect(up.out).toContain("preflight: stack kube cannot come up; nothing was changed.");
            expect(up.out).toMatch(
                /the kubernetes plugin v4\.25\.0 is not installed in .*, cannot be downloaded from here and cannot be built here \(no Go toolchain/,
            );
            expect(up.out).toContain("pulumi plugin install resource kubernetes 4.25.0 --file PATH/pulumi-resource-kubernetes");
        } finally {
            fs.rmSync(stackFile);
        }
    });

    test("a test-build plugin is refused, never run", () => {
        const env = noWayToPlugins();
        const plugin = path.join(env.PULUMI_HOME, "plugins", "resource-docker-v5.2.0");
        fs.mkdirSync(plugin, { recursive: true });
        const ran = path.join(co.root, "test-build-ran");
        fs.writeFileSync(path.join(plugin, "pulumi-resource-docker"), `#!/bin/sh\ntouch ${ran}\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(plugin, ".dsenv-standin"), "");
        const out = upFails(env);
        expect(out).toContain(`the docker plugin v5.2.0 in ${plugin} is a test build`);
        expect(out).toContain("pulumi plugin rm resource docker 5.2.0 --yes");
        expect(fs.existsSync(ran)).toBe(false);
    });
});

describe("up.sh on a stack other than local: asks first, as pulumi up does", () => {
    const co = new Checkout("main-job");
    afterAll(() => co.dispose(() => destroyLocalStack(co)));

    test("without a terminal to ask on and without --yes, nothing is changed", () => {
        fs.writeFileSync(
            path.join(co.dir, "stacks", "Pulumi.lab.yaml"),
            ["config:", `  dsenv:namePrefix: ${co.prefix}`, ...Object.entries(STANDINS).map(([k, v]) => `  dsenv:${k}: ${v}`), ""].join(
                "\n",
            ),
        );
        const up = co.run("env", ["DSENV_STACK=lab", "scripts/up.sh"]);
        expect(up.status).not.toBe(0);
        expect(up.out).toContain("--yes");
        expect(up.out).toMatch(/non-interactive/);
        expect(docker("ps", "-a", "-q", "--filter", `name=${co.prefix}`)).toBe("");
    });
});
