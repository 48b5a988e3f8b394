import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../../components/engine";
import { ContainerImage } from "../../components/image";
import { BridgeNetwork } from "../../components/network";
import { Service } from "../../components/service";
import { anonymousMount, bindMount, DataVolume, volumeMount } from "../../components/volume";
import { byType, isSecret, leaves, nameOf, one, runWithMocks, valueOf } from "./harness";

const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";

const contexts: string[] = [];
afterAll(() => contexts.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

/** A throwaway build context with a Dockerfile, removed after the suite. */
function makeContext(files: Record<string, string> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-ctx-"));
    contexts.push(dir);
    fs.writeFileSync(path.join(dir, "Dockerfile"), "FROM scratch\nCOPY hello.txt /\n");
    fs.writeFileSync(path.join(dir, "hello.txt"), "hello\n");
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

async function builtImage(context: string, extra: Partial<{ args: Record<string, string>; dockerfile: string; target: string }> = {}) {
    const r = await runWithMocks({}, () => {
        const engine = new DockerEngine("local");
        return new ContainerImage("app", { engine, source: { repository: "dsenv/app", build: { context, ...extra } } });
    });
    if (r.error) throw r.error;
    return { r, image: one(r, IMAGE, "app"), ref: await valueOf(r.result.ref) };
}

describe("DockerEngine", () => {
    test("the local engine uses the provider's default socket", async () => {
        const r = await runWithMocks({}, () => new DockerEngine("local"));
        const provider = one(r, "pulumi:providers:docker", "local");
        expect(provider.props.host).toBeUndefined();
        expect(r.result.isLocal).toBe(true);
    });

    test("a remote engine is reached over ssh:// and is only used once its host is ready", async () => {
        const r = await runWithMocks({}, () => {
            const ready = new pulumi.ComponentResource("test:index:Ready", "vm-ready");
            return new DockerEngine("vm", {
                host: "ssh://azureuser@20.1.2.3",
                sshOpts: ["-o", "StrictHostKeyChecking=accept-new"],
                readyAfter: [ready],
            });
        });
        const provider = one(r, "pulumi:providers:docker", "vm");
        expect(provider.props.host).toBe("ssh://azureuser@20.1.2.3");
        expect(await valueOf(provider.props.sshOpts)).toEqual(JSON.stringify(["-o", "StrictHostKeyChecking=accept-new"]));
        expect((provider.opts.dependsOn as pulumi.Resource[]).map(nameOf)).toEqual(["vm-ready"]);
        expect(r.result.isLocal).toBe(false);
    });
});

describe("volumes and mounts", () => {
    test("a kept volume is retained on delete, a scratch one is not", async () => {
        const r = await runWithMocks({}, () => {
            const engine = new DockerEngine("local");
            new DataVolume("keep", { engine, volumeName: "v-keep", keepOnDestroy: true });
            new DataVolume("scratch", { engine, volumeName: "v-scratch", keepOnDestroy: false });
        });
        expect(one(r, "docker:index/volume:Volume", "keep").opts.retainOnDelete).toBe(true);
        expect(one(r, "docker:index/volume:Volume", "scratch").opts.retainOnDelete).toBe(false);
        expect(one(r, "docker:index/volume:Volume", "keep").props.labels).toEqual([{ label: "dsenv.keep-on-destroy", value: "true" }]);
    });

    test("bind mounts take absolute paths only (config expands ~)", () => {
        expect(bindMount("/home/me/rproject", "/home/rstudio/rproject")).toEqual({
            kind: "bind",
            hostPath: "/home/me/rproject",
            target: "/home/rstudio/rproject",
            readOnly: false,
        });
        expect(bindMount("/srv/site", "/usr/local/apache2/htdocs", true)).toMatchObject({ readOnly: true });
        expect(() => bindMount("site", "/usr/local/apache2/htdocs")).toThrow(
            'bind mount "site" -> /usr/local/apache2/htdocs: the host path must be absolute',
        );
        expect(() => bindMount("~/rproject", "/home/rstudio/rproject")).toThrow("the host path must be absolute");
    });
});

describe("Service", () => {
    test("a docker run line with safe defaults: 127.0.0.1 ports, unless-stopped, no wait without a healthcheck", async () => {
        const r = await runWithMocks({}, () => {
            const engine = new DockerEngine("local");
            return new Service("web", {
                engine,
                containerName: "apacheweb2",
                image: "httpd:2.4",
                ports: [{ containerPort: 80, hostPort: 9999 }],
            });
        });
        const c = one(r, CONTAINER, "web");
        expect(c.props).toMatchObject({
            name: "apacheweb2",
            image: "httpd:2.4",
            restart: "unless-stopped",
            wait: false,
            removeVolumes: true,
            destroyGraceSeconds: 30,
        });
        expect(c.props.ports).toEqual([{ internal: 80, external: 9999, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(c.props.gpus).toBeUndefined();
        expect(c.opts.deleteBeforeReplace).toBe(true);
        expect(nameOf(c.opts.provider)).toBe("local");
        expect(await valueOf(r.result.hostPorts)).toEqual({ "80": 9999 });
    });

    test("GPUs, shm, user, command, entrypoint, labels and all three kinds of mount", async () => {
        const r = await runWithMocks({}, () => {
            const engine = new DockerEngine("local");
            const net = new BridgeNetwork("net", { engine, networkName: "lab-net" });
            const feedback = new DataVolume("feedback", { engine, volumeName: "feedback", keepOnDestroy: true });
            return new Service("app", {
                engine,
                containerName: "feedback-app",
                image: "node-app:1",
                gpus: "device=0,2",
                shmSizeMb: 2048,
                user: "1000:1000",
                command: ["npm", "start"],
                entrypoint: ["docker-entrypoint.sh"],
                workingDir: "/app",
                labels: { team: "ml" },
                networks: [{ network: net, aliases: ["app"] }],
                mounts: [volumeMount(feedback, "/app/feedback"), bindMount("/srv/app", "/app", true), anonymousMount("/app/node_modules")],
            });
        });
        const c = one(r, CONTAINER, "app");
        expect(c.props).toMatchObject({
            gpus: "device=0,2",
            shmSize: 2048,
            user: "1000:1000",
            command: ["npm", "start"],
            entrypoints: ["docker-entrypoint.sh"],
            workingDir: "/app",
        });
        expect(c.props.labels).toEqual([
            { label: "dsenv.service", value: "app" },
            { label: "team", value: "ml" },
        ]);
        const mounts = await Promise.all(
            ((await valueOf(c.props.mounts)) as any[]).map(async m => ({ ...m, source: await valueOf(m.source) })),
        );
        expect(mounts).toEqual([
            { type: "volume", target: "/app/feedback", readOnly: false, source: "feedback" },
            { type: "bind", target: "/app", readOnly: true, source: "/srv/app" },
            { type: "volume", target: "/app/node_modules", source: undefined },
        ]);
        const nets = (await valueOf(c.props.networksAdvanced)) as any[];
        expect([await valueOf(nets[0].name), nets[0].aliases]).toEqual(["lab-net", ["app"]]);
    });

    test("secret env stays secret, plain env stays plain", async () => {
        const r = await runWithMocks({}, () => {
            const engine = new DockerEngine("local");
            return new Service("app", {
                engine,
                containerName: "app",
                image: "app:1",
                env: { PORT: "8000" },
                secretEnv: { API_KEY: "s3cr3t-value" },
            });
        });
        const c = one(r, CONTAINER, "app");
        expect(c.opts.additionalSecretOutputs).toEqual(["envs"]);
        const envLeaves = await leaves(c.props.envs, "envs");
        expect(envLeaves).toEqual([
            { path: "envs[0]", value: "PORT=8000", secret: false },
            { path: "envs[1]", value: "API_KEY=s3cr3t-value", secret: true },
        ]);
    });

    test("a healthcheck makes the deployment wait for healthy, with its timings", async () => {
        const r = await runWithMocks({}, () => {
            const engine = new DockerEngine("local");
            return new Service("db", {
                engine,
                containerName: "db",
                image: "db:1",
                healthcheck: { test: ["CMD", "true"], retries: 3 },
                healthyTimeoutSeconds: 60,
            });
        });
        const c = one(r, CONTAINER, "db");
        expect(c.props).toMatchObject({
            wait: true,
            waitTimeout: 60,
            healthcheck: { tests: ["CMD", "true"], interval: "10s", timeout: "5s", retries: 3, startPeriod: "0s" },
        });
        expect(c.props.healthcheck).not.toHaveProperty("startInterval");
    });

    test("a healthcheck start interval only on an engine that runs one (Docker >= 25; older ones refuse it)", async () => {
        const r = await runWithMocks({}, () => {
            const engine = new DockerEngine("new", { healthStartInterval: true });
            const old = new DockerEngine("old", { healthStartInterval: false });
            const healthcheck = { test: ["CMD", "true"], startPeriod: "30s" };
            return [
                new Service("default", { engine, containerName: "default", image: "db:1", healthcheck }),
                new Service("own", { engine, containerName: "own", image: "db:1", healthcheck: { ...healthcheck, startInterval: "2s" } }),
                new Service("older", {
                    engine: old,
                    containerName: "older",
                    image: "db:1",
                    healthcheck: { ...healthcheck, startInterval: "2s" },
                }),
            ];
        });
        expect(one(r, CONTAINER, "default").props.healthcheck).toMatchObject({ startPeriod: "30s", startInterval: "1s" });
        expect(one(r, CONTAINER, "own").props.healthcheck).toMatchObject({ startInterval: "2s" });
        expect(one(r, CONTAINER, "older").props.healthcheck).not.toHaveProperty("startInterval");
    });
});

describe("ContainerImage", () => {
    test("pulls a reference and keeps it on the engine after destroy", async () => {
        const r = await runWithMocks(
            {},
            () => new ContainerImage("db", { engine: new DockerEngine("local"), source: { pull: "mysql:8.4.3" } }),
        );
        expect(one(r, IMAGE, "db").props).toEqual({ name: "mysql:8.4.3", keepLocally: true });
        expect(await valueOf(r.result.ref)).toBe("mysql:8.4.3");
    });

    test("builds with args, target, labels from git, and a tag that is a digest of the build inputs", async () => {
        const context = makeContext();
        const { image, ref } = await builtImage(context, { args: { BASE: "debian" }, target: "runtime" });
        const build = image.props.build;
        expect(build).toMatchObject({ context, dockerfile: "Dockerfile", buildArgs: { BASE: "debian" }, target: "runtime" });
        expect(build.label).toEqual({ "git-commit": "unknown", "build-date": "unknown" });
        expect(image.props.keepLocally).toBe(true);
        expect(ref).toMatch(/^dsenv\/app:b-[0-9a-f]{16}$/);
        expect(image.props.triggers.buildInputs.slice(0, 16)).toBe(ref!.slice("dsenv/app:b-".length));
    });

    test("the same inputs give the same tag; a changed file, arg or Dockerfile gives a new one", async () => {
        const context = makeContext({ "src/app.py": "print(1)\n" });
        const first = (await builtImage(context)).ref;
        expect((await builtImage(context)).ref).toBe(first);
        fs.writeFileSync(path.join(context, "src/app.py"), "print(2)\n");
        const second = (await builtImage(context)).ref;
        expect(second).not.toBe(first);
        expect((await builtImage(context, { args: { X: "1" } })).ref).not.toBe(second);
        fs.writeFileSync(path.join(context, "other.Dockerfile"), "FROM scratch\n");
        expect((await builtImage(context, { dockerfile: "other.Dockerfile" })).ref).not.toBe(second);
    });

    test("labels carry the commit that last touched the context", async () => {
        const { image } = await builtImage(path.join(__dirname, "..", "..", "images", "jupyter"));
        const label = image.props.build.label;
        expect(label["git-commit"]).toMatch(/^([0-9a-f]{40}(-dirty)?|unknown)$/);
        expect(label["build-date"]).toMatch(/^(\d{4}-\d\d-\d\dT.*|unknown)$/);
    });

    test("a Dockerfile outside the context is refused", async () => {
        const context = makeContext();
        await expect(builtImage(context, { dockerfile: "../Elsewhere.Dockerfile" })).rejects.toThrow(/must be inside the build context/);
    });

    test("build on one engine, push, and pull by digest on another", async () => {
        const context = makeContext();
        const r = await runWithMocks({}, () => {
            const local = new DockerEngine("local");
            const vm = new DockerEngine("vm", { host: "ssh://me@vm" });
            return new ContainerImage("app", {
                engine: vm,
                buildEngine: local,
                push: { server: "acr.example.test" },
                source: { repository: "team/app", build: { context } },
            });
        });
        expect(r.error).toBeUndefined();
        expect(nameOf(one(r, IMAGE, "app").opts.provider)).toBe("local");
        const push = one(r, "docker:index/registryImage:RegistryImage", "app-push");
        expect(nameOf(push.opts.provider)).toBe("local");
        expect(await valueOf(push.props.name)).toMatch(/^acr\.example\.test\/team\/app:b-[0-9a-f]{16}$/);
        const pull = one(r, IMAGE, "app-pull");
        expect(nameOf(pull.opts.provider)).toBe("vm");
        const digestRef = `acr.example.test/team/app@sha256:${"d".repeat(64)}`;
        expect(await valueOf(pull.props.name)).toBe(digestRef);
        expect(await valueOf(r.result.ref)).toBe(digestRef);
        expect(byType(r, IMAGE)).toHaveLength(2);
    });

    test("building on another engine without a push target is refused", async () => {
        const r = await runWithMocks({}, () => {
            const local = new DockerEngine("local");
            const vm = new DockerEngine("vm", { host: "ssh://me@vm" });
            return new ContainerImage("app", {
                engine: vm,
                buildEngine: local,
                source: { repository: "team/app", build: { context: makeContext() } },
            });
        });
        expect(r.error?.message).toBe("app: an image built on another engine needs a push target to reach the engine that runs it");
    });
});

describe("BridgeNetwork", () => {
    test("a named bridge network on the engine", async () => {
        const r = await runWithMocks(
            {},
            () => new BridgeNetwork("net", { engine: new DockerEngine("local"), networkName: "lab-net", labels: { team: "ml" } }),
        );
        expect(one(r, "docker:index/network:Network", "net").props).toEqual({
            name: "lab-net",
            driver: "bridge",
            internal: false,
            labels: [{ label: "team", value: "ml" }],
        });
        expect(await isSecret(r.result.name)).toBe(false);
    });
});
