import * as pulumi from "@pulumi/pulumi";

// The harness answers a resource with its inputs. Azure computes a few outputs
// the graph depends on (the login server, the public IP, the VM's identity), and
// the program calls three provider functions: both are answered here, every
// other call still fails.
const realSetMocks = pulumi.runtime.setMocks;
jest.spyOn(pulumi.runtime, "setMocks").mockImplementation((mocks, ...rest) =>
    realSetMocks(
        {
            newResource: args => {
                const answer = mocks.newResource(args) as { id: string; state: any };
                return { id: args.type.startsWith("azure-native:") ? `/subscriptions/sub-1/resourceGroups/rg/providers/${args.name}` : answer.id, state: { ...answer.state, ...azureOutputs(args.type, args.inputs) } };
            },
            call: args => {
                switch (args.token) {
                    case "azure-native:authorization:getClientToken":
                        return { token: "aad-token-of-the-deployer" };
                    case "azure-native:authorization:getClientConfig":
                        return { subscriptionId: "sub-1", tenantId: "tenant-1", objectId: "deployer-object", clientId: "deployer-client" };
                    case "azure-native:containerregistry:listRegistryCredentials":
                        return { username: "dsenvunit01", passwords: [{ name: "password", value: "admin-password-1" }] };
                    default:
                        return mocks.call(args);
                }
            },
        },
        ...rest,
    ),
);

function azureOutputs(type: string, inputs: any): Record<string, unknown> {
    switch (type) {
        case "azure-native:containerregistry:Registry":
            return { loginServer: `${inputs.registryName}.azurecr.io`, name: inputs.registryName };
        case "azure-native:network:PublicIPAddress":
            return { ipAddress: "20.61.7.9" };
        case "azure-native:compute:VirtualMachine":
            return { name: inputs.vmName, vmId: "0f6e-vm-guid", identity: { type: "SystemAssigned", principalId: "vm-principal-1" } };
        case "azure-native:network:VirtualNetwork":
            return { name: inputs.virtualNetworkName };
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName };
        case "pulumi-nodejs:dynamic/dsenv:ManagedIdentityPullToken":
            return { refreshToken: "acr-token-of-the-vm" };
        default:
            return {};
    }
}

// The registry's token exchange, as the program sees it; nothing leaves this machine.
export const exchanges: { url: string; body: string }[] = [];
jest.spyOn(globalThis, "fetch").mockImplementation(async (url, init) => {
    exchanges.push({ url: String(url), body: String(init?.body) });
    return new Response(JSON.stringify({ refresh_token: "acr-token-of-the-deployer" }), { status: 200 });
});
