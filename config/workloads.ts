import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { GpuRequest } from "../components/gpu";
import { parseEnvFile, splitSecretEnv } from "./env-file";
import { checkNvidiaRuntime, DockerRunner, gpuDeferredNotice, gpuMissingExpectation, runDockerCli } from "./gpu-check";
import { parseGpus } from "./gpus";
import { expandHome, hostDir, notADirectory, readTextFile, readWorkDir } from "./host-paths";
import { ConfigReader } from "./reader";
import * as rules from "./rules";
import { EngineSettings, Published, WorkDir } from "./settings";
import { WorkloadConfigKey } from "./workload-defaults";
import * as workloadRules from "./workload-rules";

// The validated settings of the seeds' other workloads. Each is undefined
// unless its `...Enabled` key is true; nothing here is raw config.

export interface RStudioSettings {
    baseImage: string;
    rstudioVersion: string;
    /** The RStudio Server .deb for rstudioVersion and the base image's Ubuntu release. */
    downloadUrl: string;
    projectDir: WorkDir;
    publish: Published;
    gpus?: GpuRequest;
}

export interface PyTorchSettings {
    image: string;
    gpus?: GpuRequest;
    shmSizeMb: number;
    homeDir: WorkDir;
    command: string[];
}

export interface LabSettings {
    baseImage: string;
    uid: number;
    gid: number;
    workspaceDir: WorkDir;
    publish: Published;
    gpus?: GpuRequest;
    proxy: { httpProxy?: string; httpsProxy?: string; pipProxy?: string };
    proxyAtRuntime: boolean;
    aptPackages: string[];
    pipPackages: string[];
}

export type SiteContent =
    /** A host directory served read-only (edits show at once). */
    | { kind: "bind"; hostPath: string }
    /** The site in images/site, copied into an image with the seed's labels. */
    | { kind: "image"; maintainer: string; version: string; description: string };

export interface SiteSettings {
    /** The httpd image served from, or the base of the built site image. */
    image: string;
    content: SiteContent;
    publish: Published;
}

export interface AppSettings {
    baseImage: string;
    /** Absolute path of the app's source on the engine's host, bound read-only at /app. */
    sourceDir: string;
    env: Record<string, string>;
    secretEnv: Record<string, pulumi.Output<string>>;
    publish: Published;
    keepFeedbackOnDestroy: boolean;
}

export interface WorkloadSettings {
    rstudio?: RStudioSettings;
    pytorch?: PyTorchSettings;
    lab?: LabSettings;
    site?: SiteSettings;
    app?: AppSettings;
    /** Things to tell the user at preview (e.g. a GPU check left to deploy time). */
    notices: string[];
}

/** What readWorkloads needs from the machine running Pulumi; tests pass fakes. */
export interface HostFacts {
    runDocker: DockerRunner;
    /** uid and gid of the user running pulumi; undefined where the OS has none. */
    user?: { uid: number; gid: number };
}

export const THIS_HOST: HostFacts = {
    runDocker: runDockerCli,
    user: process.getuid && process.getgid ? { uid: process.getuid(), gid: process.getgid() } : undefined,
};

/** Directories the app's source must contain: the volumes are mounted over them, inside the read-only /app. */
export const APP_MOUNT_POINTS = ["feedback", "node_modules"];

/** The app's source as shipped with the project (images/feedback-app). */
export const SHIPPED_APP_SOURCE = path.join(__dirname, "..", "images", "feedback-app");

/** Reads and checks every workload key, recording problems on `read`. */
export function readWorkloads(read: ConfigReader, engine: EngineSettings, host: HostFacts = THIS_HOST): WorkloadSettings {
    const settings: WorkloadSettings = {
        rstudio: read.boolean("rstudioEnabled") ? readRStudio(read, engine) : undefined,
        pytorch: read.boolean("pytorchEnabled") ? readPyTorch(read, engine) : undefined,
        lab: read.boolean("labEnabled") ? readLab(read, engine, host) : undefined,
        site: read.boolean("siteEnabled") ? readSite(read, engine) : undefined,
        app: read.boolean("appEnabled") ? readApp(read, engine) : undefined,
        notices: [],
    };
    checkGpus(read, engine, host, settings);
    return settings;
}

/** The published host ports, for checkHostPortsDistinct together with the core services'. */
export function workloadHostPorts(w: WorkloadSettings): [string, Published | undefined][] {
    return [
        ["rstudioHostPort", w.rstudio?.publish],
        ["labHostPort", w.lab?.publish],
        ["siteHostPort", w.site?.publish],
        ["appHostPort", w.app?.publish],
    ];
}

function readPublish(read: ConfigReader, portKey: WorkloadConfigKey, ipKey: WorkloadConfigKey): Published {
    return { hostPort: read.integer(portKey, rules.port), hostIp: read.string(ipKey, rules.hostIp) };
}

/** An invalid value counts as no GPUs, so the engine is not asked about it too. */
function readGpus(read: ConfigReader, key: WorkloadConfigKey): GpuRequest | undefined {
    return parseGpus(read.string(key, v => parseGpus(v).problem)).request;
}

/** "" is a named volume (kept on destroy); a path must be an existing directory where the engine runs. */
function readDirOrVolume(read: ConfigReader, key: WorkloadConfigKey, engine: EngineSettings): WorkDir {
    const value = read.string(key, v => (v === "" ? undefined : rules.hostPath(v)));
    return readWorkDir(read, key, value, true, engine);
}

function readRStudio(read: ConfigReader, engine: EngineSettings): RStudioSettings {
    const downloadUrl = read.string("rstudioDownloadUrl", v =>
        v === "" ? "the http(s) URL of the rstudio-server .deb for dsenv:rstudioVersion and the base image's Ubuntu release (see docs/workloads.md)" : workloadRules.httpUrl(v),
    );
    return {
        baseImage: read.string("rstudioBaseImage", rules.imageRef),
        rstudioVersion: read.string("rstudioVersion", workloadRules.rstudioVersion),
        downloadUrl,
        projectDir: readDirOrVolume(read, "rstudioProjectDir", engine),
        publish: readPublish(read, "rstudioHostPort", "rstudioHostIp"),
        gpus: readGpus(read, "rstudioGpus"),
    };
}

function readPyTorch(read: ConfigReader, engine: EngineSettings): PyTorchSettings {
    const before = read.problems.length;
    const command = read.strings("pytorchCommand", v => (v === "" ? "a list of non-empty strings" : undefined));
    if (command.length === 0 && read.problems.length === before) read.reject("pytorchCommand", command, 'a non-empty command, e.g. ["sleep", "infinity"]');
    return {
        image: read.string("pytorchImage", rules.imageRef),
        gpus: readGpus(read, "pytorchGpus"),
        shmSizeMb: read.integer("pytorchShmSizeMb", workloadRules.shmSizeMb),
        homeDir: readDirOrVolume(read, "pytorchHomeDir", engine),
        command,
    };
}

function readLab(read: ConfigReader, engine: EngineSettings, host: HostFacts): LabSettings {
    const proxy = (key: WorkloadConfigKey) => read.string(key, v => (v === "" ? undefined : workloadRules.httpUrl(v))) || undefined;
    const proxies = { httpProxy: proxy("labHttpProxy"), httpsProxy: proxy("labHttpsProxy"), pipProxy: proxy("labPipProxy") };
    if (Object.values(proxies).every(p => p === undefined)) read.rejectOrphan("labProxyAtRuntime", "no proxy is set (dsenv:labHttpProxy, dsenv:labHttpsProxy, dsenv:labPipProxy)");
    return {
        baseImage: read.string("labBaseImage", rules.imageRef),
        uid: readLabId(read, "labUid", engine, host.user?.uid),
        gid: readLabId(read, "labGid", engine, host.user?.gid),
        workspaceDir: readDirOrVolume(read, "labWorkspaceDir", engine),
        publish: readPublish(read, "labHostPort", "labHostIp"),
        gpus: readGpus(read, "labGpus"),
        proxy: proxies,
        proxyAtRuntime: read.boolean("labProxyAtRuntime"),
        aptPackages: read.strings("labAptPackages", workloadRules.aptPackage),
        pipPackages: read.strings("labPipPackages", workloadRules.pipRequirement),
    };
}

/**
 * -1 is the id of the user running pulumi, so files the lab writes on the host
 * directory belong to that user. That only fits when the engine runs here, and
 * never when that user is root.
 */
function readLabId(read: ConfigReader, key: "labUid" | "labGid", engine: EngineSettings, own: number | undefined): number {
    const value = read.integer(key, workloadRules.labId);
    if (value !== -1) return value;
    const what = key === "labUid" ? "uid" : "gid";
    if (!engine.isLocal) {
        read.reject(key, value, `the ${what} that owns dsenv:labWorkspaceDir on the engine's host (-1 means the ${what} of the user running pulumi, which only fits a local engine)`);
        return 0;
    }
    if (own === undefined || own === 0) {
        read.reject(key, value, `an explicit ${what} from 1 to 2147483647 (-1 means the ${what} of the user running pulumi, which is ${own === 0 ? "0 (root)" : "unknown on this OS"})`);
        return 0;
    }
    return own;
}

function readSite(read: ConfigReader, engine: EngineSettings): SiteSettings {
    const source = read.string("siteSource", rules.oneOf(["bind", "image"]));
    const dir = read.string("siteDir", v => (source !== "bind" && v === "" ? undefined : rules.hostPath(v)));
    const label = (key: WorkloadConfigKey) => read.string(key, workloadRules.labelText);
    if (source === "image") read.rejectOrphan("siteDir", 'dsenv:siteSource is "image" (the site is built from images/site)');
    if (source === "bind") for (const key of ["siteMaintainer", "siteVersion", "siteDescription"] as const) read.rejectOrphan(key, 'dsenv:siteSource is "bind" (labels belong to a built image)');
    const content: SiteContent =
        source === "image"
            ? { kind: "image", maintainer: label("siteMaintainer"), version: label("siteVersion"), description: label("siteDescription") }
            : { kind: "bind", hostPath: hostDir(read, "siteDir", dir, engine) };
    return { image: read.string("siteImage", rules.imageRef), content, publish: readPublish(read, "siteHostPort", "siteHostIp") };
}

function readApp(read: ConfigReader, engine: EngineSettings): AppSettings {
    const configured = read.string("appSourceDir", v => (v === "" ? undefined : rules.hostPath(v)));
    let sourceDir = SHIPPED_APP_SOURCE;
    if (configured !== "") {
        sourceDir = hostDir(read, "appSourceDir", configured, engine);
    } else if (!engine.isLocal) {
        read.reject("appSourceDir", configured, "the app's source directory on the engine's host (the shipped images/feedback-app is only on this machine)");
    }
    // Only looked at: the shipped source has both in git, a user's source gets the command to make them.
    if (engine.isLocal && notADirectory(sourceDir) === undefined) {
        const missing = APP_MOUNT_POINTS.filter(d => notADirectory(path.join(sourceDir, d)) !== undefined);
        if (missing.length > 0) {
            read.reject("appSourceDir", configured, `a directory that has ${APP_MOUNT_POINTS.map(d => `${d}/`).join(" and ")} in it (Docker cannot create mount points inside a read-only bind mount; mkdir ${missing.map(d => path.join(sourceDir, d)).join(" ")})`);
        }
    }
    const { env, secretEnv } = readEnvFile(read);
    return {
        baseImage: read.string("appBaseImage", rules.imageRef),
        sourceDir,
        env,
        secretEnv,
        publish: readPublish(read, "appHostPort", "appHostIp"),
        keepFeedbackOnDestroy: read.boolean("appKeepFeedback"),
    };
}

/** The .env file is read here, on the machine running Pulumi, whatever the engine. */
function readEnvFile(read: ConfigReader): Pick<AppSettings, "env" | "secretEnv"> {
    const file = read.string("appEnvFile");
    const secretKeys = read.strings("appSecretEnvKeys", workloadRules.envName);
    if (file === "") {
        if (secretKeys.length > 0) read.reject("appSecretEnvKeys", secretKeys, "[] while dsenv:appEnvFile is empty");
        return { env: {}, secretEnv: {} };
    }
    const full = path.resolve(expandHome(file));
    const contents = readTextFile(full, "file of KEY=VALUE lines");
    if ("problem" in contents) {
        read.reject("appEnvFile", file, contents.problem);
        return { env: {}, secretEnv: {} };
    }
    const parsed = parseEnvFile(contents.text);
    if (parsed.errors.length > 0) read.reject("appEnvFile", file, `a file in Docker's --env-file format (${shortList(parsed.errors)})`);
    for (const key of secretKeys.filter(name => workloadRules.envName(name) === undefined)) {
        if (!(key in parsed.entries)) read.reject("appSecretEnvKeys", key, `a key that dsenv:appEnvFile (${full}) defines`);
    }
    return splitSecretEnv(parsed.entries, secretKeys);
}

/** The first few problems of a long list: a binary file would otherwise fill the screen. */
function shortList(items: string[], max = 5): string {
    return items.length <= max ? items.join("; ") : `${items.slice(0, max).join("; ")}; and ${items.length - max} more`;
}

/** The GPU keys of the enabled workloads that ask for GPUs, with what they ask for. */
export function gpuRequests(w: WorkloadSettings): [WorkloadConfigKey, GpuRequest][] {
    const wanting: [WorkloadConfigKey, GpuRequest][] = [];
    if (w.rstudio?.gpus) wanting.push(["rstudioGpus", w.rstudio.gpus]);
    if (w.pytorch?.gpus) wanting.push(["pytorchGpus", w.pytorch.gpus]);
    if (w.lab?.gpus) wanting.push(["labGpus", w.lab.gpus]);
    return wanting;
}

/** Asks the engine once, if any enabled workload wants GPUs. */
function checkGpus(read: ConfigReader, engine: EngineSettings, host: HostFacts, w: WorkloadSettings): void {
    const wanting = gpuRequests(w);
    if (wanting.length === 0) return;
    const check = checkNvidiaRuntime(engine, host.runDocker);
    if (check.kind === "missing") {
        for (const [key] of wanting) read.reject(key, read.string(key), gpuMissingExpectation(engine, check.runtimes, read.key(key)));
    } else if (check.kind === "deferred") {
        w.notices.push(gpuDeferredNotice(engine, check.reason, wanting.map(([key]) => read.key(key))));
    }
}
