import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../../components/engine";
import { gpusFlag, nvidiaEnv } from "../../components/gpu";
import { EngineRuntime } from "../../components/engine-runtime";
import { BridgeNetwork } from "../../components/network";
import { RestartPolicy } from "../../components/service";
import { SharedLab, SharedLabArgs } from "../../components/workloads/lab";
import { PyTorchWorkspace } from "../../components/workloads/pytorch";
import { RStudioServer } from "../../components/workloads/rstudio";
import { StatefulApp } from "../../components/workloads/stateful-app";
import { StaticSite } from "../../components/workloads/static-site";
import { DEFAULTS } from "../../config/defaults";
import { checkGpuPath, DockerRunner } from "../../config/gpu-check";
import { WorkloadSettings } from "../../workloads/read";
import { deployWorkloads } from "../../targets/workloads";
import { byType, Declared, isSecret, leaves, nameOf, one, Run, runWithMocks, valueOf } from "./harness";

const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const VOLUME = "docker:index/volume:Volume";
const IMAGES = path.join(__dirname, "..", "..", "images");

async function envOf(container: Declared): Promise<Record<string, string>> {
    const envs = (await valueOf(container.props.envs)) as unknown[];
    const pairs = await Promise.all(envs.map(e => valueOf(e as string)));
    return Object.fromEntries(pairs.map(p => [p!.slice(0, p!.indexOf("=")), p!.slice(p!.indexOf("=") + 1)]));
}

async function mountsOf(container: Declared): Promise<any[]> {
    const mounts = (await valueOf(container.props.mounts)) as any[];
    return Promise.all(mounts.map(async m => ({ ...m, source: await valueOf(m.source) })));
}

/** Every input leaf holding `secret` must be marked secret: it never reaches state or a preview in clear. */
async function expectOnlySecretly(r: Run<unknown>, secret: string): Promise<number> {
    let seen = 0;
    for (const d of r.declared) {
        for (const leaf of await leaves(d.props, d.name)) {
            if (!leaf.value.includes(secret)) continue;
            seen++;
            expect([leaf.path, leaf.secret]).toEqual([leaf.path, true]);
        }
    }
    return seen;
}

/** Runs `make` with one engine's runtime (a local engine and a network), as the local target makes it. */
function withRuntime<T>(make: (runtime: EngineRuntime) => T, restart: RestartPolicy = "unless-stopped"): Promise<Run<T>> {
    return runWithMocks({}, () => {
        const engine = new DockerEngine("engine");
        const network = new BridgeNetwork("net", { engine, networkName: "p-net" });
        return make(new EngineRuntime({ engine, network, restart }));
    });
}

function expectUnderComponent(r: Run<unknown>, component: string, type: string): void {
    const docker = r.declared.filter(d => d.type.startsWith("docker:index/"));
    for (const d of docker.filter(d => d.name.startsWith(component))) {
        expect([d.name, nameOf(d.opts.provider)]).toEqual([d.name, "engine"]);
    }
    expect(nameOf(one(r, "dsenv:docker:Service", component).opts.parent)).toBe(component);
    expect(one(r, type, component).opts.parent).toBeUndefined();
}

describe("RStudioServer", () => {
    let r: Run<RStudioServer>;
    beforeAll(async () => {
        r = await withRuntime(
            runtime =>
                new RStudioServer("rstudio", {
                    runtime,
                    namePrefix: "p",
                    baseImage: "gcr.io/kaggle-gpu-images/rstats:v59",
                    rstudioVersion: "2024.12.1-563",
                    downloadUrl: "https://downloads.example.com/rstudio-server-2024.12.1-563-amd64.deb",
                    projectDir: { kind: "bind", hostPath: "/home/arielle/rproject" },
                    publish: { hostPort: 8787 },
                    gpus: "all",
                }),
        );
        expect(r.error).toBeUndefined();
    });

    test("builds images/rstudio on the base with the pinned release, and nothing secret in the build", async () => {
        const image = one(r, IMAGE, "rstudio-image");
        const build = (await valueOf(image.props.build)) as any;
        expect(build.context).toBe(path.join(IMAGES, "rstudio"));
        expect(build.buildArgs).toEqual({
            BASE_IMAGE: "gcr.io/kaggle-gpu-images/rstats:v59",
            RSTUDIO_VERSION: "2024.12.1-563",
            RSTUDIO_DEB_URL: "https://downloads.example.com/rstudio-server-2024.12.1-563-amd64.deb",
        });
        expect(JSON.stringify(build)).not.toContain("secret-rstudio-password");
    });

    test("the docker run line it replaces: 8787 on 127.0.0.1, --gpus all, the project at /home/rstudio/rproject", async () => {
        const c = one(r, CONTAINER, "rstudio");
        expect(c.props.name).toBe("p-rstudio");
        expect(c.props.ports).toEqual([{ internal: 8787, external: 8787, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(c.props.gpus).toBe("all");
        expect(await mountsOf(c)).toEqual([
            { type: "bind", source: "/home/arielle/rproject", target: "/home/rstudio/rproject", readOnly: false },
        ]);
        expect(c.props.command).toBeUndefined();
        expect(c.props.wait).toBe(true);
    });

    test("the generated password goes in as secret PASSWORD and only secretly anywhere", async () => {
        const c = one(r, CONTAINER, "rstudio");
        expect((await envOf(c)).PASSWORD).toBe("secret-rstudio-password-xxxxxxxx");
        expect(await expectOnlySecretly(r, "secret-rstudio-password")).toBeGreaterThan(0);
        expect(await isSecret(r.result.password)).toBe(true);
        expect(await valueOf(r.result.url)).toBe("http://127.0.0.1:8787/");
    });

    test("is a component of its own, with the Docker resources on the engine", () => {
        expectUnderComponent(r, "rstudio", "dsenv:workloads:RStudioServer");
    });

    test("without a project directory the project lives on a kept named volume", async () => {
        const v = await withRuntime(
            runtime =>
                new RStudioServer("rstudio", {
                    runtime,
                    namePrefix: "p",
                    baseImage: "r-base:4.4.2",
                    rstudioVersion: "2024.12.1-563",
                    downloadUrl: "https://downloads.example.com/x.deb",
                    projectDir: { kind: "volume", keepOnDestroy: true },
                    publish: { hostPort: 8788, hostIp: "0.0.0.0" },
                }),
        );
        expect(one(v, VOLUME, "rstudio-project").props.name).toBe("p-rstudio-project");
        expect(one(v, VOLUME, "rstudio-project").opts.retainOnDelete).toBe(true);
        const c = one(v, CONTAINER, "rstudio");
        expect(c.props.gpus).toBeUndefined();
        expect(await mountsOf(c)).toEqual([
            { type: "volume", source: "p-rstudio-project", target: "/home/rstudio/rproject", readOnly: false },
        ]);
        expect(await valueOf(v.result.url)).toBe("http://127.0.0.1:8788/");
    });
});

describe("PyTorchWorkspace", () => {
    const defaults = { image: DEFAULTS.pytorchImage, shmSizeMb: DEFAULTS.pytorchShmSizeMb, command: DEFAULTS.pytorchCommand };

    test("the defaults: pinned CUDA image, 2 GB shm, GPUs by device, home at /home, idle command that stops at once", async () => {
        const r = await withRuntime(
            runtime =>
                new PyTorchWorkspace("pytorch", {
                    runtime,
                    namePrefix: "p",
                    ...defaults,
                    gpus: { devices: ["0", "2"] },
                    homeDir: { kind: "bind", hostPath: "/home/me" },
                }),
        );
        expect(r.error).toBeUndefined();
        expect(await valueOf(one(r, IMAGE, "pytorch-image").props.name)).toMatch(
            /^pytorch\/pytorch:[0-9.]+-cuda[0-9.]+-cudnn[0-9]+-devel$/,
        );
        const c = one(r, CONTAINER, "pytorch");
        expect(c.props).toMatchObject({
            name: "p-pytorch",
            gpus: '"device=0,2"',
            shmSize: 2048,
            command: ["sleep", "infinity"],
            destroyGraceSeconds: 5,
        });
        expect(c.props.ports).toEqual([]);
        expect(await envOf(c)).toEqual({ NVIDIA_VISIBLE_DEVICES: "0,2", NVIDIA_DRIVER_CAPABILITIES: "compute,utility" });
        expect(await mountsOf(c)).toEqual([{ type: "bind", source: "/home/me", target: "/home", readOnly: false }]);
        expectUnderComponent(r, "pytorch", "dsenv:workloads:PyTorchWorkspace");
    });

    test("all GPUs, a chosen image, shm and command; GPUs off hides them even from an nvidia default runtime", async () => {
        const r = await withRuntime(runtime => {
            new PyTorchWorkspace("gpu", {
                runtime,
                namePrefix: "a",
                image: "pytorch/pytorch:2.4.1-cuda12.1-cudnn9-devel",
                gpus: "all",
                shmSizeMb: 8192,
                homeDir: { kind: "volume", keepOnDestroy: true },
                command: ["python", "train.py"],
            });
            new PyTorchWorkspace("cpu", { runtime, namePrefix: "b", ...defaults, homeDir: { kind: "volume", keepOnDestroy: false } });
        });
        const gpu = one(r, CONTAINER, "gpu");
        expect(gpu.props).toMatchObject({ gpus: "all", shmSize: 8192, command: ["python", "train.py"], destroyGraceSeconds: 30 });
        expect((await envOf(gpu)).NVIDIA_VISIBLE_DEVICES).toBe("all");
        expect(await valueOf(one(r, IMAGE, "gpu-image").props.name)).toBe("pytorch/pytorch:2.4.1-cuda12.1-cudnn9-devel");
        const cpu = one(r, CONTAINER, "cpu");
        expect(cpu.props.gpus).toBeUndefined();
        expect(await envOf(cpu)).toEqual({ NVIDIA_VISIBLE_DEVICES: "void" });
        expect(one(r, VOLUME, "cpu-home").props.name).toBe("b-pytorch-home");
        expect(one(r, VOLUME, "cpu-home").opts.retainOnDelete).toBe(false);
    });
});

describe("SharedLab", () => {
    const base: Omit<SharedLabArgs, "runtime"> = {
        namePrefix: "p",
        baseImage: "tensorflow/tensorflow:2.18.0-gpu",
        uid: 1234,
        gid: 5678,
        workspaceDir: { kind: "bind", hostPath: "/mnt/nas100/me" },
        publish: { hostPort: 8080 },
        gpus: "all",
        proxy: { httpProxy: "http://192.168.0.10:3128", httpsProxy: "http://192.168.0.10:3128", pipProxy: "http://192.168.0.11:3128" },
        aptPackages: ["vim", "git"],
        pipPackages: ["pandas==2.2.3"],
    };

    test("builds with the host user's ids and the proxies as build args; runs as that user on 8080 with /workspace and GPUs", async () => {
        const r = await withRuntime(runtime => new SharedLab("lab", { runtime, ...base }));
        expect(r.error).toBeUndefined();
        const build = (await valueOf(one(r, IMAGE, "lab-image").props.build)) as any;
        expect(build.context).toBe(path.join(IMAGES, "lab"));
        expect(build.buildArgs).toEqual({
            BASE_IMAGE: "tensorflow/tensorflow:2.18.0-gpu",
            LAB_UID: "1234",
            LAB_GID: "5678",
            HTTP_PROXY: "http://192.168.0.10:3128",
            HTTPS_PROXY: "http://192.168.0.10:3128",
            PIP_PROXY: "http://192.168.0.11:3128",
            APT_PACKAGES: "vim git",
            PIP_PACKAGES: "pandas==2.2.3",
        });
        const c = one(r, CONTAINER, "lab");
        expect(c.props).toMatchObject({ name: "p-lab", user: "1234:5678", gpus: "all" });
        expect(c.props.ports).toEqual([{ internal: 8080, external: 8080, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(await mountsOf(c)).toEqual([{ type: "bind", source: "/mnt/nas100/me", target: "/workspace", readOnly: false }]);
        const env = await envOf(c);
        expect(Object.keys(env).filter(k => /proxy/i.test(k))).toEqual([]);
        expect(env.JUPYTER_TOKEN).toBe("secret-lab-token-xxxxxxxx");
        expect(await expectOnlySecretly(r, "secret-lab-token")).toBeGreaterThan(0);
        expect(await isSecret(r.result.loginUrl)).toBe(true);
        expect(await valueOf(r.result.loginUrl)).toBe("http://127.0.0.1:8080/lab?token=secret-lab-token-xxxxxxxx");
        expectUnderComponent(r, "lab", "dsenv:workloads:SharedLab");
    });

    test("proxies reach the container only when asked; unset ones are not build args", async () => {
        const r = await withRuntime(runtime => {
            new SharedLab("asked", { runtime, ...base, proxyAtRuntime: true });
            new SharedLab("plain", { runtime, ...base, namePrefix: "q", proxy: {}, aptPackages: [], pipPackages: [], gpus: undefined });
        });
        const env = await envOf(one(r, CONTAINER, "asked"));
        expect(env).toMatchObject({
            HTTP_PROXY: "http://192.168.0.10:3128",
            http_proxy: "http://192.168.0.10:3128",
            HTTPS_PROXY: "http://192.168.0.10:3128",
            PIP_PROXY: "http://192.168.0.11:3128",
        });
        const plain = (await valueOf(one(r, IMAGE, "plain-image").props.build)) as any;
        expect(Object.keys(plain.buildArgs).sort()).toEqual(["BASE_IMAGE", "LAB_GID", "LAB_UID"]);
        expect(one(r, CONTAINER, "plain").props.gpus).toBeUndefined();
    });
});

describe("StaticSite", () => {
    test("serves a host directory read-only from the pulled httpd image on 9999", async () => {
        const r = await withRuntime(
            runtime =>
                new StaticSite("site", {
                    runtime,
                    namePrefix: "p",
                    image: "httpd:2.4-alpine",
                    content: { kind: "bind", hostPath: "/home/ubuntu/site" },
                    publish: { hostPort: 9999 },
                }),
        );
        expect(r.error).toBeUndefined();
        expect(await valueOf(one(r, IMAGE, "site-image").props.name)).toBe("httpd:2.4-alpine");
        const c = one(r, CONTAINER, "site");
        expect(c.props.ports).toEqual([{ internal: 80, external: 9999, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(await mountsOf(c)).toEqual([
            { type: "bind", source: "/home/ubuntu/site", target: "/usr/local/apache2/htdocs", readOnly: true },
        ]);
        expect(await valueOf(r.result.url)).toBe("http://127.0.0.1:9999/");
        expectUnderComponent(r, "site", "dsenv:workloads:StaticSite");
    });

    test("or builds images/site with its labels and mounts nothing", async () => {
        const r = await withRuntime(
            runtime =>
                new StaticSite("site", {
                    runtime,
                    namePrefix: "p",
                    image: "httpd:2.4",
                    content: { kind: "image", maintainer: "me@example.com", version: "1.0.0", description: "A test image" },
                    publish: { hostPort: 9999, hostIp: "0.0.0.0" },
                }),
        );
        const build = (await valueOf(one(r, IMAGE, "site-image").props.build)) as any;
        expect(build.context).toBe(path.join(IMAGES, "site"));
        expect(build.buildArgs).toEqual({
            BASE_IMAGE: "httpd:2.4",
            SITE_MAINTAINER: "me@example.com",
            SITE_VERSION: "1.0.0",
            SITE_DESCRIPTION: "A test image",
        });
        expect(one(r, CONTAINER, "site").props.mounts).toEqual([]);
        expect(one(r, CONTAINER, "site").props.ports).toEqual([{ internal: 80, external: 9999, ip: "0.0.0.0", protocol: "tcp" }]);
    });
});

describe("StatefulApp", () => {
    let r: Run<StatefulApp>;
    beforeAll(async () => {
        r = await withRuntime(
            runtime =>
                new StatefulApp("app", {
                    runtime,
                    namePrefix: "p",
                    baseImage: "node:22.12.0-bookworm-slim",
                    sourceDir: "/home/me/feedback-app",
                    env: { GREETING: "hello", PORT: "1234" },
                    secretEnv: { ADMIN_TOKEN: pulumi.secret("t0ken-from-dotenv") },
                    publish: { hostPort: 3000 },
                }),
        );
        expect(r.error).toBeUndefined();
    });

    test("all three kinds of storage: named feedback volume, read-only source, anonymous node_modules", async () => {
        const c = one(r, CONTAINER, "app");
        expect(await mountsOf(c)).toEqual([
            { type: "volume", source: "p-feedback", target: "/app/feedback", readOnly: false },
            { type: "bind", source: "/home/me/feedback-app", target: "/app", readOnly: true },
            { type: "volume", source: undefined, target: "/app/node_modules" },
        ]);
        expect(one(r, VOLUME, "app-feedback").opts.retainOnDelete).toBe(true);
        expect(await valueOf(r.result.feedbackVolumeName)).toBe("p-feedback");
    });

    test("env from the .env file, PORT fixed to the published container port, secrets secret", async () => {
        const c = one(r, CONTAINER, "app");
        expect(await envOf(c)).toEqual({ GREETING: "hello", PORT: "8000", ADMIN_TOKEN: "t0ken-from-dotenv" });
        expect(c.props.ports).toEqual([{ internal: 8000, external: 3000, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(await expectOnlySecretly(r, "t0ken-from-dotenv")).toBe(1);
        const build = (await valueOf(one(r, IMAGE, "app-image").props.build)) as any;
        expect(build.context).toBe(path.join(IMAGES, "feedback-app"));
        expect(build.buildArgs).toEqual({ BASE_IMAGE: "node:22.12.0-bookworm-slim" });
        expectUnderComponent(r, "app", "dsenv:workloads:StatefulApp");
    });
});

describe("deployWorkloads", () => {
    const settings: WorkloadSettings = {
        pytorch: {
            image: "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-devel",
            shmSizeMb: 2048,
            homeDir: { kind: "volume", keepOnDestroy: true },
            command: ["sleep", "infinity"],
        },
        lab: {
            baseImage: "tensorflow/tensorflow:2.18.0-gpu",
            uid: 1000,
            gid: 1000,
            workspaceDir: { kind: "volume", keepOnDestroy: true },
            publish: { hostPort: 8080, hostIp: "127.0.0.1" },
            proxy: {},
            proxyAtRuntime: false,
            aptPackages: [],
            pipPackages: [],
        },
        site: { image: "httpd:2.4", content: { kind: "bind", hostPath: "/srv/site" }, publish: { hostPort: 9999, hostIp: "127.0.0.1" } },
        notices: [],
    };

    test("declares only the enabled workloads, on the shared network, with their outputs", async () => {
        const r = await withRuntime(runtime => deployWorkloads({ runtime, namePrefix: "dsenv-unit", settings }), "always");
        expect(r.error).toBeUndefined();
        expect(
            byType(r, CONTAINER)
                .map(d => d.props.name)
                .sort(),
        ).toEqual(["dsenv-unit-lab", "dsenv-unit-pytorch", "dsenv-unit-site"]);
        for (const c of byType(r, CONTAINER)) {
            expect(c.props.restart).toBe("always");
            const nets = (await valueOf(c.props.networksAdvanced)) as any[];
            expect(await valueOf(nets[0].name)).toBe("p-net");
        }
        const outputs = r.result.outputs;
        expect(Object.keys(outputs).sort()).toEqual([
            "labContainer",
            "labHostPort",
            "labLoginUrl",
            "labToken",
            "labUrl",
            "pytorchContainer",
            "siteContainer",
            "siteHostPort",
            "siteUrl",
        ]);
        expect(await isSecret(outputs.labToken)).toBe(true);
        expect(await isSecret(outputs.labUrl)).toBe(false);
        expect(await valueOf(outputs.siteUrl as pulumi.Output<string>)).toBe("http://127.0.0.1:9999/");
        expect(outputs.labHostPort).toBe(8080);
    });

    test("nothing enabled, nothing declared", async () => {
        const r = await withRuntime(runtime => deployWorkloads({ runtime, namePrefix: "p", settings: { notices: [] } }), "no");
        expect(byType(r, CONTAINER)).toEqual([]);
        expect(r.result.outputs).toEqual({});
    });
});

describe("GPU requests reach Docker and the NVIDIA runtime in their forms", () => {
    test("--gpus is a CSV field list, so a list of devices is quoted; a count is the first N devices", () => {
        expect([
            gpusFlag("all"),
            gpusFlag({ count: 2 }),
            gpusFlag({ devices: ["1"] }),
            gpusFlag({ devices: ["0", "2"] }),
            gpusFlag(undefined),
        ]).toEqual(["all", "2", "device=1", '"device=0,2"', undefined]);
        expect(nvidiaEnv({ count: 3 })).toEqual({ NVIDIA_VISIBLE_DEVICES: "0,1,2", NVIDIA_DRIVER_CAPABILITIES: "compute,utility" });
        expect(nvidiaEnv(undefined)).toEqual({ NVIDIA_VISIBLE_DEVICES: "void" });
    });
});

describe("the GPU path check (recorded answers: test/unit/gpu-check.test.ts)", () => {
    const info = (runtimes: string[]) =>
        JSON.stringify({ ServerVersion: "27.3.1", Runtimes: Object.fromEntries(runtimes.map(n => [n, { path: n }])) });
    function fake(answer: ReturnType<DockerRunner>): { run: DockerRunner; calls: string[][] } {
        const calls: string[][] = [];
        return { calls, run: args => (calls.push(args), answer) };
    }

    test("asks the configured engine what docker info says and finds the nvidia runtime", () => {
        const f = fake({ ok: true, stdout: info(["io.containerd.runc.v2", "nvidia", "runc"]) + "\n" });
        expect(checkGpuPath({ host: "ssh://azureuser@20.1.2.3", isLocal: false }, f.run)).toEqual({
            kind: "ready",
            via: "the nvidia runtime",
            dockerDesktop: false,
        });
        expect(f.calls).toEqual([["-H", "ssh://azureuser@20.1.2.3", "info", "--format", "{{json .}}"]]);
    });

    test("an engine without it, whose host has no runtime hook, is reported with what was looked for", () => {
        const f = fake({ ok: true, stdout: info(["runc", "io.containerd.runc.v2"]) });
        expect(checkGpuPath({ isLocal: true }, f.run, () => ({ ok: true, stdout: "" }))).toEqual({
            kind: "missing",
            looked: "runtimes: io.containerd.runc.v2, runc; CDI off; no nvidia-container-runtime-hook on its host",
        });
        expect(f.calls).toEqual([["info", "--format", "{{json .}}"]]);
    });

    test("an engine that does not answer leaves the check to deploy time", () => {
        expect(
            checkGpuPath(
                { host: "ssh://azureuser@gpu-vm", isLocal: false },
                fake({ ok: false, error: "ssh: connect to host gpu-vm port 22: Connection refused" }).run,
            ),
        ).toEqual({
            kind: "deferred",
            reason: "ssh: connect to host gpu-vm port 22: Connection refused",
        });
        expect(checkGpuPath({ isLocal: true }, fake({ ok: true, stdout: "not json" }).run)).toEqual({
            kind: "deferred",
            reason: "unexpected answer from docker info: not json",
        });
    });
});
