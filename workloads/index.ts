import { app } from "./app";
import { WorkloadDefinition } from "./definition";
import { lab } from "./lab";
import { pytorch } from "./pytorch";
import { rstudio } from "./rstudio";
import { site } from "./site";

/**
 * The optional workloads, the one list: config reads the enabled ones
 * from it (workloads/read.ts), targets declare them from it
 * (targets/workloads.ts). A new workload is one file and one line here.
 */
export const WORKLOADS = { rstudio, pytorch, lab, site, app };

export type WorkloadKey = keyof typeof WORKLOADS;

/** The settings a definition reads. */
type SettingsOf<D> = D extends WorkloadDefinition<infer S> ? S : never;

/** The validated settings of the enabled workloads (each absent unless its `...Enabled` key is true). */
export type WorkloadSettings = { [K in WorkloadKey]?: SettingsOf<(typeof WORKLOADS)[K]> } & {
    /** Things to tell the user at preview (e.g. a GPU check left to deploy time). */
    notices: string[];
};

/** The enabled workloads in the registry's order, each with its definition. */
export function enabledWorkloads(
    settings: WorkloadSettings,
): { key: WorkloadKey; definition: WorkloadDefinition<unknown>; settings: unknown }[] {
    return (Object.keys(WORKLOADS) as WorkloadKey[])
        .filter(key => settings[key] !== undefined)
        .map(key => ({ key, definition: WORKLOADS[key] as WorkloadDefinition<unknown>, settings: settings[key] }));
}
