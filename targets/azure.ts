// The azure target: the same workspace as the local target, run on an Azure
// GPU VM (or several, one swarm), with its images built here, pushed to ACR and pulled there by digest.
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { GpuVm } from "../components/azure/gpu-vm";
import { azureNames } from "../components/azure/names";
import { ContainerRegistry } from "../components/azure/registry";
import { RemoteEngine } from "../components/azure/remote-engine";
import { DockerEngine } from "../components/engine";
import { clientAddress, urlHost } from "../components/host-address";
import { RegistryPullToken } from "../components/azure/registry-pull-token";
import { Runtime } from "../components/runtime";
import { AzureSettings, AzureTargetSettings } from "../config/azure";
import { EngineSettings, JupyterSettings, MySqlSettings, RestartPolicy } from "../config/settings";
import { SwarmLayout } from "../config/swarm";
import { WorkloadSettings } from "../workloads";
import { KeptResources, ownerTags } from "./azure-survey";
import { oneEngineRuntime } from "./engine-runtime";
import { deployOnSwarm } from "./swarm";
import { deployWorkspace } from "./deploy-workspace";
import { workspaceOutputs, WorkspaceOutputs } from "./workspace-outputs";
import { engineSocket } from "./workspace-users";

/** The workspace part of the validated settings (settings/load.ts). */
export interface WorkspaceSettings {
    namePrefix: string;
    restart: RestartPolicy;
    mysql: MySqlSettings;
    jupyter: JupyterSettings;
    /** The engine images are built on: the local one (dockerHost / DOCKER_HOST). */
    buildEngine: EngineSettings;
    /** The optional workloads; none when undefined. */
    workloads?: WorkloadSettings;
}

/** Where the workloads run: one VM's engine, or the VMs' swarm. */
export interface AzureTargets {
    runtime: Runtime;
    /** False on a non-GPU size (readAzure rejects GPU workloads there). */
    hasGpu: boolean;
}

/** One VM, as `pulumi stack output vms` lists them. */
export interface VmOutputs {
    name: string;
    publicIp: pulumi.Output<string>;
    privateIp: pulumi.Output<string>;
    sshCommand: pulumi.Output<string>;
    /** Forwards the ports published on this VM to the same ports here (none: nothing is published there). */
    tunnelCommand?: pulumi.Output<string>;
}

export interface AzureOutputs extends WorkspaceOutputs {
    resourceGroup: pulumi.Output<string>;
    /** The resource group's Azure id, when the stack made it; with dataDiskIds, what the next run's survey knows the stack manages (targets/azure-survey.ts). */
    resourceGroupId?: pulumi.Output<string>;
    /** Each VM's data disk's Azure id. */
    dataDiskIds?: pulumi.Output<string>[];
    /** VM 1 (on a swarm, its first manager). */
    vmName: string;
    vmPublicIp: pulumi.Output<string>;
    dockerHost: pulumi.Output<string>;
    sshCommand: pulumi.Output<string>;
    /** Forwards the notebooks' ports on the VM (the workspace's, or each user's) to the same ports here (on a swarm: every port published on the data VM). */
    jupyterTunnelCommand: pulumi.Output<string>;
    registryLoginServer: pulumi.Output<string>;
    /** Every VM, when there are several. */
    vms?: VmOutputs[];
    [workloadOutput: string]: unknown;
}

export interface AzureDeployment {
    outputs: AzureOutputs;
    targets: AzureTargets;
}

/** The repository the VM's pull token must be able to read before the engine uses it (AcrPull is registry-wide: any name proves it). */
const PULL_CHECK_REPOSITORY = "dsenv/jupyter";

/**
 * Registry, GPU VMs, the engines on them, and the workspace and workloads on
 * those: one VM's engine, or several VMs made one swarm. `kept` are what an
 * earlier destroy left (targets/azure-survey.ts): adopted, so that destroy ->
 * up works with the defaults.
 */
export function deployAzure(settings: AzureSettings, workspace: WorkspaceSettings, kept: KeptResources = {}): AzureDeployment {
    const prefix = workspace.namePrefix;
    // Deleting a group deletes everything in it: a kept data disk needs its group kept too.
    const { group, resourceGroupName, registry } = groupAndRegistry(settings, prefix, settings.vm.keepDataDisk, kept.resourceGroupId);

    // VM 1 makes the network the others join; its resource names stay those of a one-VM stack.
    const vms: GpuVm[] = [];
    for (let i = 0; i < settings.vmCount; i++) {
        vms.push(
            new GpuVm(vmResourceName(i), {
                resourceGroupName,
                location: settings.location,
                namePrefix: prefix,
                vmNumber: i + 1,
                vm: settings.vm,
                network: settings.network,
                sharedNetwork: vms[0]?.network,
                swarm: settings.swarm !== undefined,
                shutdown: settings.shutdown,
                dataDiskTags: ownerTags(),
                keptDataDiskId: kept.dataDiskIds?.[i],
            }),
        );
    }
    const buildEngine = new DockerEngine("build-engine", { ...workspace.buildEngine, registryLogins: [registry.pushLogin] });
    const common = { settings, workspace, resourceGroupName, registry, vms, buildEngine };
    const deployment = settings.swarm ? onSwarm(common, settings.swarm) : onOneVm(common);
    deployment.outputs.dataDiskIds = vms.map(vm => vm.dataDisk.id);
    if (group) deployment.outputs.resourceGroupId = group.id;
    return deployment;
}

/** The stack's resource group (unless it uses an existing one) and its registry, where VMs and AKS alike pull from. */
export function groupAndRegistry(
    settings: AzureTargetSettings,
    prefix: string,
    keepGroup: boolean,
    keptGroupId?: string,
): { group?: resources.ResourceGroup; resourceGroupName: pulumi.Output<string>; registry: ContainerRegistry } {
    const group = settings.useExistingResourceGroup
        ? undefined
        : new resources.ResourceGroup(
              "resource-group",
              {
                  resourceGroupName: settings.resourceGroup || azureNames(prefix).resourceGroup,
                  location: settings.location,
                  tags: ownerTags(),
              },
              { retainOnDelete: keepGroup, ...(keptGroupId ? { import: keptGroupId } : {}) },
          );
    const resourceGroupName = group ? group.name : pulumi.output(settings.resourceGroup);
    const registry = new ContainerRegistry("registry", {
        resourceGroupName,
        location: settings.location,
        registryName: settings.registry.name,
        sku: settings.registry.sku,
        adminUserEnabled: settings.registry.adminEnabled,
    });
    return { group, resourceGroupName, registry };
}

interface Deployed {
    settings: AzureSettings;
    workspace: WorkspaceSettings;
    resourceGroupName: pulumi.Output<string>;
    registry: ContainerRegistry;
    vms: GpuVm[];
    buildEngine: DockerEngine;
}

/** One VM: the workspace on its engine, images pulled with the VM's own identity. */
function onOneVm({ settings, workspace, resourceGroupName, registry, vms: [vm], buildEngine }: Deployed): AzureDeployment {
    const pullAccess = registry.allowPull("gpu-acr-pull", vm.principalId);
    const remote = new RemoteEngine("gpu-engine", {
        vm,
        privateKeyPath: settings.vm.sshPrivateKeyPath,
        registry,
        pullAccess,
        pullCheckRepository: PULL_CHECK_REPOSITORY,
    });
    const { runtime, network } = oneEngineRuntime({
        engine: remote.engine!,
        buildEngine,
        push: registry.pushTarget,
        namePrefix: workspace.namePrefix,
        restart: workspace.restart,
    });
    const users = workspace.jupyter.users;
    const { workspace: ws, workloads } = deployWorkspace(runtime, workspace, engineSocket(undefined));

    // The workspace's notebook's port or the hub's, or each user's.
    const notebookPorts = users.length && !workspace.jupyter.hub ? users.map(u => u.hostPort) : [workspace.jupyter.publish.hostPort];
    // Jupyter's address on the VM, as ssh -L wants it (IPv6 in brackets).
    const jupyterOnVm = urlHost(clientAddress(workspace.jupyter.publish.hostIp));
    return {
        targets: { runtime, hasGpu: vm.hasGpu },
        outputs: {
            ...vmOutputs(settings, vm, remote, resourceGroupName, registry),
            jupyterTunnelCommand: tunnelCommand(settings, vm, notebookPorts, jupyterOnVm),
            // Through the tunnel, Jupyter answers here as it would on the local target.
            ...workspaceOutputs(ws, network.name, workspace.mysql.image, workspace.mysql.publish),
            jupyterGpus: workspace.jupyter.gpuChoice,
            ...workloads,
        },
    };
}

/**
 * Several VMs as one swarm in the VNet: each advertises its private address
 * and its GPUs, the data lives on the data VM, and the services pull with a
 * registry token that can only pull (components/azure/registry-pull-token.ts).
 * Ports are published on the VM that runs a service and reached through an
 * ssh tunnel to it, as on one VM.
 */
function onSwarm({ settings, workspace, resourceGroupName, registry, vms, buildEngine }: Deployed, layout: SwarmLayout): AzureDeployment {
    const remotes = vms.map(
        (vm, i) => new RemoteEngine(`${vmResourceName(i)}-engine`, { vm, privateKeyPath: settings.vm.sshPrivateKeyPath, swarmNode: true }),
    );
    const pullToken = new RegistryPullToken("swarm-pull", {
        registry: registry.registry,
        resourceGroupName,
        tokenName: azureNames(workspace.namePrefix).registryPullToken,
    });
    const { outputs, runtime } = deployOnSwarm(
        {
            namePrefix: workspace.namePrefix,
            mysql: workspace.mysql,
            jupyter: workspace.jupyter,
            workloads: workspace.workloads ?? { notices: [] },
        },
        {
            machines: vms.map((vm, i) => ({
                engine: pulumi.all([remotes[i].host, remotes[i].sshOptions]).apply(([host, sshOpts]) => ({ host, sshOpts })),
                advertiseAddr: vm.privateIp,
                // Published ports are reached through an ssh tunnel to the VM (NSG rules let in SSH only, unless azureAppPorts).
                browseHost: clientAddress(workspace.jupyter.publish.hostIp),
                readyAfter: [remotes[i].readiness],
                machine: vm.machine,
            })),
            layout,
            buildEngine,
            push: registry.pushTarget,
            pullLogins: [pullToken.login],
            pullCredentialVersion: pullToken.version,
            firstNodeSocket: engineSocket(undefined),
        },
    );
    const perVm: VmOutputs[] = vms.map((vm, i) => {
        const ports = runtime.portsOn(i);
        return {
            name: vm.vmName,
            publicIp: vm.publicIp,
            privateIp: vm.privateIp,
            sshCommand: sshCommand(settings, vm),
            ...(ports.length ? { tunnelCommand: tunnelCommand(settings, vm, ports, "127.0.0.1") } : {}),
        };
    });
    // Jupyter is on the data VM, or the hub on VM 1 (a manager).
    const jupyterVm = workspace.jupyter.hub ? 0 : layout.dataNode;
    return {
        targets: { runtime, hasGpu: vms[0].hasGpu },
        outputs: {
            ...vmOutputs(settings, vms[0], remotes[0], resourceGroupName, registry),
            jupyterTunnelCommand: tunnelCommand(settings, vms[jupyterVm], runtime.portsOn(jupyterVm), "127.0.0.1"),
            vms: perVm,
            ...outputs,
        },
    };
}

/** The Pulumi name of VM index `i` and of what belongs to it: VM 1's is a one-VM stack's ("gpu"), so its URNs stay when the stack grows. */
function vmResourceName(i: number): string {
    return i === 0 ? "gpu" : `gpu${i + 1}`;
}

function sshCommand(settings: AzureSettings, vm: GpuVm): pulumi.Output<string> {
    return pulumi.interpolate`ssh -i ${settings.vm.sshPrivateKeyPath} ${settings.vm.adminUser}@${vm.publicIp}`;
}

/** ssh -N with one -L per port: each port on the VM (at `hostOnVm`) answers at the same port here. */
function tunnelCommand(settings: AzureSettings, vm: GpuVm, ports: number[], hostOnVm: string): pulumi.Output<string> {
    const forwards = ports.map(p => `-L ${p}:${hostOnVm}:${p}`).join(" ");
    return pulumi.interpolate`ssh -N ${forwards} -i ${settings.vm.sshPrivateKeyPath} ${settings.vm.adminUser}@${vm.publicIp}`;
}

function vmOutputs(
    settings: AzureSettings,
    vm: GpuVm,
    remote: RemoteEngine,
    resourceGroupName: pulumi.Output<string>,
    registry: ContainerRegistry,
) {
    return {
        resourceGroup: resourceGroupName,
        vmName: vm.vmName,
        vmPublicIp: vm.publicIp,
        dockerHost: remote.host,
        sshCommand: sshCommand(settings, vm),
        registryLoginServer: registry.loginServer,
    };
}
