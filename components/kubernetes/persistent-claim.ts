import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { VolumeRef } from "../volume";

export interface PersistentClaimArgs {
    provider: k8s.Provider;
    namespace: pulumi.Input<string>;
    /** The claim's name in the namespace. */
    claimName: string;
    /** Leave the claim (and its volume's data) in the cluster when the stack is destroyed. */
    keepOnDestroy: boolean;
    /** None: the cluster's default class. */
    storageClass?: string;
    /** What it requests, a Kubernetes quantity (10Gi). */
    size: string;
    labels: Record<string, string>;
}

/**
 * A PersistentVolumeClaim: data that outlives the pods using it, one node's
 * at a time (ReadWriteOnce). With keepOnDestroy it survives `pulumi destroy`,
 * and the next `pulumi up` takes the same claim over, with its data: the
 * provider creates by Server-Side Apply, which applies to an object that
 * exists ("upsert"). pulumi-kubernetes 4.29 (#4278) made creates refuse an existing
 * object (AlreadyExists) unless the provider has `upsertExistingObjects`: an
 * upgrade past it must give the kept objects (the namespace too) a provider
 * with it, and the version test in test/unit/kubernetes.test.ts says so.
 *
 * Not awaited (pulumi.com/skipAwait): the provider counts a claim of a
 * WaitForFirstConsumer class ready only while it is Pending (it is bound once
 * its pod is scheduled, pulumi-kubernetes #3130), so a kept claim, already
 * Bound, taken over again would be waited for until the timeout. The
 * Deployment that mounts it is awaited instead: its pod is ready only once the
 * claim is bound and mounted.
 */
export class PersistentClaim extends pulumi.ComponentResource implements VolumeRef {
    readonly name: pulumi.Output<string>;
    readonly claim: k8s.core.v1.PersistentVolumeClaim;

    constructor(name: string, args: PersistentClaimArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:kubernetes:PersistentClaim", name, {}, opts);
        this.claim = new k8s.core.v1.PersistentVolumeClaim(
            name,
            {
                metadata: {
                    name: args.claimName,
                    namespace: args.namespace,
                    labels: { ...args.labels, "dsenv/keep-on-destroy": String(args.keepOnDestroy) },
                    annotations: { "pulumi.com/skipAwait": "true" },
                },
                spec: {
                    accessModes: ["ReadWriteOnce"],
                    storageClassName: args.storageClass,
                    resources: { requests: { storage: args.size } },
                },
            },
            { parent: this, provider: args.provider, retainOnDelete: args.keepOnDestroy },
        );
        this.name = this.claim.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
