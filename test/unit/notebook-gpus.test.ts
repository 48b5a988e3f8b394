import * as fs from "fs";
import * as path from "path";
import { cudaFitsDriver, driverAtLeast, newestCudaFor } from "../../config/cuda-drivers";
import { DRIVER_SCRIPT, imageCudaOf, parseDriverVersion, readDriverVersion } from "../../config/cuda-check";
import { checkGpuPath, DockerRunner, FIND_HOOK_SCRIPT } from "../../config/gpu-check";
import { hostCommandArgv, HostCommandRunner } from "../../config/host-command";
import { loadSettings } from "../../settings/load";
import { Settings } from "../../settings";
import { NOTEBOOK_IMAGES } from "../../config/notebook-images";
import { HostFacts } from "../../workloads/read";
import { deploy } from "../../targets";
import { byType, configProblem, Declared, one, runWithMocks, valueOf } from "./harness";
import { nodesAdvertising } from "./swarm-nodes";
import { azureStackConfig } from "./ssh-keys";

// dsenv:jupyterGpus and jupyterShmSizeMb on each target, the GPU path check and
// CUDA against the driver, with the recorded host answers of test/unit/fixtures
// (README.md there says where each comes from). No GPU is lent to this machine.

const CONTAINER = "docker:index/container:Container";
const SERVICE = "docker:index/service:Service";
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8");
const LOCAL = { isLocal: true };

interface FakeHost extends HostFacts {
    calls: string[][];
    scripts: string[];
}

/**
 * A machine whose engine answers `docker info` with a recorded answer (none: it
 * does not answer), whose host has the NVIDIA hook at `hook` and answers the
 * driver question with a recorded file, and whose engine has `images`.
 */
function fakeHost(info: string | undefined, opts: { hook?: string; driver?: string; images?: Record<string, string> } = {}): FakeHost {
    const calls: string[][] = [];
    const scripts: string[] = [];
    const runDocker: DockerRunner = args => {
        calls.push(args);
        if (args.includes("version")) return { ok: true, stdout: "1.41\n" };
        if (args.includes("info"))
            return info
                ? { ok: true, stdout: fixture(`docker-info/${info}`) }
                : { ok: false, error: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" };
        if (args.includes("inspect")) {
            const image = opts.images?.[args[args.length - 1]];
            return image
                ? { ok: true, stdout: fixture(`image-config/${image}`) }
                : { ok: false, error: `Error: No such image: ${args[args.length - 1]}` };
        }
        return { ok: false, error: `unexpected: docker ${args.join(" ")}` };
    };
    const runHost: HostCommandRunner = (_engine, script) => {
        scripts.push(script);
        if (script === FIND_HOOK_SCRIPT) return { ok: true, stdout: opts.hook ? `${opts.hook}\n` : "" };
        if (script === DRIVER_SCRIPT) return { ok: true, stdout: opts.driver ? fixture(`nvidia-driver/${opts.driver}`) : "" };
        return { ok: false, error: "unexpected script" };
    };
    return { calls, scripts, runDocker, runHost, user: { uid: 1000, gid: 1000 } };
}

async function settingsOf(config: Record<string, string>, host: HostFacts): Promise<{ settings?: Settings; error?: string }> {
    const r = await runWithMocks(config, () => loadSettings(undefined, {}, host));
    return { settings: r.result, error: r.error?.message };
}

describe("the GPU path: how --gpus reaches a container, read from recorded docker info answers", () => {
    test.each<[string, string, string | undefined, object, boolean]>([
        [
            "a host where nvidia-ctk registered the nvidia runtime",
            "nvidia-runtime.json",
            undefined,
            { kind: "ready", via: "the nvidia runtime", dockerDesktop: false },
            false,
        ],
        [
            "a CDI-only host on Docker 29.4, which maps --gpus to its CDI devices",
            "cdi-only-docker29.json",
            undefined,
            {
                kind: "ready",
                via: "CDI (nvidia.com/gpu=0, nvidia.com/gpu=GPU-6a4d3f1e-2c7b-4e0a-9d55-0f1c2b3a4d5e, nvidia.com/gpu=all)",
                dockerDesktop: false,
            },
            false,
        ],
        [
            "Docker Desktop on WSL2, which lists its nvidia runtime",
            "docker-desktop-wsl2.json",
            undefined,
            { kind: "ready", via: "the nvidia runtime", dockerDesktop: true },
            false,
        ],
        [
            "a CDI host on Docker 28.3 whose toolkit put the runtime hook on dockerd's PATH",
            "cdi-only-docker28.json",
            "/usr/bin/nvidia-container-runtime-hook",
            { kind: "ready", via: "the NVIDIA container runtime hook (/usr/bin/nvidia-container-runtime-hook)", dockerDesktop: false },
            true,
        ],
        [
            "an old engine (20.10) with the hook: --gpus works through it since Docker 19.03",
            "old-engine-debian-20.10.json",
            "/usr/bin/nvidia-container-runtime-hook",
            { kind: "ready", via: "the NVIDIA container runtime hook (/usr/bin/nvidia-container-runtime-hook)", dockerDesktop: false },
            true,
        ],
        [
            "a CDI host on Docker 28.3 without the hook: its devices do not serve --gpus",
            "cdi-only-docker28.json",
            undefined,
            {
                kind: "missing",
                looked: "runtimes: io.containerd.runc.v2, runc; its CDI devices (nvidia.com/gpu=0, nvidia.com/gpu=all) serve --gpus only from Docker 29.2 on (it runs 28.3.3); no nvidia-container-runtime-hook on its host",
            },
            true,
        ],
        [
            "a laptop without a GPU",
            "laptop-no-gpu.json",
            undefined,
            {
                kind: "missing",
                looked: "runtimes: io.containerd.runc.v2, runc; no NVIDIA CDI device listed; no nvidia-container-runtime-hook on its host",
            },
            true,
        ],
        [
            "this machine's engine (recorded): Debian's 20.10, no GPU, CDI unknown to it",
            "old-engine-debian-20.10.json",
            undefined,
            {
                kind: "missing",
                looked: "runtimes: io.containerd.runc.v2, io.containerd.runtime.v1.linux, runc; CDI off; no nvidia-container-runtime-hook on its host",
            },
            true,
        ],
    ])("%s", (_, info, hook, expected, asksHost) => {
        const h = fakeHost(info, { hook });
        expect(checkGpuPath(LOCAL, h.runDocker, h.runHost)).toEqual(expected);
        expect(h.calls).toEqual([["info", "--format", "{{json .}}"]]);
        expect(h.scripts).toEqual(asksHost ? [FIND_HOOK_SCRIPT] : []);
    });

    test("Docker Desktop without its nvidia runtime has no host to look for a hook on", () => {
        const h = fakeHost(undefined);
        const info = { ...JSON.parse(fixture("docker-info/docker-desktop-wsl2.json")), Runtimes: { runc: {} } };
        expect(checkGpuPath(LOCAL, () => ({ ok: true, stdout: JSON.stringify(info) }), h.runHost)).toEqual({
            kind: "missing",
            looked: "runtimes: runc; no NVIDIA CDI device listed; Docker Desktop without its nvidia runtime",
        });
        expect(h.scripts).toEqual([]);
    });

    test("a host that cannot be asked for the hook leaves the check to deploy time", () => {
        const remote = { host: "ssh://lab@gpu1", isLocal: false };
        const h = fakeHost("laptop-no-gpu.json");
        expect(
            checkGpuPath(remote, h.runDocker, () => ({ ok: false, error: "ssh: connect to host gpu1 port 22: Connection refused" })),
        ).toEqual({
            kind: "deferred",
            reason: "runtimes: io.containerd.runc.v2, runc; no NVIDIA CDI device listed; its host did not answer when asked for nvidia-container-runtime-hook (ssh: connect to host gpu1 port 22: Connection refused)",
        });
        expect(checkGpuPath({ host: "tcp://10.0.0.5:2375", isLocal: false }, h.runDocker, () => undefined)).toMatchObject({
            kind: "deferred",
        });
    });

    test("the engine's host is reached as the engine is: here by sh, over ssh with dsenv:dockerSshOpts and the port; never a password prompt", () => {
        expect(hostCommandArgv(LOCAL, "true")).toEqual(["sh", ["-c", "true"]]);
        expect(hostCommandArgv({ host: "ssh://lab@gpu1:2222", sshOpts: ["-i", "/keys/lab"], isLocal: false }, "cat /x")).toEqual([
            "ssh",
            ["-i", "/keys/lab", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-p", "2222", "lab@gpu1", "--", "cat /x"],
        ]);
        expect(hostCommandArgv({ host: "ssh://me@[2001:db8::4]:2222", isLocal: false }, "true")?.[1].slice(-3)).toEqual([
            "me@2001:db8::4",
            "--",
            "true",
        ]);
        expect(hostCommandArgv({ host: "tcp://10.0.0.5:2375", isLocal: false }, "true")).toBeUndefined();
    });
});

describe("the driver and the CUDA an image needs, from recorded answers", () => {
    test.each([
        ["proc-535.129.03.txt", "535.129.03"],
        ["proc-open-570.86.15.txt", "570.86.15"],
        ["smi-470.256.02.txt", "470.256.02"],
        ["smi-550.54.15-two-gpus.txt", "550.54.15"],
    ])("%s says %s", (file, version) => {
        expect(parseDriverVersion(fixture(`nvidia-driver/${file}`))).toBe(version);
    });

    test("read on the engine's host: a version, none, or why not", () => {
        const ask = (stdout: string) => readDriverVersion(LOCAL, () => ({ ok: true, stdout }));
        expect(ask(fixture("nvidia-driver/proc-535.129.03.txt"))).toEqual({
            kind: "found",
            version: "535.129.03",
            source: "/proc/driver/nvidia/version",
        });
        expect(ask(fixture("nvidia-driver/smi-470.256.02.txt"))).toEqual({ kind: "found", version: "470.256.02", source: "nvidia-smi" });
        expect(ask("")).toEqual({ kind: "none", said: "neither /proc/driver/nvidia/version nor nvidia-smi answered" });
        expect(
            readDriverVersion({ host: "ssh://lab@gpu1", isLocal: false }, () => ({ ok: false, error: "Permission denied (publickey)" })),
        ).toEqual({
            kind: "unknown",
            reason: "the machine of the engine at ssh://lab@gpu1 did not answer (Permission denied (publickey))",
        });
    });

    test("an image's CUDA: CUDA_VERSION (with NVIDIA_REQUIRE_CUDA, checked by the hook itself), else the label; docker-stacks images have none", () => {
        expect(imageCudaOf(JSON.parse(fixture("image-config/nvidia-cuda-12.4.1-base.json")))).toEqual({ cuda: "12.4.1", strict: true });
        expect(imageCudaOf(JSON.parse(fixture("image-config/label-only-cuda-11.7.json")))).toEqual({ cuda: "11.7.0", strict: false });
        expect(imageCudaOf(JSON.parse(fixture("image-config/docker-stacks-cpu.json")))).toEqual({ cuda: undefined, strict: false });
    });

    test.each<[string, string, boolean, object]>([
        ["13.0.1", "580.65.06", false, { kind: "fits" }],
        ["13.0.1", "575.51.03", false, { kind: "too-old", needs: "580" }],
        ["12.4.1", "550.54.15", false, { kind: "fits" }],
        ["12.4.1", "535.129.03", false, { kind: "minor-compatible", full: "550.54.14" }],
        ["12.4.1", "535.129.03", true, { kind: "too-old", needs: "550.54.14" }],
        ["12.4.1", "470.256.02", false, { kind: "too-old", needs: "525.60.13" }],
        ["11.8.0", "470.256.02", false, { kind: "minor-compatible", full: "520.61.05" }],
        ["11.8.0", "450.51.06", false, { kind: "too-old", needs: "450.80.02" }],
        ["12.7", "560.35.03", false, { kind: "fits" }],
        ["10.2", "440.33", false, { kind: "unknown" }],
        ["13.0", "580", false, { kind: "fits" }],
    ])("CUDA %s on driver %s (strict %s)", (cuda, driver, strict, fit) => {
        expect(cudaFitsDriver(cuda, driver, strict)).toEqual(fit);
    });

    test("the newest CUDA a driver runs fully; a branch alone stands for its newest release", () => {
        expect([newestCudaFor("535.129.03"), newestCudaFor("470.256.02"), newestCudaFor("580.65.06"), newestCudaFor("440.33")]).toEqual([
            "12.2",
            "11.4",
            "13.0",
            undefined,
        ]);
        expect([driverAtLeast("580", "580.65.06"), driverAtLeast("575", "580"), driverAtLeast("535.129.03", "535.54.03")]).toEqual([
            true,
            false,
            true,
        ]);
    });
});

describe("dsenv:jupyterGpus on the local target", () => {
    test("auto on a laptop without a GPU: a CPU notebook, and the stack says why", async () => {
        const h = fakeHost("laptop-no-gpu.json");
        const r = await runWithMocks({}, () => deploy(loadSettings(undefined, {}, h)) as Record<string, unknown>);
        expect(r.error).toBeUndefined();
        const choice =
            "none (auto: the engine at the local socket has no GPU path (runtimes: io.containerd.runc.v2, runc; no NVIDIA CDI device listed; no nvidia-container-runtime-hook on its host))";
        expect(r.result.jupyterGpus).toBe(choice);
        const c = one(r, CONTAINER, "workspace-jupyter");
        expect(c.props.gpus).toBeUndefined();
        expect(c.props.shmSize).toBe(2048);
        // Asked once: the API version, then docker info; no driver question where there is no GPU path.
        expect(h.calls.map(c => c.slice(0, 1))).toEqual([["version"], ["info"]]);
        expect(h.scripts).toEqual([FIND_HOOK_SCRIPT]);
    });

    test("auto on a GPU host: every GPU for the notebook, the driver said, and the notice", async () => {
        const h = fakeHost("nvidia-runtime.json", { driver: "proc-535.129.03.txt" });
        const r = await runWithMocks({}, () => deploy(loadSettings(undefined, {}, h)) as Record<string, unknown>);
        expect(r.error).toBeUndefined();
        expect(r.result.jupyterGpus).toBe(
            "all (auto: the engine at the local socket gives GPUs through the nvidia runtime; driver 535.129.03)",
        );
        const c = one(r, CONTAINER, "workspace-jupyter");
        expect(c.props).toMatchObject({ gpus: "all", shmSize: 2048 });
        expect(await envOf(c)).toMatchObject({ NVIDIA_VISIBLE_DEVICES: "all", NVIDIA_DRIVER_CAPABILITIES: "compute,utility" });
        const settings = loadSettings(undefined, {}, fakeHost("nvidia-runtime.json", { driver: "proc-535.129.03.txt" }));
        expect(settings.workloads.notices).toContain(
            "dsenv:jupyterGpus is auto: all (auto: the engine at the local socket gives GPUs through the nvidia runtime; driver 535.129.03)",
        );
    });

    test("the notebooks' and a workload's auto ask the engine and its machine once each", async () => {
        const h = fakeHost("nvidia-runtime.json", { driver: "proc-535.129.03.txt" });
        const s = await settingsOf({ pytorchEnabled: "true" }, h);
        expect([s.settings?.jupyter.gpus, s.settings?.workloads.pytorch?.gpus]).toEqual(["all", "all"]);
        expect(h.calls.filter(c => c.includes("info"))).toEqual([["info", "--format", "{{json .}}"]]);
        expect(h.scripts.filter(x => x === DRIVER_SCRIPT)).toEqual([DRIVER_SCRIPT]);
    });

    test("each user's notebook gets them too, with the shared memory asked for", async () => {
        const h = fakeHost("cdi-only-docker29.json", { driver: "smi-550.54.15-two-gpus.txt" });
        const r = await runWithMocks(
            { jupyterUsers: '["alice", "bob"]', jupyterShmSizeMb: "8192" },
            () => deploy(loadSettings(undefined, {}, h)) as Record<string, unknown>,
        );
        expect(r.error).toBeUndefined();
        for (const name of ["workspace-jupyter-alice", "workspace-jupyter-bob"])
            expect(one(r, CONTAINER, name).props).toMatchObject({ gpus: "all", shmSize: 8192 });
    });

    test("Docker Desktop lists its nvidia runtime everywhere: auto wants a driver that answers", async () => {
        const none = await settingsOf({}, fakeHost("docker-desktop-wsl2.json"));
        expect(none.settings?.jupyter.gpus).toBeUndefined();
        expect(none.settings?.jupyter.gpuChoice).toBe(
            "none (auto: the engine at the local socket has the nvidia runtime, but no NVIDIA driver answers on its machine (neither /proc/driver/nvidia/version nor nvidia-smi answered))",
        );
        const gpu = await settingsOf({}, fakeHost("docker-desktop-wsl2.json", { driver: "smi-550.54.15-two-gpus.txt" }));
        expect(gpu.settings?.jupyter.gpus).toBe("all");
    });

    test("an engine that does not answer: auto gives none and says why", async () => {
        const s = await settingsOf({}, fakeHost(undefined));
        expect(s.settings?.jupyter.gpuChoice).toBe(
            "none (auto: the engine at the local socket could not say whether it can give GPUs (Cannot connect to the Docker daemon at unix:///var/run/docker.sock))",
        );
    });

    test('a value given is used as it is; "" asks nothing', async () => {
        const two = await settingsOf({ jupyterGpus: "2" }, fakeHost("nvidia-runtime.json"));
        expect([two.settings?.jupyter.gpus, two.settings?.jupyter.gpuChoice]).toEqual([{ count: 2 }, "2 (dsenv:jupyterGpus)"]);
        const h = fakeHost("nvidia-runtime.json");
        const off = await settingsOf({ jupyterGpus: "" }, h);
        expect([off.settings?.jupyter.gpus, off.settings?.jupyter.gpuChoice]).toEqual([undefined, 'none (dsenv:jupyterGpus is "")']);
        expect(h.calls.filter(c => c.includes("info"))).toEqual([]);
    });

    test("a value given where the engine has no GPU path is refused with the way out; bad values are refused", async () => {
        const refused = await settingsOf({ jupyterGpus: "1" }, fakeHost("laptop-no-gpu.json"));
        expect(refused.error).toBe(
            configProblem(
                'dsenv:jupyterGpus: got "1", expected "" (no GPUs): the Docker engine at the local socket cannot give containers GPUs (runtimes: io.containerd.runc.v2, runc; no NVIDIA CDI device listed; no nvidia-container-runtime-hook on its host). ' +
                    'To use GPUs, install the NVIDIA driver and the NVIDIA container toolkit on that host (its nvidia-container-runtime-hook serves docker run --gpus), optionally "sudo nvidia-ctk runtime configure --runtime=docker" and restart Docker; or turn GPUs off with dsenv:jupyterGpus=""',
            ),
        );
        const bad = await settingsOf({ jupyterGpus: "some", jupyterShmSizeMb: "10" }, fakeHost("nvidia-runtime.json"));
        expect(bad.error).toBe(
            configProblem(
                "dsenv:jupyterShmSizeMb: got 10, expected an integer size in MiB from 64 to 1048576",
                'dsenv:jupyterGpus: got "some", expected "auto" (GPUs where the engine can give them, none elsewhere), or "" (no GPUs), "all", a number of GPUs such as "2", or "device=" with GPU indexes or UUIDs separated by commas, e.g. "device=0,2" (the forms of docker run --gpus)',
            ),
        );
    });
});

describe("CUDA against the driver at preview (recorded image configs and drivers)", () => {
    const CUDA_IMAGE = "nvidia/cuda:12.4.1-base-ubuntu22.04";

    test("an image built for a CUDA the driver cannot run is refused on its key, with the driver it needs and the image that fits", async () => {
        const h = fakeHost("nvidia-runtime.json", {
            driver: "smi-470.256.02.txt",
            images: { [CUDA_IMAGE]: "nvidia-cuda-12.4.1-base.json" },
        });
        const r = await settingsOf({ jupyterBaseImage: CUDA_IMAGE }, h);
        expect(r.error).toBe(
            configProblem(
                `dsenv:jupyterBaseImage: got "${CUDA_IMAGE}", expected an image whose CUDA runs on the NVIDIA driver 470.256.02 (nvidia-smi) of the GPU host: ${CUDA_IMAGE} is built for CUDA 12.4.1 (its CUDA_VERSION), which needs a driver >= 550.54.14. ` +
                    "Use a CUDA 11.4 image, or a driver >= 550.54.14 on that host",
            ),
        );
        expect(h.calls).toContainEqual(["image", "inspect", "--format", "{{json .Config}}", CUDA_IMAGE]);
    });

    test("a GPU workload's image too; minor version compatibility is a notice, not a refusal", async () => {
        const image = "pytorch/pytorch:2.0.1-cuda11.7-cudnn8-runtime";
        const h = fakeHost("nvidia-runtime.json", { driver: "proc-open-570.86.15.txt", images: { [image]: "label-only-cuda-11.7.json" } });
        const fits = await settingsOf({ jupyterGpus: "", pytorchEnabled: "true", pytorchImage: image }, h);
        expect(fits.error).toBeUndefined();
        const old = fakeHost("nvidia-runtime.json", { driver: "smi-470.256.02.txt", images: { [image]: "label-only-cuda-11.7.json" } });
        const compat = await settingsOf({ jupyterGpus: "", pytorchEnabled: "true", pytorchImage: image }, old);
        expect(compat.settings?.workloads.notices).toEqual([
            // pytorchGpus is auto (its default): every GPU of this GPU host, said.
            "dsenv:pytorchGpus is auto: all (the engine at the local socket gives GPUs through the nvidia runtime; driver 470.256.02)",
            `${image} (dsenv:pytorchImage, GPUs by dsenv:pytorchGpus) is built for CUDA 11.7.0; the driver 470.256.02 runs it by CUDA minor version compatibility (no JIT of newer PTX); a driver >= 515.43.04 runs all of it`,
        ]);
    });

    test("the default image: the pinned CPU image without GPUs, its CUDA variant with them, checked by the CUDA the pinned table says", async () => {
        const cpu = await settingsOf({}, fakeHost("laptop-no-gpu.json"));
        expect(cpu.settings?.jupyter.baseImage).toBe(NOTEBOOK_IMAGES.cpu);
        const gpu = await settingsOf({}, fakeHost("nvidia-runtime.json", { driver: "proc-535.129.03.txt" }));
        expect(gpu.error).toBeUndefined();
        expect(gpu.settings?.jupyter.baseImage).toBe(NOTEBOOK_IMAGES.cuda.image);
        // The pinned CUDA (12.8) runs on 535 by minor version compatibility: said, not refused.
        expect(gpu.settings?.workloads.notices.join("\n")).toContain(
            `${NOTEBOOK_IMAGES.cuda.image} (dsenv:jupyterBaseImage, GPUs by dsenv:jupyterGpus) is built for CUDA ${NOTEBOOK_IMAGES.cuda.cudaVersion}`,
        );
        const old = await settingsOf({}, fakeHost("nvidia-runtime.json", { driver: "smi-470.256.02.txt" }));
        expect(old.error).toContain(
            `dsenv:jupyterBaseImage: got "${NOTEBOOK_IMAGES.cuda.image}", expected an image whose CUDA runs on the NVIDIA driver 470.256.02`,
        );
        expect(old.error).toContain(
            `is built for CUDA ${NOTEBOOK_IMAGES.cuda.cudaVersion} (the pinned image table), which needs a driver >= 525.60.13`,
        );
        // With users, one image for all: the CUDA one as soon as any of them has GPUs.
        const users = await settingsOf({ jupyterUsers: '["alice"]' }, fakeHost("nvidia-runtime.json", { driver: "proc-535.129.03.txt" }));
        expect(users.settings?.jupyter.baseImage).toBe(NOTEBOOK_IMAGES.cuda.image);
    });

    test("an image that is not on the engine and not in a pinned table, or a driver that cannot be read: a notice", async () => {
        const h = fakeHost("nvidia-runtime.json", { driver: "proc-535.129.03.txt" });
        const r = await settingsOf({ jupyterGpus: "all", jupyterBaseImage: "quay.io/jupyter/pytorch-notebook:cuda12-2025-11-17" }, h);
        expect(r.settings?.workloads.notices).toEqual([
            "CUDA of quay.io/jupyter/pytorch-notebook:cuda12-2025-11-17 (dsenv:jupyterBaseImage, GPUs by dsenv:jupyterGpus) not checked against the driver at preview: the image is not on the engine yet",
        ]);
    });
});

describe("dsenv:jupyterGpus on a swarm: reservations of what each notebook's node advertises", () => {
    const NODES = ["unix:///run/lab/n1.sock 10.0.0.11", "ssh://lab@gpu2 10.0.0.12", "ssh://lab@gpu3 10.0.0.13"];
    const BASE = { target: "swarm", swarmNodes: JSON.stringify(NODES), registryServer: "http://10.0.0.11:5000", namePrefix: "p" };
    const nodes = (capacity: (number | undefined)[]) => nodesAdvertising(NODES, capacity, { advertise: "count" });
    const stack = (config: Record<string, string>, capacity: (number | undefined)[]) =>
        runWithMocks({ ...BASE, ...config }, () => deploy(loadSettings(undefined, {}, nodes(capacity))) as Record<string, unknown>);
    const reservation = async (s: Declared) =>
        ((await valueOf(s.props.taskSpec)) as any).resources?.reservation?.genericResources?.discreteResourcesSpecs;

    test("auto: one GPU for each notebook whose node has one per notebook pinned there, none elsewhere, and why", async () => {
        const r = await stack({ jupyterUsers: '["alice@2", "bob@3", "carol@3", "dave@1"]' }, [0, 1, 2]);
        expect(r.error).toBeUndefined();
        const byUser = Object.fromEntries(
            await Promise.all(
                ["alice", "bob", "carol", "dave"].map(async u => [u, await reservation(one(r, SERVICE, `workspace-jupyter-${u}`))]),
            ),
        );
        expect(byUser).toEqual({ alice: ["NVIDIA-GPU=1"], bob: ["NVIDIA-GPU=1"], carol: ["NVIDIA-GPU=1"], dave: undefined });
        expect(r.result.jupyterGpus).toBe(
            "per notebook (auto: alice 1, node 2 (ssh://lab@gpu2) advertises 1; bob 1, node 3 (ssh://lab@gpu3) advertises 2; carol 1, node 3 (ssh://lab@gpu3) advertises 2; dave none, node 1 (unix:///run/lab/n1.sock) advertises no NVIDIA-GPU)",
        );
    });

    test("auto: a node with fewer GPUs than notebooks, or one that did not answer, gives them none", async () => {
        const r = await stack({ jupyterUsers: '["alice@2", "bob@2", "carol@3"]' }, [0, 1, undefined]);
        expect(r.error).toBeUndefined();
        expect(r.result.jupyterGpus).toBe(
            "none (auto: alice none, node 2 (ssh://lab@gpu2) advertises 1 for 2 notebooks; bob none, node 2 (ssh://lab@gpu2) advertises 1 for 2 notebooks; carol none, node 3 (ssh://lab@gpu3) did not say what it advertises)",
        );
        for (const s of byType(r, SERVICE)) expect(await reservation(s)).toBeUndefined();
    });

    test("the workspace's notebook lives on the data node: auto reserves there", async () => {
        const r = await stack({ swarmDataNode: "2" }, [0, 4, 0]);
        expect(await reservation(one(r, SERVICE, "workspace-jupyter"))).toEqual(["NVIDIA-GPU=1"]);
        expect(r.result.jupyterGpus).toBe("1 each (auto: the notebook 1, node 2 (ssh://lab@gpu2) advertises 4)");
    });

    test("the notebook image's CUDA is checked against the driver of each node a GPU notebook is pinned to", async () => {
        const image = "nvidia/cuda:12.4.1-base-ubuntu22.04";
        const drivers: Record<string, string> = { "ssh://lab@gpu2": "smi-470.256.02.txt", "ssh://lab@gpu3": "smi-550.54.15-two-gpus.txt" };
        const capacity = nodes([0, 1, 2]);
        const h: HostFacts = {
            runDocker: args =>
                args.includes("inspect")
                    ? { ok: true, stdout: fixture("image-config/nvidia-cuda-12.4.1-base.json") }
                    : capacity.runDocker(args),
            runHost: (engine, script) =>
                script === DRIVER_SCRIPT ? { ok: true, stdout: fixture(`nvidia-driver/${drivers[engine.host!]}`) } : undefined,
        };
        const r = await runWithMocks({ ...BASE, jupyterUsers: '["alice@2", "bob@3"]', jupyterBaseImage: image }, () =>
            loadSettings(undefined, {}, h),
        );
        expect(r.error?.message).toBe(
            configProblem(
                `dsenv:jupyterBaseImage: got "${image}", expected an image whose CUDA runs on the NVIDIA driver 470.256.02 (nvidia-smi on ssh://lab@gpu2) of the GPU host: ${image} is built for CUDA 12.4.1 (its CUDA_VERSION), which needs a driver >= 550.54.14. ` +
                    "Use a CUDA 11.4 image, or a driver >= 550.54.14 on that host",
            ),
        );
    });

    test("a count must fit each node with the notebooks pinned to it; all or devices cannot be reserved", async () => {
        const over = await stack({ jupyterUsers: '["alice@3", "bob@3"]', jupyterGpus: "2" }, [0, 1, 2]);
        expect(over.error?.message).toBe(
            configProblem(
                'dsenv:jupyterGpus: got "2", expected at most 1 GPUs per notebook: node 3 (ssh://lab@gpu3) advertises 2 NVIDIA-GPU for the 2 notebook(s) pinned to it, and a swarm reserves each GPU for one task (node 3 (ssh://lab@gpu3): 2 for 2 notebooks)',
            ),
        );
        const all = await stack({ jupyterGpus: "all" }, [0, 1, 2]);
        expect(all.error?.message).toBe(
            configProblem(
                'dsenv:jupyterGpus: got "all", expected a number of GPUs per notebook: a swarm reserves GPUs by count from what its nodes advertise (node 1 (unix:///run/lab/n1.sock): 0 for 1 notebook)',
            ),
        );
    });
});

describe("dsenv:jupyterGpus on the azure target: the VM size says", () => {
    const AZURE = {
        ...azureStackConfig(),
    };
    const noEngine = fakeHost(undefined);

    test("a GPU size: every GPU, without asking an engine that does not exist yet", async () => {
        const r = await settingsOf({ ...AZURE, azureVmSize: "Standard_NC4as_T4_v3" }, noEngine);
        expect([r.settings?.jupyter.gpus, r.settings?.jupyter.gpuChoice]).toEqual([
            "all",
            "all (auto: the VM size Standard_NC4as_T4_v3 has 1x T4 16 GB)",
        ]);
    });

    test("a size without GPUs: none by auto; a number is refused with the GPU sizes", async () => {
        const cpu = await settingsOf({ ...AZURE, azureVmSize: "Standard_D4s_v5" }, noEngine);
        expect([cpu.settings?.jupyter.gpus, cpu.settings?.jupyter.gpuChoice]).toEqual([
            undefined,
            "none (auto: the VM size Standard_D4s_v5 has no NVIDIA GPU)",
        ]);
        const asked = await settingsOf({ ...AZURE, azureVmSize: "Standard_D4s_v5", jupyterGpus: "1" }, noEngine);
        expect(asked.error).toContain('dsenv:azureVmSize: got "Standard_D4s_v5", expected a size with NVIDIA GPUs');
        expect(asked.error).toContain("because GPU workloads are enabled: dsenv:jupyterGpus");
    });

    test("several VMs: one GPU for each notebook from its VM's size", async () => {
        const r = await settingsOf(
            { ...AZURE, azureVmCount: "3", jupyterUsers: '["alice@1", "bob@2", "carol@2"]', azureVmSize: "Standard_NC4as_T4_v3" },
            noEngine,
        );
        expect(r.settings?.jupyter.users.map(u => u.gpus)).toEqual([{ count: 1 }, undefined, undefined]);
    });

    test("the driver branch the VMs get is checked against a CUDA image's version", async () => {
        const image = "nvidia/cuda:12.4.1-base-ubuntu22.04";
        const h = fakeHost(undefined, { images: { [image]: "nvidia-cuda-12.4.1-base.json" } });
        const r = await settingsOf({ ...AZURE, azureVmSize: "Standard_NC4as_T4_v3", jupyterBaseImage: image }, h);
        expect(r.error).toBeUndefined();
        expect(r.settings?.workloads.notices).toEqual([
            "dsenv:jupyterGpus is auto: all (auto: the VM size Standard_NC4as_T4_v3 has 1x T4 16 GB)",
        ]);
    });
});

async function envOf(container: Declared): Promise<Record<string, string>> {
    const envs = (await valueOf(container.props.envs)) as unknown[];
    const pairs = await Promise.all(envs.map(e => valueOf(e as string)));
    return Object.fromEntries(pairs.map(p => [p!.slice(0, p!.indexOf("=")), p!.slice(p!.indexOf("=") + 1)]));
}

describe("auto in a GPU workload's key (rstudioGpus, pytorchGpus, labGpus, auto by default) on the swarm and azure targets", () => {
    const AZURE = {
        ...azureStackConfig(),
    };
    const NODES = ["unix:///run/lab/n1.sock 10.0.0.11", "ssh://lab@gpu2 10.0.0.12"];
    const swarm = (capacity: number[]) => nodesAdvertising(NODES, capacity, { advertise: "count" });
    const SWARM = {
        target: "swarm",
        swarmNodes: JSON.stringify(NODES),
        registryServer: "http://10.0.0.11:5000",
        namePrefix: "p",
        pytorchEnabled: "true",
    };

    test("azure: every GPU of a GPU size on one VM, one GPU of the swarm's on several, none on a CPU size (no refusal)", async () => {
        const one = await settingsOf({ ...AZURE, azureVmSize: "Standard_NC4as_T4_v3", pytorchEnabled: "true" }, fakeHost(undefined));
        expect(one.settings?.workloads.pytorch?.gpus).toBe("all");
        const three = await settingsOf(
            { ...AZURE, azureVmSize: "Standard_NC4as_T4_v3", azureVmCount: "3", pytorchEnabled: "true" },
            fakeHost(undefined),
        );
        expect(three.settings?.workloads.pytorch?.gpus).toEqual({ count: 1 });
        const cpu = await settingsOf({ ...AZURE, azureVmSize: "Standard_D4s_v5", pytorchEnabled: "true" }, fakeHost(undefined));
        expect([cpu.error, cpu.settings?.workloads.pytorch?.gpus]).toEqual([undefined, undefined]);
        expect(cpu.settings?.workloads.notices).toContain(
            "dsenv:pytorchGpus is auto: none (the VM size Standard_D4s_v5 has no NVIDIA GPU)",
        );
    });

    test("swarm: one GPU, reserved where a node advertises one; none where no node does", async () => {
        const gpus = await settingsOf(SWARM, swarm([0, 2]));
        expect(gpus.settings?.workloads.pytorch?.gpus).toEqual({ count: 1 });
        const none = await settingsOf(SWARM, swarm([0, 0]));
        expect(none.settings?.workloads.pytorch?.gpus).toBeUndefined();
        expect(none.settings?.workloads.notices).toContain(
            "dsenv:pytorchGpus is auto: none (no node advertises an NVIDIA-GPU (node 1 (unix:///run/lab/n1.sock): 0, node 2 (ssh://lab@gpu2): 0))",
        );
    });
});
