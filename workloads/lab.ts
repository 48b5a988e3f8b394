import type { GpuRequest } from "../components/gpu";
import { SharedLab } from "../components/workloads/lab";
import { HostFacts } from "../config/host-facts";
import { ConfigReader } from "../config/reader";
import * as rules from "../config/rules";
import { EngineSettings, Published, WorkDir } from "../config/settings";
import { WorkloadConfigKey } from "../config/workload-defaults";
import { readDirOrVolume, readGpus, readPublish } from "../config/workload-readers";
import type { AutoGpus } from "../config/gpus-auto";
import * as workloadRules from "../config/workload-rules";
import { WorkloadDefinition } from "./definition";

// The shared-lab GPU environment with the host user's uid/gid.

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

function readLab(read: ConfigReader, engine: EngineSettings, host: HostFacts, autoGpus: AutoGpus): LabSettings {
    const proxy = (key: WorkloadConfigKey) => read.string(key, v => (v === "" ? undefined : workloadRules.httpUrl(v))) || undefined;
    const proxies = { httpProxy: proxy("labHttpProxy"), httpsProxy: proxy("labHttpsProxy"), pipProxy: proxy("labPipProxy") };
    if (Object.values(proxies).every(p => p === undefined))
        read.rejectOrphan("labProxyAtRuntime", "no proxy is set (dsenv:labHttpProxy, dsenv:labHttpsProxy, dsenv:labPipProxy)");
    return {
        baseImage: read.string("labBaseImage", rules.imageRef),
        uid: readLabId(read, "labUid", engine, host.user?.uid),
        gid: readLabId(read, "labGid", engine, host.user?.gid),
        workspaceDir: readDirOrVolume(read, "labWorkspaceDir", engine),
        publish: readPublish(read, "labHostPort", "labHostIp"),
        gpus: readGpus(read, "labGpus", autoGpus),
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
        read.reject(
            key,
            value,
            `the ${what} that owns dsenv:labWorkspaceDir on the engine's host (-1 means the ${what} of the user running pulumi, which only fits a local engine)`,
        );
        return 0;
    }
    if (own === undefined || own === 0) {
        read.reject(
            key,
            value,
            `an explicit ${what} from 1 to 2147483647 (-1 means the ${what} of the user running pulumi, which is ${own === 0 ? "0 (root)" : "unknown on this OS"})`,
        );
        return 0;
    }
    return own;
}

export const lab: WorkloadDefinition<LabSettings> = {
    key: "lab",
    read: (read, ctx) => readLab(read, ctx.engine, ctx.host, ctx.autoGpus),
    published: s => [["labHostPort", s.publish]],
    gpus: s => ["labGpus", s.gpus],
    deploy(s, ctx) {
        const w = new SharedLab("lab", { ...ctx, ...s });
        return { labUrl: w.url, labLoginUrl: w.loginUrl, labToken: w.token, labContainer: w.containerName, labHostPort: w.hostPort };
    },
};
