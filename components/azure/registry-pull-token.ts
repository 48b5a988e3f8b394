import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import { RegistryLogin } from "../engine";

// A swarm's nodes pull with the credentials the manager handed over when the
// service was created or last updated (stored in the service's spec), not
// with a node's own identity. A VM identity's registry token lasts three hours:
// a task placed again after that (a drained node, a reboot) could not pull.
// A registry token (a non-Entra credential tied to a scope map) lasts as long
// as its password says, and can only pull. A token has two password slots:
// a renewal fills the one not in use, so the password the services hold keeps
// working while the new one replicates (up to a minute, says ACR) and until
// the services are updated to it; the old one then runs out by itself, less
// than a month later (it is renewed in its last month).

/** The scope map every registry has that allows reading every repository, nothing else. */
export const PULL_SCOPE_MAP = "_repositories_pull";
/** How long a generated password is valid. */
export const PASSWORD_VALID_DAYS = 365;
/** A password this close to its expiry is replaced by a new one on the next `up`. */
export const RENEW_DAYS_BEFORE_EXPIRY = 30;
const ARM = "https://management.azure.com";
/** The registry API version of generateCredentials (GA since 2023). */
const API_VERSION = "2023-07-01";

/** A registry token's two passwords. */
export type PasswordSlot = "password1" | "password2";

interface TokenPasswordInputs {
    /** The registry's ARM id. */
    registryId: string;
    /** <registry>.azurecr.io: where a new password is tried before it is handed on. */
    loginServer: string;
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
    /** Which of the token's passwords this is (none in states from before: password1). */
    slot?: PasswordSlot;
}

/** True when fewer than `days` days are left before `expiry`. */
export function expiresWithin(expiry: string, days: number, now = Date.now()): boolean {
    return Date.parse(expiry) - now < days * 86_400_000;
}

/**
 * Asks the registry for a new password in `slot` of the token (ARM's generateCredentials,
 * which answers at once or as a long-running operation to poll). The value is
 * returned only this once, and goes to the state as a secret.
 */
export async function generatePassword(
    inputs: Pick<TokenPasswordInputs, "registryId" | "tokenId" | "armToken" | "validDays">,
    fetchFn: typeof fetch = fetch,
    now = Date.now(),
    slot: PasswordSlot = "password1",
): Promise<Omit<TokenPasswordOutputs, "registryId" | "tokenId" | "validDays" | "slot">> {
    const expiry = new Date(now + inputs.validDays * 86_400_000).toISOString();
    const headers = { Authorization: `Bearer ${inputs.armToken}`, "Content-Type": "application/json" };
    let response = await fetchFn(`${ARM}${inputs.registryId}/generateCredentials?api-version=${API_VERSION}`, {
        method: "POST",
        headers,
        body: JSON.stringify({ tokenId: inputs.tokenId, name: slot, expiry }),
    });
    const location = response.headers.get("location");
    for (let polls = 0; response.status === 202 && location && polls < 60; polls++) {
        await new Promise(resolve => setTimeout(resolve, 2000));
        response = await fetchFn(location, { headers });
    }
    if (response.status !== 200) {
        throw new Error(
            `generating a password for ${inputs.tokenId} failed (HTTP ${response.status}): ${(await response.text()).slice(0, 500)}`,
        );
    }
    const body = (await response.json()) as { username?: string; passwords?: { name?: string; value?: string; expiry?: string }[] };
    const password = body.passwords?.find(p => p.name === slot);
    if (!body.username || !password?.value)
        throw new Error(`generateCredentials for ${inputs.tokenId} answered without a username or ${slot}`);
    return { username: body.username, password: password.value, expiry: password.expiry ?? expiry };
}

/**
 * Waits until the registry accepts the new password (a login at /v2/): ACR
 * replicates a new password within a minute, and a service handed it earlier
 * could not pull meanwhile.
 */
export async function waitUntilAccepted(
    loginServer: string,
    username: string,
    password: string,
    fetchFn: typeof fetch = fetch,
    timeoutMs = 180_000,
    pollMs = 5000,
): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    let last = "";
    for (;;) {
        const response = await fetchFn(`https://${loginServer}/v2/`, { headers: { Authorization: authorization } }).catch((e: Error) => e);
        if (!(response instanceof Error) && response.status === 200) return;
        last = response instanceof Error ? response.message : `HTTP ${response.status}`;
        if (Date.now() >= deadline)
            throw new Error(
                `${loginServer} does not accept the new password of ${username} after ${timeoutMs / 1000} s (${last}); run up again`,
            );
        await new Promise(resolve => setTimeout(resolve, pollMs));
    }
}

/** A password in `slot`, once the registry accepts it. */
async function newPassword(inputs: TokenPasswordInputs, slot: PasswordSlot): Promise<TokenPasswordOutputs> {
    const generated = await generatePassword(inputs, fetch, Date.now(), slot);
    await waitUntilAccepted(inputs.loginServer, generated.username, generated.password);
    return { registryId: inputs.registryId, tokenId: inputs.tokenId, validDays: inputs.validDays, ...generated, slot };
}

export const tokenPasswordProvider: pulumi.dynamic.ResourceProvider<TokenPasswordInputs, TokenPasswordOutputs> = {
    async diff(_id, olds: TokenPasswordOutputs, news: TokenPasswordInputs) {
        const replaces = (["registryId", "tokenId", "validDays"] as const).filter(k => olds[k] !== news[k]);
        // Renewed ahead of its expiry (an update: into the other slot); the ARM token (new on every run) changes nothing.
        const renew = expiresWithin(olds.expiry, Math.min(RENEW_DAYS_BEFORE_EXPIRY, news.validDays / 2));
        return { changes: replaces.length > 0 || renew, replaces };
    },
    async create(inputs: TokenPasswordInputs) {
        return { id: `${inputs.tokenId}/password`, outs: await newPassword(inputs, "password1") };
    },
    async update(_id, olds: TokenPasswordOutputs, news: TokenPasswordInputs) {
        return { outs: await newPassword(news, otherSlot(olds.slot)) };
    },
    // Nothing to delete: the token goes with its resource, and a password runs out by itself.
};

/** The slot a renewal fills: the one the services do not use. */
export function otherSlot(slot: PasswordSlot | undefined): PasswordSlot {
    return slot === "password1" || slot === undefined ? "password2" : "password1";
}

class TokenPassword extends pulumi.dynamic.Resource {
    declare readonly username: pulumi.Output<string>;
    declare readonly password: pulumi.Output<string>;
    declare readonly expiry: pulumi.Output<string>;

    constructor(
        name: string,
        args: {
            registryId: pulumi.Input<string>;
            loginServer: pulumi.Input<string>;
            tokenId: pulumi.Input<string>;
            armToken: pulumi.Input<string>;
            validDays: number;
        },
        opts?: pulumi.CustomResourceOptions,
    ) {
        super(
            tokenPasswordProvider,
            name,
            {
                ...args,
                armToken: pulumi.secret(args.armToken),
                username: undefined,
                password: undefined,
                expiry: undefined,
                slot: undefined,
            },
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
 * renewed by the `up` that runs in its last month, into the token's other
 * password slot (the old one keeps working meanwhile). `login` is what a swarm's
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
        const password = new TokenPassword(
            `${name}-password`,
            {
                registryId: args.registry.id,
                loginServer: args.registry.loginServer,
                tokenId: token.id,
                armToken,
                validDays: PASSWORD_VALID_DAYS,
            },
            { parent: this },
        );
        this.login = { server: args.registry.loginServer, username: password.username, password: password.password };
        this.version = password.expiry;
        this.registerOutputs({ username: password.username, expiry: password.expiry });
    }
}
