import * as compute from "@pulumi/azure-native/compute";
import * as devtestlab from "@pulumi/azure-native/devtestlab";
import * as network from "@pulumi/azure-native/network";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";
import { cloudInit } from "./cloud-init";

/** Ubuntu 22.04 LTS, Gen2: an OS the NVIDIA driver extension and the container toolkit both support. */
export const UBUNTU_IMAGE = { publisher: "Canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts-gen2", version: "latest" };
export const DATA_DISK_LUN = 0;

export interface VmSpec {
    /** An Azure VM size, e.g. Standard_NC4as_T4_v3. */
    size: string;
    /** The size has NVIDIA GPUs: install Azure's NVIDIA driver extension. */
    nvidiaGpu: boolean;
    adminUser: string;
    /** The one line of an OpenSSH public key: the only way in (no passwords). */
    sshPublicKey: string;
    osDiskGb: number;
    dataDiskGb: number;
    /** Keep the data disk (databases, notebooks, Docker's volumes) on `pulumi destroy`. */
    keepDataDisk: boolean;
    /** Run as a Spot VM: cheaper, evicted (deallocated) when Azure needs the capacity. */
    spot?: { maxPrice: number };
}

/** Who may reach the VM: SSH and the app ports, from these sources only. */
export interface InboundAccess {
    allowedCidrs: string[];
    /** Allow every internet address instead. */
    openToInternet: boolean;
    /** Ports besides SSH. */
    appPorts: number[];
}

export interface GpuVmArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    /** Azure names: <namePrefix>-vm, -vnet, -nsg, -ip, -nic, -data. */
    namePrefix: string;
    vm: VmSpec;
    network: InboundAccess;
    /** Daily deallocation at "HHMM" in a Windows time zone; none when undefined. */
    shutdown?: { time: string; timeZone: string };
}

/**
 * A Linux VM for GPU work, reachable only by SSH key from the configured
 * networks: Docker Engine and the NVIDIA container toolkit set up by cloud-init,
 * the NVIDIA driver by Azure's extension, a managed data disk that outlives the
 * VM, a system-assigned identity (for pulls from the registry), and a daily
 * shutdown so an idle GPU does not bill all night.
 */
export class GpuVm extends pulumi.ComponentResource {
    readonly vm: compute.VirtualMachine;
    readonly vmName: string;
    readonly publicIp: pulumi.Output<string>;
    /** The VM's system-assigned identity (AcrPull is granted to it). */
    readonly principalId: pulumi.Output<string>;
    readonly adminUser: string;
    readonly dataDisk: compute.Disk;
    readonly securityGroup: network.NetworkSecurityGroup;
    /** Present on GPU sizes: readiness waits for it (it may reboot the VM). */
    readonly driver?: compute.VirtualMachineExtension;
    readonly shutdown?: devtestlab.GlobalSchedule;
    readonly hasGpu: boolean;

    constructor(name: string, args: GpuVmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:GpuVm", name, {}, opts);
        const child = { parent: this };
        const common = { resourceGroupName: args.resourceGroupName, location: args.location };
        const p = args.namePrefix;
        this.vmName = `${p}-vm`;
        this.adminUser = args.vm.adminUser;
        this.hasGpu = args.vm.nvidiaGpu;

        const vnet = new network.VirtualNetwork(`${name}-vnet`, { ...common, virtualNetworkName: `${p}-vnet`, addressSpace: { addressPrefixes: ["10.42.0.0/16"] } }, child);
        const subnet = new network.Subnet(
            `${name}-subnet`,
            { resourceGroupName: args.resourceGroupName, virtualNetworkName: vnet.name, subnetName: "default", addressPrefix: "10.42.1.0/24" },
            child,
        );
        this.securityGroup = new network.NetworkSecurityGroup(`${name}-nsg`, { ...common, networkSecurityGroupName: `${p}-nsg`, securityRules: inboundRules(args.network) }, child);
        // Static: the ssh:// engine address stays the same when the VM is deallocated and started again.
        const ip = new network.PublicIPAddress(
            `${name}-ip`,
            { ...common, publicIpAddressName: `${p}-ip`, sku: { name: "Standard" }, publicIPAllocationMethod: "Static" },
            child,
        );
        const nic = new network.NetworkInterface(
            `${name}-nic`,
            {
                ...common,
                networkInterfaceName: `${p}-nic`,
                networkSecurityGroup: { id: this.securityGroup.id },
                ipConfigurations: [{ name: "primary", subnet: { id: subnet.id }, publicIPAddress: { id: ip.id }, privateIPAllocationMethod: "Dynamic" }],
            },
            child,
        );

        // Its own resource, so it can outlive the VM (retainOnDelete) and be attached again to a new one.
        this.dataDisk = new compute.Disk(
            `${name}-data`,
            { ...common, diskName: `${p}-data`, sku: { name: "StandardSSD_LRS" }, diskSizeGB: args.vm.dataDiskGb, creationData: { createOption: "Empty" } },
            { parent: this, retainOnDelete: args.vm.keepDataDisk, protect: false },
        );

        this.vm = new compute.VirtualMachine(
            `${name}-vm`,
            {
                ...common,
                vmName: this.vmName,
                hardwareProfile: { vmSize: args.vm.size },
                identity: { type: compute.ResourceIdentityType.SystemAssigned },
                // The NVIDIA driver extension does not support Secure Boot: Trusted Launch stays, Secure Boot is off.
                securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: false, vTpmEnabled: true } },
                storageProfile: {
                    imageReference: UBUNTU_IMAGE,
                    osDisk: { createOption: "FromImage", diskSizeGB: args.vm.osDiskGb, deleteOption: "Delete", managedDisk: { storageAccountType: "StandardSSD_LRS" } },
                    dataDisks: [{ lun: DATA_DISK_LUN, createOption: "Attach", managedDisk: { id: this.dataDisk.id }, deleteOption: "Detach" }],
                },
                osProfile: {
                    computerName: this.vmName.slice(0, 64),
                    adminUsername: args.vm.adminUser,
                    customData: Buffer.from(cloudInit({ adminUser: args.vm.adminUser, dataDiskLun: DATA_DISK_LUN })).toString("base64"),
                    linuxConfiguration: {
                        disablePasswordAuthentication: true,
                        ssh: { publicKeys: [{ path: `/home/${args.vm.adminUser}/.ssh/authorized_keys`, keyData: args.vm.sshPublicKey }] },
                    },
                },
                networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
                diagnosticsProfile: { bootDiagnostics: { enabled: true } },
                ...(args.vm.spot ? { priority: "Spot", evictionPolicy: "Deallocate", billingProfile: { maxPrice: args.vm.spot.maxPrice } } : {}),
            },
            child,
        );

        if (this.hasGpu) {
            this.driver = new compute.VirtualMachineExtension(
                `${name}-nvidia-driver`,
                {
                    ...common,
                    vmName: this.vm.name,
                    vmExtensionName: "NvidiaGpuDriverLinux",
                    publisher: "Microsoft.HpcCompute",
                    type: "NvidiaGpuDriverLinux",
                    typeHandlerVersion: "1.6",
                    autoUpgradeMinorVersion: true,
                    settings: {},
                },
                child,
            );
        }

        if (args.shutdown) {
            this.shutdown = new devtestlab.GlobalSchedule(
                `${name}-shutdown`,
                {
                    ...common,
                    // Azure accepts no other name for a VM's auto-shutdown schedule.
                    name: `shutdown-computevm-${this.vmName}`,
                    status: "Enabled",
                    taskType: "ComputeVmShutdownTask",
                    dailyRecurrence: { time: args.shutdown.time },
                    timeZoneId: args.shutdown.timeZone,
                    targetResourceId: this.vm.id,
                    notificationSettings: { status: "Disabled" },
                },
                child,
            );
        }

        this.publicIp = ip.ipAddress.apply(a => a ?? "");
        this.principalId = this.vm.identity.apply(i => i?.principalId ?? "");
        this.registerOutputs({ publicIp: this.publicIp, vmName: this.vmName, principalId: this.principalId });
    }
}

/**
 * Inbound rules: SSH, and the app ports asked for, from the configured networks
 * only. The internet is a source only when the stack says so explicitly;
 * everything else falls to Azure's default deny.
 */
export function inboundRules(settings: InboundAccess): azureInputs.network.SecurityRuleArgs[] {
    const source = settings.openToInternet ? { sourceAddressPrefix: "Internet" } : { sourceAddressPrefixes: settings.allowedCidrs };
    const allow = (name: string, priority: number, ports: string[]): azureInputs.network.SecurityRuleArgs => ({
        name,
        priority,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        ...source,
        sourcePortRange: "*",
        destinationAddressPrefix: "*",
        destinationPortRanges: ports,
    });
    const rules = [allow("allow-ssh", 100, ["22"])];
    if (settings.appPorts.length > 0) rules.push(allow("allow-app-ports", 110, settings.appPorts.map(String)));
    return rules;
}
