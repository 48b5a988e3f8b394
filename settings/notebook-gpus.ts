import type { GpuRequest } from "../components/gpu";
import { GPU_RESOURCE, gpusFlag } from "../components/gpu";
import type { WorkloadSettings } from "../workloads";
import { enabledWorkloads } from "../workloads";
import { gpuSize } from "../config/azure-gpu-sizes";
import type { AzureAksSettings, AzureSettings } from "../config/azure";
import { checkCudaAgainstDriver, DriverVersion, GpuImage, readDriverVersion } from "../config/cuda-check";
import { DEFAULTS } from "../config/defaults";
import { checkGpuPath, engineDescription, GpuCheck } from "../config/gpu-check";
import { gpusOrAutoProblem, parseGpus } from "../config/gpus";
import { autoOnEngine } from "../config/gpus-auto";
import { HostFacts } from "../config/host-facts";
import { KubeNodesAnswer } from "../config/kube-nodes";
import { autoOnCluster, checkKubeGpuRequests, clusterNodes } from "../config/kubernetes";
import { notebookBaseImage } from "../config/notebook-image";
import { pinnedCudaVersion } from "../config/notebook-images";
import { ConfigReader } from "../config/reader";
import { EngineSettings, JupyterSettings, NotebookUserSettings, Target } from "../config/settings";
import { gpuCapacity } from "../config/swarm";
import { checkGpus, gpuRequests } from "../workloads/read";

// dsenv:jupyterGpus: GPUs for every notebook, the workspace's and each user's,
// resolved per target: `auto` asks the engine (local), the VM size (azure) or
// what the swarm nodes advertise, and the stack says what it chose.

/** "auto", a request, or undefined for "" (no GPUs). */
export type NotebookGpuValue = "auto" | GpuRequest | undefined;

export function readNotebookGpus(read: ConfigReader): NotebookGpuValue {
    const value = read.string("jupyterGpus", gpusOrAutoProblem);
    return value === "auto" ? "auto" : parseGpus(value).request;
}

/** What each notebook gets, and what the stack says about it. */
export interface NotebookGpus {
    /** The workspace's notebook's (or, with users, the first user's that has GPUs: the image is then the CUDA one). */
    gpus?: GpuRequest;
    /** Each user's, in dsenv:jupyterUsers' order. */
    userGpus: (GpuRequest | undefined)[];
    /** E.g. `all (auto: the engine at the local socket gives GPUs through the nvidia runtime; driver 550.54.15)`. */
    choice: string;
}

/** Where the notebooks run, as far as their GPUs go. */
export type NotebookPlace =
    | { kind: "engine"; engine: EngineSettings; workloads: WorkloadSettings }
    | { kind: "azure"; azure: AzureSettings }
    /** The AKS GPU pool: GPUs as asked for; `auto` asks for none, so that the pool can scale to zero. */
    | { kind: "aks"; gpuPool: AzureAksSettings["gpuPool"] }
    | {
          kind: "swarm";
          nodeNames: string[];
          nodeEngines: EngineSettings[];
          dataNode: number;
          capacity: () => (number | undefined)[];
          where: string;
      }
    /** A Kubernetes cluster: a notebook's GPUs come from whichever node can give them. */
    | { kind: "kubernetes"; gpus: () => KubeNodesAnswer }
    | { kind: "none"; why: string };

/** The images that run with GPUs and where to look at them, for the CUDA check. */
export interface CudaCheckArgs {
    /** The engine that builds the notebook image (and has its base image, once pulled). */
    buildEngine: EngineSettings;
    /** The notebook image's base when notebooks have GPUs (the default's CUDA variant). */
    jupyterBaseImage: string;
    /** The CUDA an image is built for, where a pinned table knows it (the default images). */
    knownCuda?: (image: string) => string | undefined;
}

/**
 * Resolves dsenv:jupyterGpus for the target; records refusals on `read` and
 * what it decided (for `auto`) in `notices`. On one engine the engine is asked
 * once, for the notebooks and the GPU workloads together.
 */
export function resolveNotebookGpus(
    read: ConfigReader,
    value: NotebookGpuValue,
    users: NotebookUserSettings[],
    place: NotebookPlace,
    host: HostFacts,
    notices: string[],
    cuda?: CudaCheckArgs,
    hub = false,
): NotebookGpus {
    const same = (gpus: GpuRequest | undefined, choice: string): NotebookGpus => ({ gpus, userGpus: users.map(() => gpus), choice });
    const explicit = value === "auto" ? undefined : value;
    const said = (g: GpuRequest | undefined) => (g === undefined ? "none" : gpusFlag(g)!);
    let result: NotebookGpus;
    let driver: DriverVersion | undefined;
    switch (place.kind) {
        case "none":
            return same(undefined, `none (${place.why})`);
        case "aks":
            return value === "auto"
                ? same(
                      undefined,
                      `none (auto: a notebook with GPUs would keep a node of the AKS GPU pool (${place.gpuPool.vmSize}) running; ask for them with dsenv:jupyterGpus)`,
                  )
                : same(explicit, value === undefined ? 'none (dsenv:jupyterGpus is "")' : `${said(explicit)} (dsenv:jupyterGpus)`);
        case "engine": {
            const { engine, workloads } = place;
            const check =
                checkGpus(read, engine, host, workloads, explicit ? [["jupyterGpus", explicit]] : []) ??
                (value === "auto" ? checkGpuPath(engine, host.runDocker, host.runHost) : undefined);
            if (value !== "auto") {
                result = same(explicit, value === undefined ? 'none (dsenv:jupyterGpus is "")' : `${said(explicit)} (dsenv:jupyterGpus)`);
            } else {
                const auto = autoOnEngine(engine, check!, host);
                driver = auto.driver;
                result = same(auto.gpus, `${said(auto.gpus)} (auto: ${auto.why})`);
            }
            if (cuda && check?.kind !== "missing") {
                const images = gpuImages(result.gpus !== undefined || result.userGpus.some(g => g), workloads, cuda, engine);
                if (images.length)
                    checkCudaAgainstDriver(read, images, driver ?? readDriverVersion(engine, host.runHost), host.runDocker, notices);
            }
            break;
        }
        case "kubernetes": {
            if (value === "auto") {
                const auto = autoOnCluster(place.gpus());
                result = same(auto.gpus, `${said(auto.gpus)} per notebook (auto: ${auto.why})`);
            } else {
                if (explicit) checkKubeGpuRequests(read, [["jupyterGpus", explicit]], place.gpus, notices, " per notebook");
                result = same(
                    explicit,
                    value === undefined ? 'none (dsenv:jupyterGpus is "")' : `${said(explicit)} per notebook (dsenv:jupyterGpus)`,
                );
            }
            break;
        }
        case "azure": {
            const size = gpuSize(place.azure.vm.size);
            if (place.azure.swarm) {
                const perVm = size?.gpus ?? 0;
                result = onSwarm(
                    read,
                    value,
                    users,
                    place.azure.swarm.dataNode,
                    () => perVm,
                    (i: number) => `VM ${i + 1}`,
                    `${place.azure.vm.size}: ${perVm} each`,
                    notices,
                    hub,
                );
            } else if (value !== "auto") {
                result = same(explicit, value === undefined ? 'none (dsenv:jupyterGpus is "")' : `${said(explicit)} (dsenv:jupyterGpus)`);
            } else {
                result = size
                    ? same("all", `all (auto: the VM size ${size.size} has ${size.gpus}x ${size.gpu})`)
                    : same(undefined, `none (auto: the VM size ${place.azure.vm.size} has no NVIDIA GPU)`);
            }
            // The VMs get the driver branch of the size table; the images are looked at where they are built.
            if (cuda && size) {
                const images = gpuImages(result.gpus !== undefined || result.userGpus.some(g => g), undefined, cuda, cuda.buildEngine);
                const branch: DriverVersion = {
                    kind: "found",
                    version: size.driver.branch,
                    source: `the R${size.driver.branch} branch dsenv installs on ${size.size}`,
                };
                if (images.length) checkCudaAgainstDriver(read, images, branch, host.runDocker, notices);
            }
            break;
        }
        case "swarm": {
            // Asked only when a notebook may want GPUs.
            result = onSwarm(
                read,
                value,
                users,
                place.dataNode,
                i => place.capacity()[i],
                i => place.nodeNames[i],
                place.where,
                notices,
                hub,
            );
            // The notebook image against the driver of each node a GPU notebook is pinned to.
            const gpuNodes = new Set(
                users.length
                    ? users.flatMap((u, i) => (result.userGpus[i] ? [u.node ?? place.dataNode] : []))
                    : result.gpus
                      ? [place.dataNode]
                      : [],
            );
            const images = cuda && gpuNodes.size ? gpuImages(true, undefined, cuda, cuda.buildEngine) : [];
            for (const n of gpuNodes)
                if (images.length)
                    checkCudaAgainstDriver(read, images, readDriverVersion(place.nodeEngines[n], host.runHost), host.runDocker, notices);
            break;
        }
    }
    if (value === "auto") notices.push(`dsenv:jupyterGpus is auto: ${result.choice}`);
    return result;
}

/**
 * On a swarm a notebook's GPUs are a reservation of its node's NVIDIA-GPU
 * resources, and every notebook is pinned (the workspace's to the data node,
 * each user's to theirs), so a request must fit its node with the other
 * notebooks there. `auto` reserves one GPU per notebook where its node
 * advertises at least one per notebook pinned to it: a reservation is
 * exclusive, so one each leaves the rest of the node to GPU workloads, and a
 * node with fewer GPUs than notebooks would leave some notebooks pending.
 */
function onSwarm(
    read: ConfigReader,
    value: NotebookGpuValue,
    users: NotebookUserSettings[],
    dataNode: number,
    capacityOf: (node: number) => number | undefined,
    nodeName: (i: number) => string,
    where: string,
    notices: string[],
    hub: boolean,
): NotebookGpus {
    const nodes = users.length ? users.map(u => u.node ?? dataNode) : [dataNode];
    const capacity: Record<number, number | undefined> = {};
    if (value !== undefined) for (const n of new Set(nodes)) capacity[n] = capacityOf(n);
    // A hub's servers run only while used, and one that finds its node's GPUs taken is refused at spawn:
    // each request need only fit its node alone, where always-on notebooks must fit it together.
    const sharing = (node: number) => (hub ? 1 : nodes.filter(n => n === node).length);
    const listing = [...new Set(nodes)]
        .map(n => `${nodeName(n)}: ${capacity[n] ?? "did not answer"} for ${sharing(n)} notebook${sharing(n) > 1 ? "s" : ""}`)
        .join(", ");
    let per: (GpuRequest | undefined)[];
    let choice: string;
    if (value === undefined) {
        per = nodes.map(() => undefined);
        choice = 'none (dsenv:jupyterGpus is "")';
    } else if (value !== "auto") {
        if (value === "all" || !("count" in value)) {
            read.reject(
                "jupyterGpus",
                read.string("jupyterGpus"),
                `a number of GPUs per notebook: a swarm reserves GPUs by count from what its nodes advertise (${listing})`,
            );
        } else {
            for (const n of new Set(nodes)) {
                const c = capacity[n];
                if (c === undefined)
                    notices.push(
                        `dsenv:jupyterGpus: ${value.count} GPUs per notebook; ${nodeName(n)} did not say what it advertises (${where}), so the swarm decides at deploy time`,
                    );
                else if (value.count * sharing(n) > c) {
                    read.reject(
                        "jupyterGpus",
                        read.string("jupyterGpus"),
                        `at most ${Math.floor(c / sharing(n))} GPUs per notebook: ${nodeName(n)} advertises ${c} ${GPU_RESOURCE} for the ${sharing(n)} notebook(s) pinned to it, and a swarm reserves each GPU for one task (${listing})`,
                    );
                }
            }
        }
        per = nodes.map(() => value);
        choice = `${gpusFlag(value)} per notebook (dsenv:jupyterGpus; ${listing})`;
    } else {
        per = nodes.map(n => ((capacity[n] ?? 0) >= sharing(n) ? { count: 1 } : undefined));
        const reasons = nodes.map((n, i) => {
            const c = capacity[n];
            if (per[i]) return `${nodeName(n)} advertises ${c}`;
            return c === undefined
                ? `${nodeName(n)} did not say what it advertises`
                : c === 0
                  ? `${nodeName(n)} advertises no ${GPU_RESOURCE}`
                  : `${nodeName(n)} advertises ${c} for ${sharing(n)} notebooks`;
        });
        const names = users.length ? users.map(u => u.name) : ["the notebook"];
        const all = per.every(p => p) ? "1 each" : per.every(p => !p) ? "none" : "per notebook";
        choice = `${all} (auto: ${names.map((name, i) => `${name} ${per[i] ? "1" : "none"}, ${reasons[i]}`).join("; ")})`;
    }
    return { gpus: per.find(p => p !== undefined), userGpus: users.length ? per : [], choice };
}

/** The images that will run with GPUs: the notebook's base (where notebooks have GPUs) and the GPU workloads'. */
function gpuImages(
    notebooksHaveGpus: boolean,
    workloads: WorkloadSettings | undefined,
    cuda: CudaCheckArgs,
    runEngine: EngineSettings,
): GpuImage[] {
    const images: GpuImage[] = [];
    if (notebooksHaveGpus)
        images.push({
            imageKey: "jupyterBaseImage",
            gpuKey: "jupyterGpus",
            image: cuda.jupyterBaseImage,
            engine: cuda.buildEngine,
            knownCuda: cuda.knownCuda?.(cuda.jupyterBaseImage),
        });
    if (workloads) {
        const gpuKeys = new Map(gpuRequests(workloads).map(([key]) => [key.replace(/Gpus$/, ""), key]));
        for (const w of enabledWorkloads(workloads)) {
            const gpuKey = gpuKeys.get(w.key);
            const s = w.settings as { image?: string; baseImage?: string };
            if (!gpuKey) continue;
            // pytorchImage runs as it is; rstudio and lab are built on their base image.
            const [imageKey, image] = s.image ? [`${w.key}Image`, s.image] : [`${w.key}BaseImage`, s.baseImage];
            if (image && imageKey in DEFAULTS)
                images.push({
                    imageKey,
                    gpuKey,
                    image,
                    engine: s.image ? runEngine : cuda.buildEngine,
                    knownCuda: cuda.knownCuda?.(image),
                });
        }
    }
    return images;
}

/** Where a stack's notebooks run, for resolveNotebookGpus. */
export function notebookPlace(target: Target, engine: EngineSettings, workloads: WorkloadSettings, host: HostFacts): NotebookPlace {
    switch (target.kind) {
        case "local":
            return { kind: "engine", engine, workloads };
        case "azure":
            return target.azure.runsOn === "aks"
                ? { kind: "aks", gpuPool: target.azure.aks.gpuPool }
                : { kind: "azure", azure: target.azure };
        case "swarm": {
            const nodes = target.swarm.nodes;
            let asked: (number | undefined)[] | undefined;
            const capacity = () => (asked ??= gpuCapacity(nodes, host.runDocker));
            return {
                kind: "swarm",
                nodeNames: nodes.map((n, i) => `node ${i + 1} (${n.engine.host})`),
                nodeEngines: nodes.map(n => ({
                    host: n.engine.host,
                    sshOpts: n.engine.sshOpts,
                    isLocal: n.engine.host.startsWith("unix://"),
                })),
                dataNode: target.swarm.dataNode,
                capacity,
                where: `${GPU_RESOURCE} generic resources`,
            };
        }
        case "kubernetes":
            return { kind: "kubernetes", gpus: clusterNodes(target.kubernetes, host) };
        case "ci-push":
            return { kind: "none", why: "the ci-push target runs no notebook" };
    }
}

/** The notebook settings with dsenv:jupyterGpus resolved for each notebook. */
export function withNotebookGpus(
    read: ConfigReader,
    jupyter: Omit<JupyterSettings, "gpus" | "gpuChoice">,
    value: NotebookGpuValue,
    place: NotebookPlace,
    host: HostFacts,
    notices: string[],
    buildEngine: EngineSettings,
): JupyterSettings {
    const cuda = { buildEngine, jupyterBaseImage: notebookBaseImage(jupyter.baseImage, true), knownCuda: pinnedCudaVersion };
    const r = resolveNotebookGpus(read, value, jupyter.users, place, host, notices, cuda, jupyter.hub !== undefined);
    // One image for every notebook: the CUDA one when any of them has GPUs.
    const anyGpus = r.gpus !== undefined || r.userGpus.some(g => g !== undefined);
    return {
        ...jupyter,
        baseImage: notebookBaseImage(jupyter.baseImage, anyGpus),
        users: jupyter.users.map((u, i) => ({ ...u, gpus: r.userGpus[i] })),
        gpus: r.gpus,
        gpuChoice: r.choice,
    };
}
