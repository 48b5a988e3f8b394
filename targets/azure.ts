// The azure target: the same workspace as the local target, run on an Azure
// GPU VM, with its images built here, pushed to ACR and pulled there by digest.
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { GpuVm } from "../components/azure/gpu-vm";
import { azureNames } from "../components/azure/names";
import { ContainerRegistry } from "../components/azure/registry";
import { RemoteEngine } from "../components/azure/remote-engine";
import { DockerEngine } from "../components/engine";
import { clientAddress, urlHost } from "../components/host-address";
import { EngineRuntime } from "../components/engine-runtime";
import { Workspace } from "../components/workspace";
import { AzureSettings } from "../config/azure";
import { EngineSettings, JupyterSettings, MySqlSettings, RestartPolicy } from "../config/settings";
import { KeptResources, ownerTags } from "./azure-survey";
import { oneEngineRuntime } from "./engine-runtime";
import { workspaceOutputs, WorkspaceOutputs } from "./workspace-outputs";

/** The workspace part of the validated settings (config/load.ts). */
export interface WorkspaceSettings {
    namePrefix: string;
    restart: RestartPolicy;
    mysql: MySqlSettings;
    jupyter: JupyterSettings;
    /** The engine images are built on: the local one (dockerHost / DOCKER_HOST). */
    buildEngine: EngineSettings;
}

/** Where more workloads go (the GPU workloads): same engines, same registry. */
export interface AzureTargets {
    /** Docker on the VM, images built here and pushed to the registry; containers that need the GPU take `gpus: "all"` there. */
    runtime: EngineRuntime;
    /** False on a non-GPU size (readAzure rejects GPU workloads there). */
    hasGpu: boolean;
}

export interface AzureOutputs extends WorkspaceOutputs {
    resourceGroup: pulumi.Output<string>;
    vmName: string;
    vmPublicIp: pulumi.Output<string>;
    dockerHost: pulumi.Output<string>;
    sshCommand: pulumi.Output<string>;
    /** Forwards Jupyter's port on the VM to the same port here. */
    jupyterTunnelCommand: pulumi.Output<string>;
    registryLoginServer: pulumi.Output<string>;
}

export interface AzureDeployment {
    outputs: AzureOutputs;
    targets: AzureTargets;
}

/** The repository the VM's pull token must be able to read before the engine uses it (AcrPull is registry-wide: any name proves it). */
const PULL_CHECK_REPOSITORY = "dsenv/jupyter";

/**
 * Registry, GPU VM, the engine on it, and the workspace on that engine. `kept`
 * are what an earlier destroy left (targets/azure-survey.ts): adopted, so that
 * destroy -> up works with the defaults.
 */
export function deployAzure(settings: AzureSettings, workspace: WorkspaceSettings, kept: KeptResources = {}): AzureDeployment {
    const prefix = workspace.namePrefix;
    const resourceGroupName = settings.useExistingResourceGroup
        ? pulumi.output(settings.resourceGroup)
        : new resources.ResourceGroup(
              "resource-group",
              { resourceGroupName: settings.resourceGroup || azureNames(prefix).resourceGroup, location: settings.location, tags: ownerTags() },
              // Deleting a group deletes everything in it: a kept data disk needs its group kept too.
              { retainOnDelete: settings.vm.keepDataDisk, ...(kept.resourceGroupId ? { import: kept.resourceGroupId } : {}) },
          ).name;

    const registry = new ContainerRegistry("registry", {
        resourceGroupName,
        location: settings.location,
        registryName: settings.registry.name,
        sku: settings.registry.sku,
        adminUserEnabled: settings.registry.adminEnabled,
    });

    const vm = new GpuVm("gpu", {
        resourceGroupName,
        location: settings.location,
        namePrefix: prefix,
        vm: settings.vm,
        network: settings.network,
        shutdown: settings.shutdown,
        dataDiskTags: ownerTags(),
        keptDataDiskId: kept.dataDiskId,
    });
    const pullAccess = registry.allowPull("gpu-acr-pull", vm.principalId);
    const remote = new RemoteEngine("gpu-engine", { vm, privateKeyPath: settings.vm.sshPrivateKeyPath, registry, pullAccess, pullCheckRepository: PULL_CHECK_REPOSITORY });

    const buildEngine = new DockerEngine("build-engine", { ...workspace.buildEngine, registryLogins: [registry.pushLogin] });
    const { runtime, network } = oneEngineRuntime({ engine: remote.engine, buildEngine, push: registry.pushTarget, namePrefix: prefix, restart: workspace.restart });
    const ws = new Workspace("workspace", { runtime, namePrefix: prefix, mysql: workspace.mysql, jupyter: workspace.jupyter });

    const jupyterPort = workspace.jupyter.publish.hostPort;
    // Jupyter's address on the VM, as ssh -L wants it (IPv6 in brackets).
    const jupyterOnVm = urlHost(clientAddress(workspace.jupyter.publish.hostIp));
    const ssh = pulumi.interpolate`ssh -i ${settings.vm.sshPrivateKeyPath} ${settings.vm.adminUser}@${vm.publicIp}`;
    return {
        targets: { runtime, hasGpu: vm.hasGpu },
        outputs: {
            resourceGroup: resourceGroupName,
            vmName: vm.vmName,
            vmPublicIp: vm.publicIp,
            dockerHost: remote.host,
            sshCommand: ssh,
            jupyterTunnelCommand: pulumi.interpolate`ssh -N -L ${jupyterPort}:${jupyterOnVm}:${jupyterPort} -i ${settings.vm.sshPrivateKeyPath} ${settings.vm.adminUser}@${vm.publicIp}`,
            registryLoginServer: registry.loginServer,
            // Through the tunnel, Jupyter answers here as it would on the local target.
            ...workspaceOutputs(ws, network.name, workspace.mysql.image, workspace.mysql.publish),
        },
    };
}

