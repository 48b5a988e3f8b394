import * as pulumi from "@pulumi/pulumi";
import { Runtime } from "../components/runtime";
import { enabledWorkloads, WorkloadSettings } from "../workloads";
import { WorkloadOutputs } from "../workloads/definition";

export type { WorkloadOutputs };

export interface DeployWorkloadsArgs {
    /** Where they run: one engine or a swarm, the workspace's network on it. */
    runtime: Runtime;
    namePrefix: string;
    settings: WorkloadSettings;
}

/** Declares every enabled workload (workloads/index.ts) and returns their stack outputs. */
export function deployWorkloads(args: DeployWorkloadsArgs): { outputs: WorkloadOutputs } {
    // Each once: a check that runs per node (the CUDA of an image on each GPU node) may say the same twice.
    for (const notice of new Set(args.settings.notices)) pulumi.log.warn(notice);
    const outputs: WorkloadOutputs = {};
    for (const w of enabledWorkloads(args.settings))
        Object.assign(outputs, w.definition.deploy(w.settings, { runtime: args.runtime, namePrefix: args.namePrefix }));
    return { outputs };
}
