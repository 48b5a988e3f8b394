// The defaults of the Azure keys (targets `azure` and `ci-push`). Pure data:
// config/defaults.ts spreads them into DEFAULTS and Pulumi.yaml declares the
// same values, so the schema test keeps all three in step.
export const AZURE_DEFAULTS = {
    azureLocation: "eastus",
    azureResourceGroup: "",
    azureUseExistingResourceGroup: false,
    azureVmSize: "Standard_NC4as_T4_v3",
    azureAdminUser: "dsenv",
    azureSshPublicKey: "",
    azureSshPrivateKeyPath: "~/.ssh/id_ed25519",
    azureAllowedCidrs: [] as string[],
    azureOpenToInternet: false,
    azureAppPorts: [] as string[],
    azureOsDiskGb: 128,
    azureVmCount: 1,
    azureDataDiskGb: 256,
    azureKeepDataDisk: true,
    azureShutdownTime: "19:00",
    azureShutdownTimeZone: "UTC",
    azureSpot: false,
    azureSpotMaxPrice: "-1",
    azureContainersReachMetadata: false,
    azureRegistryName: "",
    azureRegistrySku: "Basic",
    azureRegistryAdmin: false,
    azureImageTag: "",
    azureAllowUnlisted: [] as string[],
};

export type AzureKey = keyof typeof AZURE_DEFAULTS;
