import { Settings } from "../config/settings";
import { deployAzure } from "./azure";
import { ensureResourceProviders, findKeptResources, resourceProvidersFor } from "./azure-survey";
import { ciPush } from "./ci-push";
import { deployLocal } from "./local";
import { deploySwarm } from "./swarm";

/** Stack outputs: names to plain values and Outputs (secrets are secret Outputs). */
export type StackOutputs = Record<string, unknown>;

/** Declares the stack for its target from validated settings (azure asks Azure a few things first, hence a promise there). */
export function deploy(settings: Settings): StackOutputs | Promise<StackOutputs> {
    const target = settings.target;
    switch (target.kind) {
        case "local":
            return deployLocal(settings);
        case "swarm":
            return deploySwarm(settings, target.swarm);
        case "azure":
            // Before anything is declared: resource providers registered, and what an earlier destroy kept.
            return ensureResourceProviders(resourceProvidersFor(target.azure))
                .then(() => findKeptResources(target.azure, settings.namePrefix))
                .then(kept => {
                    // The same workloads as on the local target, built here and pulled by digest on the VMs.
                    const workspace = { namePrefix: settings.namePrefix, restart: settings.restartPolicy, mysql: settings.mysql, jupyter: settings.jupyter, buildEngine: settings.buildEngine, workloads: settings.workloads };
                    return deployAzure(target.azure, workspace, kept).outputs;
                });
        case "ci-push":
            return { ...ciPush(target.ciPush, { jupyterBaseImage: settings.jupyter.baseImage }, settings.buildEngine) };
    }
}
