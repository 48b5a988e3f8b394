import * as pulumi from "@pulumi/pulumi";
import type { GpuRequest } from "../components/gpu";
import type { Runtime } from "../components/runtime";
import type { HostFacts } from "../config/host-facts";
import type { ConfigReader } from "../config/reader";
import type { EngineSettings, Published } from "../config/settings";
import type { WorkloadConfigKey } from "../config/workload-defaults";
import type { AutoGpus } from "../config/gpus-auto";

/** What reading a workload's keys may need to know. */
export interface ReadContext {
    /** The engine its containers run on (its host paths are checked only where that is here). */
    engine: EngineSettings;
    host: HostFacts;
    /** What `auto` in a GPU key comes to where the stack runs (config/gpus-auto.ts). */
    autoGpus: AutoGpus;
}

/** What declaring a workload needs. */
export interface DeployContext {
    runtime: Runtime;
    namePrefix: string;
}

/** A workload's stack outputs; secrets are secret Outputs. */
export type WorkloadOutputs = Record<string, pulumi.Output<unknown> | number>;

/**
 * One optional workload, whole: how its keys are read and checked,
 * and how it is declared on a runtime, with its outputs. A new workload is one
 * such file, listed once in workloads/index.ts; a new runtime renders them all.
 */
export interface WorkloadDefinition<S> {
    /** `<key>Enabled` switches it on; its other keys start with `<key>` too. */
    key: string;
    /** Reads and checks its keys, recording problems on `read`; only called when it is enabled. */
    read(read: ConfigReader, ctx: ReadContext): S;
    /** Its published ports, by the key that sets each (for the clash check). */
    published(settings: S): [WorkloadConfigKey, Published | undefined][];
    /** Its GPU request and the key it came from, if it can have one. */
    gpus(settings: S): [WorkloadConfigKey, GpuRequest | undefined] | undefined;
    /** Declares it (the component is named `key`) and returns its stack outputs. */
    deploy(settings: S, ctx: DeployContext): WorkloadOutputs;
}
