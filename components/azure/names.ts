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
    /** The registry token a swarm of VMs pulls with (components/azure/registry-pull-token.ts). */
    registryPullToken: string;
    /** The AKS cluster of dsenv:azureRunsOn aks (components/azure/aks.ts). */
    aksCluster: string;
    /** Its API server's DNS name prefix: fixed once the cluster exists. */
    aksDnsPrefix: string;
}

/**
 * The names of VM number `vm` (1-based) of a stack. The first VM's names have
 * no number, so a stack that grows from one VM to several keeps its VM; the
 * group, network and security group are the stack's, shared by its VMs.
 */
export function azureNames(prefix: string, vmNumber = 1): AzureNames {
    const n = vmNumber === 1 ? "" : String(vmNumber);
    const vm = `${prefix}-vm${n}`;
    return {
        resourceGroup: `${prefix}-rg`,
        vm,
        computerName: vm,
        vnet: `${prefix}-vnet`,
        nsg: `${prefix}-nsg`,
        publicIp: `${prefix}-ip${n}`,
        nic: `${prefix}-nic${n}`,
        dataDisk: `${prefix}-data${n}`,
        shutdownSchedule: `shutdown-computevm-${vm}`,
        registryPullToken: `${prefix}-swarm-pull`,
        aksCluster: `${prefix}-aks`,
        aksDnsPrefix: prefix,
    };
}
