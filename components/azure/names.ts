/**
 * Every Azure name a stack makes from its prefix, in one place: the
 * components name their resources with it and config/azure-rules.ts checks
 * each against Azure's rules before anything is created.
 */
export interface AzureNames {
    /** Used unless the stack names its own group (azureResourceGroup). */
    resourceGroup: string;
    vm: string;
    /** The Linux host name: no '_' or '.', unlike the VM's resource name. */
    computerName: string;
    vnet: string;
    nsg: string;
    publicIp: string;
    nic: string;
    dataDisk: string;
    /** Azure accepts no other name for a VM's auto-shutdown schedule. */
    shutdownSchedule: string;
}

export function azureNames(prefix: string): AzureNames {
    const vm = `${prefix}-vm`;
    return {
        resourceGroup: `${prefix}-rg`,
        vm,
        computerName: vm,
        vnet: `${prefix}-vnet`,
        nsg: `${prefix}-nsg`,
        publicIp: `${prefix}-ip`,
        nic: `${prefix}-nic`,
        dataDisk: `${prefix}-data`,
        shutdownSchedule: `shutdown-computevm-${vm}`,
    };
}
