import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../settings";

/** Stack outputs: names to plain values and Outputs (secrets are secret Outputs). */
export type StackOutputs = Record<string, unknown>;

// Each target's code is required when a stack uses it, not imported above: a
// local stack then loads neither @pulumi/azure-native nor the swarm's or Kubernetes' code
// (test/unit/lazy-targets.test.ts).
const local = () => require("./local") as typeof import("./local");
const swarm = () => require("./swarm") as typeof import("./swarm");
const kubernetes = () => require("./kubernetes") as typeof import("./kubernetes");
const azure = () => require("./azure") as typeof import("./azure");
const azureAks = () => require("./azure-aks") as typeof import("./azure-aks");
const azureSurvey = () => require("./azure-survey") as typeof import("./azure-survey");
const ciPush = () => require("./ci-push") as typeof import("./ci-push");

/** Declares the stack for its target from validated settings (azure asks Azure a few things first, hence a promise there). */
export function deploy(settings: Settings): StackOutputs | Promise<StackOutputs> {
    const target = settings.target;
    switch (target.kind) {
        case "local":
            return local().deployLocal(settings);
        case "swarm":
            return swarm().deploySwarm(settings, target.swarm);
        case "kubernetes":
            return kubernetes().deployKubernetes(settings, target.kubernetes);
        case "azure": {
            // Before anything is declared: resource providers registered, and what an earlier destroy kept.
            const { ensureResourceProviders, findKeptResources, managedResources, quotaNotice, resourceProvidersFor } = azureSurvey();
            // The same workloads as on the local target, built here and pulled by digest on the VMs or the cluster.
            const workspace = {
                namePrefix: settings.namePrefix,
                restart: settings.restartPolicy,
                mysql: settings.mysql,
                jupyter: settings.jupyter,
                buildEngine: settings.buildEngine,
                workloads: settings.workloads,
            };
            const onAzure = target.azure;
            if (onAzure.runsOn === "aks")
                return ensureResourceProviders(resourceProvidersFor(onAzure)).then(() => azureAks().deployAks(onAzure, workspace).outputs);
            const quota = quotaNotice(onAzure);
            if (quota && pulumi.runtime.isDryRun()) pulumi.log.warn(quota);
            return ensureResourceProviders(resourceProvidersFor(onAzure))
                .then(managedResources)
                .then(managed => findKeptResources(onAzure, settings.namePrefix, managed))
                .then(kept => azure().deployAzure(onAzure, workspace, kept).outputs);
        }
        case "ci-push":
            return { ...ciPush().ciPush(target.ciPush, { jupyterBaseImage: settings.jupyter.baseImage }, settings.buildEngine) };
    }
}
