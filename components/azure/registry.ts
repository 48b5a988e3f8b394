import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import { RegistryLogin } from "../engine";
import { PushTarget } from "../image";
import { adminLogin, deployerLogin } from "./registry-login";

/** Built-in role "AcrPull": read images, nothing else. */
export const ACR_PULL_ROLE = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

export interface ContainerRegistryArgs {
    resourceGroupName: pulumi.Input<string>;
    location: pulumi.Input<string>;
    /** Globally unique, 5 to 50 lower-case letters and digits. */
    registryName: string;
    sku: "Basic" | "Standard" | "Premium";
    /**
     * The registry's shared admin user. Off by default: one password for the
     * whole registry, full push/pull rights, no audit of who used it. Turn it on
     * only where an identity-based login cannot work.
     */
    adminUserEnabled?: boolean;
}

/**
 * An Azure Container Registry that built images are pushed to and GPU VMs pull
 * from. Pushes log in as the identity running Pulumi (its Entra ID token traded
 * for a registry token), pulls as a VM's managed identity with AcrPull.
 */
export class ContainerRegistry extends pulumi.ComponentResource {
    readonly registry: containerregistry.Registry;
    /** <name>.azurecr.io */
    readonly loginServer: pulumi.Output<string>;
    readonly id: pulumi.Output<string>;
    /** What the engine that builds and pushes logs in with (DockerEngine registryLogins). */
    readonly pushLogin: RegistryLogin;
    /** Where ContainerImage pushes to. */
    readonly pushTarget: PushTarget;
    private readonly registryName: string;

    constructor(name: string, args: ContainerRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:ContainerRegistry", name, {}, opts);
        const adminUserEnabled = args.adminUserEnabled ?? false;
        this.registryName = args.registryName;
        this.registry = new containerregistry.Registry(
            name,
            {
                registryName: args.registryName,
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                sku: { name: args.sku },
                adminUserEnabled,
                // Images are private: every pull is authenticated.
                anonymousPullEnabled: false,
                // Entra ID tokens only for the registry's own audience, as both of our logins use
                // (the built-in policy "Container registries should have ARM audience token
                // authentication disabled" asks for the same): an ARM token of the deployer or
                // the VM cannot be replayed here.
                policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } },
            },
            { parent: this },
        );
        this.id = this.registry.id;
        // Known before the registry exists, so images can be named in the same run that creates it.
        this.pushTarget = { server: `${args.registryName}.azurecr.io` };
        this.loginServer = this.registry.loginServer;
        this.pushLogin = adminUserEnabled
            ? adminLogin(this.registry.name, this.loginServer, args.resourceGroupName, { parent: this })
            : deployerLogin(this.loginServer, { parent: this });
        this.registerOutputs({ loginServer: this.loginServer, id: this.id });
    }

    /** Lets `principalId` (a VM's managed identity) pull from this registry, and nothing more. */
    allowPull(name: string, principalId: pulumi.Input<string>): authorization.RoleAssignment {
        const subscription = authorization.getClientConfigOutput({ parent: this }).subscriptionId;
        return new authorization.RoleAssignment(
            name,
            {
                principalId,
                // Without the type, Azure looks the principal up in Entra ID and can fail on a identity created seconds ago.
                principalType: "ServicePrincipal",
                roleDefinitionId: pulumi.interpolate`/subscriptions/${subscription}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL_ROLE}`,
                scope: this.registry.id,
                description: `AcrPull on ${this.registryName}`,
            },
            { parent: this },
        );
    }
}
