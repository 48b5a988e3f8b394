import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The two providers a stack talks to a cluster with, from one configuration:
 * `provider` for its objects, and `adopter` for the objects a destroy keeps
 * (the namespace and the kept PersistentVolumeClaims). The provider refuses to
 * create an object that already exists (AlreadyExists, since 4.29: a create
 * that silently updated, then a delete, lost renamed objects); the next up
 * after a destroy must take the kept ones over instead, so the adopter has
 * upsertExistingObjects (a create of an existing object applies to it) and
 * patch force (the objects are the stack's own: its values win). Only the kept
 * objects use it, so every other create keeps the safe behaviour.
 */
export function kubeProviders(
    name: string,
    args: k8s.ProviderArgs,
    opts?: pulumi.ResourceOptions,
): { provider: k8s.Provider; adopter: k8s.Provider } {
    return {
        provider: new k8s.Provider(name, args, opts),
        adopter: new k8s.Provider(`${name}-adopter`, { ...args, upsertExistingObjects: true, enablePatchForce: true }, opts),
    };
}
