import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { RegistryLogin } from "../engine";

/**
 * A `kubernetes.io/dockerconfigjson` Secret with a registry's login, what
 * pods name in imagePullSecrets to pull from it. The password stays secret:
 * in the Secret's data, in state and in previews.
 */
export function pullSecret(
    name: string,
    args: {
        provider: k8s.Provider;
        namespace: pulumi.Input<string>;
        secretName: string;
        login: RegistryLogin;
        labels: Record<string, string>;
    },
    opts?: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    const { login } = args;
    const config = pulumi
        .secret(pulumi.all([login.server, login.username ?? "", login.password ?? ""]))
        .apply(([server, username, password]) =>
            JSON.stringify({
                auths: { [server]: { username, password, auth: Buffer.from(`${username}:${password}`).toString("base64") } },
            }),
        );
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: args.secretName, namespace: args.namespace, labels: args.labels },
            type: "kubernetes.io/dockerconfigjson",
            stringData: { ".dockerconfigjson": config },
        },
        { ...opts, provider: args.provider, additionalSecretOutputs: ["data", "stringData"] },
    );
}
