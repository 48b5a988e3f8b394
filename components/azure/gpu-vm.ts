import * as compute from "@pulumi/azure-native/compute";
import * as devtestlab from "@pulumi/azure-native/devtestlab";
import * as network from "@pulumi/azure-native/network";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { machineIncarnation, ManagedMachine } from "../managed-machine";
import { cloudInit } from "./cloud-init";
import { hostKeyFromSeed } from "./host-key";
import { azureNames } from "./names";

/** Ubuntu 22.04 LTS, Gen2: Canonical publishes signed NVIDIA server drivers for its kernels, and the container toolkit supports it. */
export const UBUNTU_IMAGE = { publisher: "Canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts-gen2", version: "latest" };
export const DATA_DISK_LUN = 0;
/** The VM's inputs Azure cannot update in place: a change replaces the VM (its data disk kept). */
export const VM_REPLACED_ON = ["osProfile", "priority", "evictionPolicy", "securityProfile", "storageProfile.imageReference"];

/** The VNet and the one subnet the VMs' NICs are in. */
export const VNET_PREFIX = "10.42.0.0/16";
export const SUBNET_PREFIX = "10.42.1.0/24";

/**
 * VM n's private address: the subnet's addresses in order from .4 (Azure keeps
 * .0 to .3 and .255 for itself). Static, so that a swarm manager keeps the
 * address its raft state holds (Docker wants fixed manager addresses), also
 * when its NIC is made again; every VM gets one in order, so that no VM's
 * dynamic address can take the one a later VM needs.
 */
export function vmPrivateAddress(vmNumber: number): string {
    const [a, b, c] = SUBNET_PREFIX.split(/[./]/);
    return `${a}.${b}.${c}.${3 + vmNumber}`;
}

export interface VmSpec {
    /** An Azure VM size, e.g. Standard_NC4as_T4_v3. */
    size: string;
    /** The size has NVIDIA GPUs: the boot script installs Ubuntu's signed NVIDIA server driver of this branch. */
    nvidiaDriverBranch?: string;
    /** Trusted Launch with Secure Boot and vTPM (the size offers it); otherwise a standard security type. */
    trustedLaunch: boolean;
    adminUser: string;
    /** The one line of an OpenSSH public key: the only way in (no passwords). */
    sshPublicKey: string;
    osDiskGb: number;
    dataDiskGb: number;
    /** Keep the data disk (databases, notebooks, Docker's volumes) on `pulumi destroy`. */
    keepDataDisk: boolean;
    /** Run as a Spot VM: cheaper, evicted (deallocated) when Azure needs the capacity. */
    spot?: { maxPrice: number };
    /** Let containers reach the instance metadata service (and so mint the VM identity's tokens); blocked unless true. */
    containersReachMetadata?: boolean;
}

/** Who may reach the VM: SSH and the app ports, from these sources only. */
export interface InboundAccess {
    allowedCidrs: string[];
    /** Allow every internet address instead. */
    openToInternet: boolean;
    /** Ports besides SSH. */
    appPorts: number[];
}

/** The network a VM's NIC is in, made by the stack's first VM and shared by the others. */
export interface VmNetwork {
    subnetId: pulumi.Output<string>;
    securityGroupId: pulumi.Output<string>;
}

/** A swarm's ports, open between the VMs of the VNet only: management, gossip (tcp and udp), overlay traffic (VXLAN). */
export const SWARM_PORTS: readonly { port: string; protocol: "Tcp" | "Udp" }[] = [
    { port: "2377", protocol: "Tcp" },
    { port: "7946", protocol: "Tcp" },
    { port: "7946", protocol: "Udp" },
    { port: "4789", protocol: "Udp" },
];

export interface GpuVmArgs {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    /** Azure names: <namePrefix>-vm, -vnet, -nsg, -ip, -nic, -data (components/azure/names.ts). */
    namePrefix: string;
    /** Which of the stack's VMs this is, from 1: the names of VM 2 on end in 2, 3, ... */
    vmNumber?: number;
    vm: VmSpec;
    network: InboundAccess;
    /** The first VM's network, for the others; without it this VM makes the network. */
    sharedNetwork?: VmNetwork;
    /** The VMs are one Docker swarm: its ports open inside the VNet (a network this VM makes). */
    swarm?: boolean;
    /** Daily deallocation at "HHMM" in a Windows time zone; none when undefined. */
    shutdown?: { time: string; timeZone: string };
    /** A data disk this stack kept on an earlier destroy: adopted (Pulumi's import) instead of created. */
    keptDataDiskId?: string;
    /** Tags of the data disk, which say which stack it belongs to when it is kept. */
    dataDiskTags?: Record<string, string>;
}

/**
 * A Linux VM for GPU work, reachable only by SSH key from the configured
 * networks: the NVIDIA driver, Docker Engine and the NVIDIA container toolkit
 * set up by one boot script (cloud-init), a managed data disk that outlives the
 * VM, a system-assigned identity (for pulls from the registry), and a daily
 * shutdown so an idle GPU does not bill all night.
 */
export class GpuVm extends pulumi.ComponentResource {
    readonly vm: compute.VirtualMachine;
    /** The VM as what runs on it sees it: what its engine keeps on the OS disk is made again on a replaced VM (components/managed-machine.ts). */
    readonly machine: ManagedMachine;
    readonly vmName: string;
    readonly publicIp: pulumi.Output<string>;
    /** The VM's system-assigned identity (AcrPull is granted to it). */
    readonly principalId: pulumi.Output<string>;
    readonly adminUser: string;
    readonly dataDisk: compute.Disk;
    readonly shutdown?: devtestlab.GlobalSchedule;
    readonly hasGpu: boolean;
    /** The VM's SSH host key (ssh-ed25519 AAAA...): made by the stack and installed by cloud-init, so ssh knows it before the first connection. */
    readonly hostPublicKey: pulumi.Output<string>;
    /** The VM's address in the VNet (what the other VMs reach it at). */
    readonly privateIp: pulumi.Output<string>;
    /** The network this VM is in: its own, or the one it was given. */
    readonly network: VmNetwork;
    readonly securityGroup?: network.NetworkSecurityGroup;

    constructor(name: string, args: GpuVmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:GpuVm", name, {}, opts);
        const child = { parent: this };
        const common = { resourceGroupName: args.resourceGroupName, location: args.location };
        const names = azureNames(args.namePrefix, args.vmNumber);
        this.vmName = names.vm;
        this.adminUser = args.vm.adminUser;
        this.hasGpu = args.vm.nvidiaDriverBranch !== undefined;

        // The seed stays in the state: the same host key on every run and for a replaced VM.
        const hostKeySeed = new random.RandomPassword(`${name}-host-key-seed`, { length: 48, special: false }, child);
        const hostKey = pulumi.secret(hostKeySeed.result).apply(hostKeyFromSeed);
        this.hostPublicKey = pulumi.unsecret(hostKey.apply(k => k.publicKey));

        if (args.sharedNetwork) this.network = args.sharedNetwork;
        else ({ network: this.network, securityGroup: this.securityGroup } = this.makeNetwork(name, args, names.vnet, names.nsg));
        // Static: the ssh:// engine address stays the same when the VM is deallocated and started again.
        const ip = new network.PublicIPAddress(
            `${name}-ip`,
            { ...common, publicIpAddressName: names.publicIp, sku: { name: "Standard" }, publicIPAllocationMethod: "Static" },
            child,
        );
        const nic = new network.NetworkInterface(
            `${name}-nic`,
            {
                ...common,
                networkInterfaceName: names.nic,
                networkSecurityGroup: { id: this.network.securityGroupId },
                // The swarm's advertise address: the same for this VM number, whatever happens to the NIC.
                ipConfigurations: [
                    {
                        name: "primary",
                        subnet: { id: this.network.subnetId },
                        publicIPAddress: { id: ip.id },
                        privateIPAllocationMethod: "Static",
                        privateIPAddress: vmPrivateAddress(args.vmNumber ?? 1),
                    },
                ],
            },
            child,
        );

        // Its own resource, so it can outlive the VM (retainOnDelete) and be attached again to a new
        // one: a kept disk is adopted by the next up, which would otherwise fail on a name that exists.
        this.dataDisk = new compute.Disk(
            `${name}-data`,
            {
                ...common,
                diskName: names.dataDisk,
                sku: { name: "StandardSSD_LRS" },
                diskSizeGB: args.vm.dataDiskGb,
                creationData: { createOption: "Empty" },
                ...(args.dataDiskTags ? { tags: args.dataDiskTags } : {}),
            },
            {
                parent: this,
                retainOnDelete: args.vm.keepDataDisk,
                protect: false,
                ...(args.keptDataDiskId ? { import: args.keptDataDiskId } : {}),
            },
        );

        this.vm = new compute.VirtualMachine(
            `${name}-vm`,
            {
                ...common,
                vmName: this.vmName,
                hardwareProfile: { vmSize: args.vm.size },
                identity: { type: compute.ResourceIdentityType.SystemAssigned },
                // Canonical's signed NVIDIA modules load with Secure Boot on.
                ...(args.vm.trustedLaunch
                    ? { securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } }
                    : {}),
                storageProfile: {
                    imageReference: UBUNTU_IMAGE,
                    osDisk: {
                        createOption: "FromImage",
                        diskSizeGB: args.vm.osDiskGb,
                        deleteOption: "Delete",
                        managedDisk: { storageAccountType: "StandardSSD_LRS" },
                    },
                    dataDisks: [
                        { lun: DATA_DISK_LUN, createOption: "Attach", managedDisk: { id: this.dataDisk.id }, deleteOption: "Detach" },
                    ],
                },
                osProfile: {
                    // Checked against Azure's rules at preview (config/azure-rules.ts), never cut short.
                    computerName: names.computerName,
                    adminUsername: args.vm.adminUser,
                    // Secret: it carries the host's private key.
                    customData: pulumi.secret(
                        hostKey.apply(key =>
                            Buffer.from(
                                cloudInit({
                                    adminUser: args.vm.adminUser,
                                    dataDiskLun: DATA_DISK_LUN,
                                    nvidiaDriverBranch: args.vm.nvidiaDriverBranch,
                                    hostKey: key,
                                    containersReachMetadata: args.vm.containersReachMetadata,
                                    // Every GPU VM, one or several: a swarm reads the advertisement, a lone engine
                                    // ignores it, and a one-VM stack that grows into a swarm keeps its boot script
                                    // (Azure cannot change a VM's custom data: a change would replace VM 1).
                                    advertiseGpus: this.hasGpu,
                                }),
                            ).toString("base64"),
                        ),
                    ),
                    linuxConfiguration: {
                        disablePasswordAuthentication: true,
                        ssh: { publicKeys: [{ path: `/home/${args.vm.adminUser}/.ssh/authorized_keys`, keyData: args.vm.sshPublicKey }] },
                    },
                },
                networkProfile: { networkInterfaces: [{ id: nic.id, primary: true }] },
                diagnosticsProfile: { bootDiagnostics: { enabled: true } },
                ...(args.vm.spot
                    ? { priority: "Spot", evictionPolicy: "Deallocate", billingProfile: { maxPrice: args.vm.spot.maxPrice } }
                    : {}),
            },
            {
                parent: this,
                additionalSecretOutputs: ["osProfile"],
                // Azure refuses to change these on an existing VM (PropertyChangeNotAllowed: the custom
                // data, i.e. the boot script, the admin user and key; Spot), and azure-native would
                // preview them as updates (pulumi-azure-native#577): they replace the VM, which the
                // preview says. The old VM goes first (its name is the new one's); its data disk is
                // detached, not deleted, and the new VM attaches it. What ran on the old VM's engine
                // is made again on the new one in the same run (this.machine).
                replaceOnChanges: VM_REPLACED_ON,
                deleteBeforeReplace: true,
            },
        );
        // Azure's id of the VM: a replaced VM has a new one.
        this.machine = { resource: this.vm, incarnation: machineIncarnation(`${name}-incarnation`, this.vm.vmId, child) };

        if (args.shutdown) {
            this.shutdown = new devtestlab.GlobalSchedule(
                `${name}-shutdown`,
                {
                    ...common,
                    name: names.shutdownSchedule,
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
        this.privateIp = nic.ipConfigurations.apply(c => c?.[0]?.privateIPAddress ?? "");
        this.principalId = this.vm.identity.apply(i => i?.principalId ?? "");
        this.registerOutputs({ publicIp: this.publicIp, privateIp: this.privateIp, vmName: this.vmName, principalId: this.principalId });
    }

    /** The VNet, its subnet and the security group of the NICs; on a swarm, with its ports open inside the VNet. */
    private makeNetwork(
        name: string,
        args: GpuVmArgs,
        vnetName: string,
        nsgName: string,
    ): { network: VmNetwork; securityGroup: network.NetworkSecurityGroup } {
        const child = { parent: this };
        const common = { resourceGroupName: args.resourceGroupName, location: args.location };
        const vnet = new network.VirtualNetwork(
            `${name}-vnet`,
            { ...common, virtualNetworkName: vnetName, addressSpace: { addressPrefixes: [VNET_PREFIX] } },
            child,
        );
        const subnet = new network.Subnet(
            `${name}-subnet`,
            {
                resourceGroupName: args.resourceGroupName,
                virtualNetworkName: vnet.name,
                subnetName: "default",
                addressPrefix: SUBNET_PREFIX,
            },
            child,
        );
        const rules = [...inboundRules(args.network), ...(args.swarm ? swarmRules() : [])];
        const securityGroup = new network.NetworkSecurityGroup(
            `${name}-nsg`,
            { ...common, networkSecurityGroupName: nsgName, securityRules: rules },
            child,
        );
        return { network: { subnetId: subnet.id, securityGroupId: securityGroup.id }, securityGroup };
    }
}

/**
 * The swarm's ports, from and to the VNet only. Azure's default rules let
 * VNet traffic in already (AllowVnetInBound, priority 65000); these say what
 * the swarm needs in so many words, and hold when someone adds a rule that
 * denies VNet traffic above the default.
 */
export function swarmRules(): azureInputs.network.SecurityRuleArgs[] {
    return SWARM_PORTS.map(({ port, protocol }, i) => ({
        name: `allow-swarm-${port}-${protocol.toLowerCase()}`,
        priority: 200 + i,
        direction: "Inbound",
        access: "Allow",
        protocol,
        sourceAddressPrefix: "VirtualNetwork",
        sourcePortRange: "*",
        destinationAddressPrefix: "VirtualNetwork",
        destinationPortRange: port,
    }));
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
