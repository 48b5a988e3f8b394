import type { ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { VM_REPLACED_ON } from "../../components/azure/gpu-vm";

// The module object itself (an ES namespace import cannot be spied on), as the program's require sees it.
const childProcess = require("child_process") as typeof import("child_process");

/**
 * What Azure has, as the program's lookups see it: resources by name (their
 * Azure answer), resource providers' registration states. Tests change it and
 * `resetAzure()` puts it back.
 */
export const azure = {
    groups: new Map<string, { id: string; location: string; tags?: Record<string, string> }>(),
    disks: new Map<string, { id: string; location: string; diskSizeGB: number; tags?: Record<string, string> }>(),
    /** The stack's own outputs, as its last update left them (what a reference to itself reads). */
    stackOutputs: {} as Record<string, unknown>,
    providers: new Map<string, string>(),
    /** Namespaces POSTed to .../register, in order. */
    registered: [] as string[],
    /** HTTP status of a register call. */
    registerStatus: 200,
    /** The inputs of each listManagedClusterUserCredentials call. */
    credentialCalls: [] as Record<string, unknown>[],
};
export function resetAzure(): void {
    azure.groups.clear();
    azure.disks.clear();
    azure.stackOutputs = {};
    azure.providers.clear();
    for (const ns of [
        "Microsoft.Compute",
        "Microsoft.Network",
        "Microsoft.ContainerRegistry",
        "Microsoft.DevTestLab",
        "Microsoft.ContainerService",
    ])
        azure.providers.set(ns, "Registered");
    azure.registered.length = 0;
    azure.registerStatus = 200;
    azure.credentialCalls.length = 0;
}
resetAzure();

// The harness answers a resource with its inputs. Azure computes a few outputs
// the graph depends on (the login server, the public IP, the VM's identity), and
// the program calls three provider functions: both are answered here, every
// other call still fails.
const realSetMocks = pulumi.runtime.setMocks;
// The organization is the file backend's ("organization"): the program names its own stack by it.
jest.spyOn(pulumi.runtime, "setMocks").mockImplementation((mocks, project, stack, preview, organization = "organization") =>
    realSetMocks(
        {
            newResource: args => {
                const answer = mocks.newResource(args) as { id: string; state: any };
                return {
                    id: args.type.startsWith("azure-native:") ? `/subscriptions/sub-1/resourceGroups/rg/providers/${args.name}` : answer.id,
                    state: { ...answer.state, ...azureOutputs(args.type, args.inputs) },
                };
            },
            call: args => {
                switch (args.token) {
                    case "azure-native:authorization:getClientToken":
                        // The audience decides the token: the registry's for the push login, ARM's for the subscription.
                        return {
                            token:
                                args.inputs.endpoint === "https://containerregistry.azure.net"
                                    ? "aad-acr-token-of-the-deployer"
                                    : "aad-arm-token-of-the-deployer",
                        };
                    case "azure-native:resources:getResourceGroup": {
                        const group = azure.groups.get(args.inputs.resourceGroupName);
                        if (!group)
                            throw providerError(
                                `Resource group '${args.inputs.resourceGroupName}' could not be found. (ResourceGroupNotFound)`,
                            );
                        return { name: args.inputs.resourceGroupName, ...group };
                    }
                    case "azure-native:compute:getDisk": {
                        const disk = azure.disks.get(args.inputs.diskName);
                        if (!disk)
                            throw providerError(
                                `The Resource 'Microsoft.Compute/disks/${args.inputs.diskName}' under resource group '${args.inputs.resourceGroupName}' was not found. (ResourceNotFound)`,
                            );
                        return { name: args.inputs.diskName, ...disk };
                    }
                    case "azure-native:authorization:getClientConfig":
                        return { subscriptionId: "sub-1", tenantId: "tenant-1", objectId: "deployer-object", clientId: "deployer-client" };
                    case "azure-native:containerservice:listManagedClusterUserCredentials":
                        azure.credentialCalls.push(args.inputs);
                        return {
                            kubeconfigs: [
                                { name: "clusterUser", value: Buffer.from(aksUserKubeconfig(args.inputs.resourceName)).toString("base64") },
                            ],
                        };
                    case "azure-native:containerregistry:listRegistryCredentials":
                        return { username: "dsenvunit01", passwords: [{ name: "password", value: "admin-password-1" }] };
                    default:
                        return mocks.call(args);
                }
            },
        },
        project,
        stack,
        preview,
        organization,
    ),
);

/** The number a VM's resource names end in (none: VM 1). */
function vmNumber(name: string): number {
    return Number(/[a-z](\d+)$/.exec(name)?.[1] ?? 1);
}

/** A provider's failure reaches the program as the gRPC error's details. */
function providerError(message: string): Error {
    return Object.assign(new Error(message), { details: message });
}

function azureOutputs(type: string, inputs: any): Record<string, unknown> {
    switch (type) {
        case "azure-native:containerregistry:Registry":
            return { loginServer: `${inputs.registryName}.azurecr.io`, name: inputs.registryName };
        case "azure-native:network:PublicIPAddress":
            // VM 1's is 20.61.7.9, VM 2's 20.61.7.10, ...
            return { ipAddress: `20.61.7.${8 + vmNumber(inputs.publicIpAddressName)}` };
        case "azure-native:network:NetworkInterface":
            // A static address is the one asked for; a dynamic one, Azure's next free one (from .4 on).
            return {
                ipConfigurations: [
                    {
                        ...inputs.ipConfigurations[0],
                        privateIPAddress:
                            inputs.ipConfigurations[0].privateIPAddress ?? `10.42.1.${3 + vmNumber(inputs.networkInterfaceName)}`,
                    },
                ],
            };
        case "pulumi-nodejs:dynamic/dsenv:AcrTokenPassword":
            return { username: "dsenv-unit-swarm-pull", password: "token-password-1", expiry: "2027-11-30T00:00:00.000Z" };
        case "azure-native:compute:VirtualMachine":
            return { name: inputs.vmName, vmId: vmIdOf(inputs), identity: { type: "SystemAssigned", principalId: "vm-principal-1" } };
        case "azure-native:network:VirtualNetwork":
            return { name: inputs.virtualNetworkName };
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName };
        case "azure-native:containerservice:ManagedCluster":
            // AKS makes the kubelet's identity with the cluster.
            return {
                name: inputs.resourceName,
                identityProfile: {
                    kubeletidentity: { objectId: "kubelet-object-1", clientId: "kubelet-client-1", resourceId: "/kubelet-identity" },
                },
            };
        case "pulumi:pulumi:StackReference":
            return { outputs: azure.stackOutputs, secretOutputNames: [] };
        default:
            return {};
    }
}

// The registry's token exchange and Azure Resource Manager's resource providers, as the
// program sees them; nothing leaves this machine.
export const exchanges: { url: string; body: string }[] = [];
jest.spyOn(globalThis, "fetch").mockImplementation(async (url, init) => {
    const provider = /^https:\/\/management\.azure\.com\/subscriptions\/sub-1\/providers\/([\w.]+)(\/register)?\?api-version=/.exec(
        String(url),
    );
    if (provider) {
        const [, namespace, register] = provider;
        if (register) {
            azure.registered.push(namespace);
            if (azure.registerStatus === 200) azure.providers.set(namespace, "Registered");
            return new Response("{}", { status: azure.registerStatus });
        }
        return new Response(JSON.stringify({ namespace, registrationState: azure.providers.get(namespace) ?? "NotRegistered" }), {
            status: 200,
        });
    }
    exchanges.push({ url: String(url), body: String(init?.body) });
    return new Response(JSON.stringify({ refresh_token: "acr-token-of-the-deployer" }), { status: 200 });
});

// The VM, as the program's ssh client sees it: the token command prints the VM identity's
// token (exit 0). Every ssh command is recorded; any other command fails the test.
export const sshCalls: string[][] = [];
jest.spyOn(childProcess, "execFile").mockImplementation(((
    file: string,
    args: string[],
    _opts: unknown,
    callback: (e: Error | null, out: string, err: string) => void,
) => {
    if (file !== "ssh") throw new Error(`unexpected command in a unit test: ${file} ${args.join(" ")}`);
    sshCalls.push(args);
    setImmediate(() => callback(null, "acr-token-of-the-vm\n", ""));
    return {} as ChildProcess;
}) as unknown as typeof childProcess.execFile);

/** Azure's id of a VM: a new one for a new VM, i.e. when an input Azure cannot change in place differs (VM_REPLACED_ON). */
export function vmIdOf(inputs: Record<string, unknown>): string {
    const at = (path: string) => path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], inputs);
    const hash = crypto
        .createHash("sha256")
        .update(JSON.stringify(VM_REPLACED_ON.map(at)))
        .digest("hex");
    return `${hash.slice(0, 8)}-vm-guid`;
}

/** What AKS answers for an Entra ID cluster's user kubeconfig in format "exec": kubelogin with device code. */
export function aksUserKubeconfig(cluster: string): string {
    return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EtT0YtVEhFLUNMVVNURVI=
    server: https://${cluster}-dns-1.hcp.eastus.azmk8s.io:443
  name: ${cluster}
contexts:
- context:
    cluster: ${cluster}
    user: clusterUser_rg_${cluster}
  name: ${cluster}
current-context: ${cluster}
kind: Config
preferences: {}
users:
- name: clusterUser_rg_${cluster}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - 6dae42f8-4368-4678-94ff-3960e28e3630
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - tenant-1
      - --login
      - devicecode
      command: kubelogin
      env: null
      provideClusterInfo: false
`;
}
