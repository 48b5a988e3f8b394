// The defaults of the Azure keys (targets `azure` and `ci-push`), as Pulumi.yaml
// declares them (its section `azure`; config/defaults.ts is made from it).
import { SECTION_DEFAULTS } from "./defaults";

export const AZURE_DEFAULTS = SECTION_DEFAULTS.azure;

export type AzureKey = keyof typeof AZURE_DEFAULTS;
