import type { GpuRequest } from "../components/gpu";
import { enabledWorkloads, WORKLOADS, WorkloadKey, WorkloadSettings } from "../workloads";
import type { WorkloadDefinition } from "../workloads/definition";
import { checkNvidiaRuntime, gpuDeferredNotice, gpuMissingExpectation } from "./gpu-check";
import { HostFacts, THIS_HOST } from "./host-facts";
import { ConfigReader } from "./reader";
import { EngineSettings, Published } from "./settings";
import { WorkloadConfigKey } from "./workload-defaults";

// Reads the seeds' optional workloads, each from its definition in workloads/.

export type { HostFacts, WorkloadSettings };
export { THIS_HOST };
export { SHIPPED_APP_SOURCE, APP_MOUNT_POINTS } from "../workloads/app";

/**
 * Reads and checks every enabled workload's keys, recording problems on `read`.
 * GPU requests are checked against the engine's runtimes, unless the target
 * checks them otherwise (`checkEngineGpus` false: a swarm, by its nodes' capacity).
 */
export function readWorkloads(read: ConfigReader, engine: EngineSettings, host: HostFacts = THIS_HOST, checkEngineGpus = true): WorkloadSettings {
    const settings: WorkloadSettings = { notices: [] };
    for (const key of Object.keys(WORKLOADS) as WorkloadKey[]) {
        const definition = WORKLOADS[key] as WorkloadDefinition<unknown>;
        if (read.boolean(`${key}Enabled` as WorkloadConfigKey)) (settings as Record<string, unknown>)[key] = definition.read(read, { engine, host });
    }
    if (checkEngineGpus) checkGpus(read, engine, host, settings);
    return settings;
}

/** The published host ports, for checkHostPortsDistinct together with the core services'. */
export function workloadHostPorts(w: WorkloadSettings): [string, Published | undefined][] {
    return enabledWorkloads(w).flatMap(e => e.definition.published(e.settings));
}

/** The GPU keys of the enabled workloads that ask for GPUs, with what they ask for. */
export function gpuRequests(w: WorkloadSettings): [WorkloadConfigKey, GpuRequest][] {
    return enabledWorkloads(w)
        .map(e => e.definition.gpus(e.settings))
        .filter((g): g is [WorkloadConfigKey, GpuRequest] => g !== undefined && g[1] !== undefined);
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
