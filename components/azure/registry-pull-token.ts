import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import { RegistryLogin } from "../engine";

// A swarm's nodes pull with the credentials the manager handed over when the
// service was created or last updated (stored in the service's spec), not
// with a node's own identity. A VM identity's registry token lasts three hours:
// a task placed again after that (a drained node, a reboot) could not pull.
// A registry token (a non-Entra credential tied to a scope map) lasts as long
// as its password says, and can only pull.

/** The scope map every registry has that allows reading every repository, nothing else. */
export const PULL_SCOPE_MAP = "_repositories_pull";
/** How long a generated password is valid. */
export const PASSWORD_VALID_DAYS = 365;
/** A password this close to its expiry is replaced by a new one on the next `up`. */
export const RENEW_DAYS_BEFORE_EXPIRY = 30;
const ARM = "https://management.azure.com";
/** The registry API version of generateCredentials (GA since 2023). */
const API_VERSION = "2023-07-01";

interface TokenPasswordInputs {
    /** The registry's ARM id. */
    registryId: string;
    /** The token's ARM id. */
    tokenId: string;
    /** An ARM access token of the identity running Pulumi (fetched anew each run; ignored by diff). */
    armToken: string;
    validDays: number;
}

interface TokenPasswordOutputs {
    registryId: string;
    tokenId: string;
    validDays: number;
    /** The name docker logs in with (the token's name). */
    username: string;
    password: string;
    /** When the password stops working (ISO 8601). */
    expiry: string;
}

/** True when fewer than `days` days are left before `expiry`. */
export function expiresWithin(expiry: string, days: number, now = Date.now()): boolean {
    return Date.parse(expiry) - now < days * 86_400_000;
}

/**
 * Asks the registry for a new password1 of the token (ARM's generateCredentials,
 * which answers at once or as a long-running operation to poll). The value is
 * returned only this once, and goes to the state as a secret.
 */
export async function generatePassword(inputs: Pick<TokenPasswordInputs, "registryId" | "tokenId" | "armToken" | "validDays">, fetchFn: typeof fetch = fetch, now = Date.now()): Promise<Omit<TokenPasswordOutputs, "registryId" | "tokenId" | "validDays">> {
    const expiry = new Date(now + inputs.validDays * 86_400_000).toISOString();
    const headers = { Authorization: `Bearer ${inputs.armToken}`, "Content-Type": "application/json" };
    let response = await fetchFn(`${ARM}${inputs.registryId}/generateCredentials?api-version=${API_VERSION}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ tokenId: inputs.tokenId, name: "password1", expiry }),
    });
    const location = response.headers.get("location");
    for (let polls = 0; response.status === 202 && location && polls < 60; polls++) {
        await new Promise(resolve => setTimeout(resolve, 2000));
        response = await fetchFn(location, { headers });
    }
    if (response.status !== 200) {
        throw new Error(`generating a password for ${inputs.tokenId} failed (HTTP ${response.status}): ${(await response.text()).slice(0, 500)}`);
    }
    const body = (await response.json()) as { username?: string; passwords?: { name?: string; value?: string; expiry?: string }[] };
    const password = body.passwords?.find(p => p.name === "password1");
    if (!body.username || !password?.value) throw new Error(`generateCredentials for ${inputs.tokenId} answered without a username or password1`);
    return { username: body.username, password: password.value, expiry: password.expiry ?? expiry };
}

export const tokenPasswordProvider: pulumi.dynamic.ResourceProvider<TokenPasswordInputs, TokenPasswordOutputs> = {
    async diff(_id, olds: TokenPasswordOutputs, news: TokenPasswordInputs) {
        const replaces = (["registryId", "tokenId", "validDays"] as const).filter(k => olds[k] !== news[k]);
        // Renewed ahead of its expiry; the ARM token (new on every run) changes nothing.
        const renew = expiresWithin(olds.expiry, Math.min(RENEW_DAYS_BEFORE_EXPIRY, news.validDays / 2));
        return { changes: replaces.length > 0 || renew, replaces: renew ? [...replaces, "expiry"] : replaces };
    },
    async create(inputs: TokenPasswordInputs) {
        const generated = await generatePassword(inputs);
        const outs: TokenPasswordOutputs = { registryId: inputs.registryId, tokenId: inputs.tokenId, validDays: inputs.validDays, ...generated };
        return { id: `${inputs.tokenId}/password1`, outs };
    },
    // Nothing to delete: a replacement's new password1 has already replaced it, and the token goes with its resource.
};

class TokenPassword extends pulumi.dynamic.Resource {
    declare readonly username: pulumi.Output<string>;
    declare readonly password: pulumi.Output<string>;
    declare readonly expiry: pulumi.Output<string>;

    constructor(name: string, args: { registryId: pulumi.Input<string>; tokenId: pulumi.Input<string>; armToken: pulumi.Input<string>; validDays: number }, opts?: pulumi.CustomResourceOptions) {
        super(
            tokenPasswordProvider,
            name,
            { ...args, armToken: pulumi.secret(args.armToken), username: undefined, password: undefined, expiry: undefined },
            { ...opts, additionalSecretOutputs: ["password", "armToken"] },
            "dsenv",
            "AcrTokenPassword",
        );
    }
}

export interface RegistryPullTokenArgs {
    registry: containerregistry.Registry;
    resourceGroupName: pulumi.Input<string>;
    /** The token's name in the registry (5 to 50 letters, digits and '-'). */
    tokenName: string;
}

/**
 * A registry token that can only pull, with a password valid for a year and
 * renewed by the `up` that runs in its last month. `login` is what a swarm's
 * manager hands its services; `version` changes with the password, so that
 * the services can be updated to hand the new one over.
 */
export class RegistryPullToken extends pulumi.ComponentResource {
    readonly login: RegistryLogin;
    /** The password's expiry: a new value means a new password. */
    readonly version: pulumi.Output<string>;

    constructor(name: string, args: RegistryPullTokenArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:azure:RegistryPullToken", name, {}, opts);
        const token = new containerregistry.Token(
            name,
            {
                registryName: args.registry.name,
                resourceGroupName: args.resourceGroupName,
                tokenName: args.tokenName,
                scopeMapId: pulumi.interpolate`${args.registry.id}/scopeMaps/${PULL_SCOPE_MAP}`,
                status: "enabled",
            },
            { parent: this },
        );
        // The identity running Pulumi (az login, or a pipeline's) makes the password: an ARM token of its own.
        const armToken = authorization.getClientTokenOutput({}, { parent: this }).token;
        const password = new TokenPassword(`${name}-password`, { registryId: args.registry.id, tokenId: token.id, armToken, validDays: PASSWORD_VALID_DAYS }, { parent: this });
        this.login = { server: args.registry.loginServer, username: password.username, password: password.password };
        this.version = password.expiry;
        this.registerOutputs({ username: password.username, expiry: password.expiry });
    }
}
