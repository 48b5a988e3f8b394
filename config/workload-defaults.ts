// The defaults of the workload keys, as Pulumi.yaml declares them (its
// sections; config/defaults.ts is made from it). Every workload is off until
// its `...Enabled` key says otherwise.
import { SECTION_DEFAULTS } from "./defaults";

export const WORKLOAD_DEFAULTS = {
    ...SECTION_DEFAULTS.rstudio,
    ...SECTION_DEFAULTS.pytorch,
    ...SECTION_DEFAULTS.lab,
    ...SECTION_DEFAULTS.site,
    ...SECTION_DEFAULTS.app,
};

export type WorkloadConfigKey = keyof typeof WORKLOAD_DEFAULTS;
