import type { GpuRequest } from "../components/gpu";
import { gpusOrAutoProblem, parseGpus } from "./gpus";
import { readWorkDir } from "./host-paths";
import { ConfigReader } from "./reader";
import * as rules from "./rules";
import { EngineSettings, Published, WorkDir } from "./settings";
import { WorkloadConfigKey } from "./workload-defaults";
import type { AutoGpus } from "./gpus-auto";

// Readers the workloads' keys share (workloads/*.ts).

export function readPublish(read: ConfigReader, portKey: WorkloadConfigKey, ipKey: WorkloadConfigKey): Published {
    return { hostPort: read.integer(portKey, rules.port), hostIp: read.string(ipKey, rules.hostIp) };
}

/** A GPU key: `auto` as the stack's place resolves it (config/gpus-auto.ts); an invalid value counts as no GPUs, so the engine is not asked about it too. */
export function readGpus(read: ConfigReader, key: WorkloadConfigKey, auto: AutoGpus): GpuRequest | undefined {
    const value = read.string(key, gpusOrAutoProblem);
    return value === "auto" ? auto(key) : parseGpus(value).request;
}

/** "" is a named volume (kept on destroy); a path must be an existing directory where the engine runs. */
export function readDirOrVolume(read: ConfigReader, key: WorkloadConfigKey, engine: EngineSettings): WorkDir {
    const value = read.string(key, v => (v === "" ? undefined : rules.hostPath(v)));
    return readWorkDir(read, key, value, true, engine);
}
