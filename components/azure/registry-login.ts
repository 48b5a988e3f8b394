import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as pulumi from "@pulumi/pulumi";
import { RegistryLogin } from "../engine";
import { ACR_AUDIENCE } from "./cloud-init";

/** The user name Docker logs in with when the password is an ACR refresh token. */
export const ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000";

/**
 * Trades an Entra ID (AAD) access token for an ACR refresh token, which Docker
 * accepts as a password for ACR_TOKEN_USER (what `az acr login` does). The
 * refresh token carries the caller's own rights on the registry and lasts about
 * three hours: it is made anew on every run and never stored anywhere but the
 * (secret) provider config.
 */
export async function exchangeForAcrRefreshToken(
    loginServer: string,
    aadAccessToken: string,
    tenant?: string,
    fetchFn: typeof fetch = fetch,
): Promise<string> {
    const form = new URLSearchParams({ grant_type: "access_token", service: loginServer, access_token: aadAccessToken });
    if (tenant) form.set("tenant", tenant);
    const response = await fetchFn(`https://${loginServer}/oauth2/exchange`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form.toString(),
    });
    if (!response.ok) {
        throw new Error(
            `${loginServer} refused the Azure token (HTTP ${response.status}): does the identity running Pulumi have AcrPush (or Contributor) on the registry?`,
        );
    }
    const body = (await response.json()) as { refresh_token?: string };
    if (!body.refresh_token) throw new Error(`${loginServer}/oauth2/exchange answered without a refresh_token`);
    return body.refresh_token;
}

/**
 * A login to the registry as the identity Pulumi runs under (a developer after
 * `az login`, a pipeline after OIDC `azure/login`): no stored password at all.
 * The Entra ID token is for the registry's audience, not ARM's, which
 * registries with ARM-audience tokens disabled refuse.
 */
export function deployerLogin(loginServer: pulumi.Input<string>, opts?: pulumi.InvokeOutputOptions): RegistryLogin {
    const token = authorization.getClientTokenOutput({ endpoint: ACR_AUDIENCE }, opts);
    const tenant = authorization.getClientConfigOutput(opts).tenantId;
    const password = pulumi.all([loginServer, token.token, tenant]).apply(([server, aad, t]) => exchangeForAcrRefreshToken(server, aad, t));
    return { server: loginServer, username: ACR_TOKEN_USER, password: pulumi.secret(password) };
}

/**
 * A login with the registry's shared admin user (only when the stack enables
 * it): its name and first password, read from Azure, secret end to end.
 */
export function adminLogin(
    registryName: pulumi.Input<string>,
    loginServer: pulumi.Input<string>,
    resourceGroupName: pulumi.Input<string>,
    opts?: pulumi.InvokeOutputOptions,
): RegistryLogin {
    const credentials = containerregistry.listRegistryCredentialsOutput({ registryName, resourceGroupName }, opts);
    return {
        server: loginServer,
        username: credentials.apply(c => c.username ?? ""),
        password: pulumi.secret(credentials.apply(c => c.passwords?.[0]?.value ?? "")),
    };
}
