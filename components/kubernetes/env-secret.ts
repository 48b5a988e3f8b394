import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * An Opaque Secret of variables (name -> value) that pods started by a
 * program (the hub's servers) refer to by secretKeyRef, so that their specs
 * carry the names only. The values stay secret: in the Secret's data, in
 * state and in previews.
 */
export function envSecret(
    name: string,
    args: {
        provider: k8s.Provider;
        namespace: pulumi.Input<string>;
        secretName: string;
        values: Record<string, pulumi.Input<string>>;
        labels: Record<string, string>;
    },
    opts?: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name: args.secretName, namespace: args.namespace, labels: args.labels },
            type: "Opaque",
            stringData: pulumi.secret(pulumi.output(args.values)),
        },
        { ...opts, provider: args.provider, additionalSecretOutputs: ["data", "stringData"] },
    );
}
