import type { GpuRequest } from "../components/gpu";
import { enabledWorkloads, WORKLOADS, WorkloadKey, WorkloadSettings } from "./index";
import type { WorkloadDefinition } from "./definition";
import { checkGpuPath, GpuCheck, gpuDeferredNotice, gpuMissingExpectation } from "../config/gpu-check";
import { HostFacts, THIS_HOST } from "../config/host-facts";
import type { ConfigKey } from "../config/defaults";
import { ConfigReader } from "../config/reader";
import { EngineSettings, Published } from "../config/settings";
import { WorkloadConfigKey } from "../config/workload-defaults";
import { autoWorkloadGpus, WorkloadGpuPlace } from "../config/gpus-auto";

// Reads the optional workloads, each from its definition in workloads/.

export type { HostFacts, WorkloadSettings };
export { THIS_HOST };
export { SHIPPED_APP_SOURCE, APP_MOUNT_POINTS } from "./app";

/**
 * Reads and checks every enabled workload's keys, recording problems on `read`.
 * GPU requests are checked against the engine's runtimes, unless the target
 * checks them otherwise (`checkEngineGpus` false: a swarm, by its nodes' capacity);
 * `auto` in a GPU key is resolved for `gpuPlace`, where the workloads run.
 */
export function readWorkloads(
    read: ConfigReader,
    engine: EngineSettings,
    host: HostFacts = THIS_HOST,
    checkEngineGpus = true,
    gpuPlace: WorkloadGpuPlace = { kind: "engine", engine },
): WorkloadSettings {
    const settings: WorkloadSettings = { notices: [] };
    const autoGpus = autoWorkloadGpus(gpuPlace, host, settings.notices);
    for (const key of Object.keys(WORKLOADS) as WorkloadKey[]) {
        const definition = WORKLOADS[key] as WorkloadDefinition<unknown>;
        if (read.boolean(`${key}Enabled` as WorkloadConfigKey))
            (settings as Record<string, unknown>)[key] = definition.read(read, { engine, host, autoGpus });
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

/** Asks the engine once, if any enabled workload wants GPUs; returns what it said (undefined: not asked). */
export function checkGpus(
    read: ConfigReader,
    engine: EngineSettings,
    host: HostFacts,
    w: WorkloadSettings,
    also: [ConfigKey, GpuRequest][] = [],
): GpuCheck | undefined {
    const wanting: [ConfigKey, GpuRequest][] = [...gpuRequests(w), ...also];
    if (wanting.length === 0) return undefined;
    const check = checkGpuPath(engine, host.runDocker, host.runHost);
    reportGpuCheck(
        read,
        engine,
        check,
        wanting.map(([key]) => key),
        w.notices,
    );
    return check;
}

/** A refusal for each key asking for GPUs on an engine without a GPU path; a notice where the engine could not say. */
export function reportGpuCheck(read: ConfigReader, engine: EngineSettings, check: GpuCheck, keys: ConfigKey[], notices: string[]): void {
    if (keys.length === 0) return;
    if (check.kind === "missing") {
        for (const key of keys) read.reject(key, read.string(key), gpuMissingExpectation(engine, check.looked, read.key(key)));
    } else if (check.kind === "deferred") {
        notices.push(
            gpuDeferredNotice(
                engine,
                check.reason,
                keys.map(key => read.key(key)),
            ),
        );
    }
}
