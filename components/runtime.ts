import * as pulumi from "@pulumi/pulumi";
import type { RegistryLogin } from "./engine";
import { ContainerImage, ImageSource } from "./image";
import type { VolumeRef } from "./volume";
import { WorkloadSpec } from "./workload-spec";

/**
 * Where a workload runs, on a runtime of several machines: `pinned` to the
 * machine that holds its data (named by a placement key the runtime maps to a
 * machine, e.g. "data" or "user-alice"), or `anywhere` it fits. One engine has
 * one machine, where both are the same.
 */
export type Placement = { pinned: string } | "anywhere";

/** A workload as it runs: its name on the engine or swarm, and the resource to depend on. */
export interface RunningWorkload {
    name: pulumi.Output<string>;
    resource: pulumi.Resource;
}

/**
 * What a program running on the runtime needs to start containers of its own
 * beside the runtime's workloads (JupyterHub's spawners start each user's
 * server): the Docker API it speaks (one engine's containers, or a swarm's
 * services), the workloads' network, and on a swarm the constraint that puts
 * a spawned service on the machine of a pinned placement.
 */
export interface SpawnTarget {
    kind: "engine" | "swarm" | "kubernetes";
    /** The workloads' network; on Kubernetes, their namespace. */
    network: pulumi.Output<string>;
    constraint?: string;
    /** What the spawned services pull with (a swarm's nodes pull for themselves; one engine has the images already). */
    registryLogins: RegistryLogin[];
    /** On Kubernetes: what a spawned pod needs beside the namespace (KubeSpawner). */
    kubernetes?: KubeSpawnTarget;
}

/** What a program on a Kubernetes runtime needs to start pods like the runtime's own. */
export interface KubeSpawnTarget {
    namespace: pulumi.Output<string>;
    /** The dockerconfigjson Secret pods pull built images with; none: the cluster's identity pulls. */
    pullSecret?: pulumi.Input<string>;
    /** The claims' class; none: the cluster's default. */
    storageClass?: string;
    /** What each claim requests (10Gi). */
    volumeSize: string;
    /** What a GPU pod tolerates, and where it is put. */
    gpuPool?: {
        tolerations: { key?: string; operator?: string; value?: string; effect?: string }[];
        nodeSelector?: Record<string, string>;
    };
    /** The labels every object of the stack carries. */
    labels: Record<string, string>;
}

/**
 * Where workloads run and how a spec becomes something running: one engine
 * (EngineRuntime: a container per spec) or a swarm (SwarmRuntime: a service per
 * spec). A workload component builds its specs and hands them to the runtime
 * it is given, so it runs unchanged on either.
 */
export interface Runtime {
    /** The image ready for the runtime's engines; its `ref` is what a spec names. */
    image(parent: pulumi.Resource, name: string, source: ImageSource): ContainerImage;
    /** A named volume for the data of a workload placed at `placement`, on that workload's machine. */
    volume(parent: pulumi.Resource, name: string, args: { volumeName: string; keepOnDestroy: boolean }, placement: Placement): VolumeRef;
    /** Runs the spec (as a child of `parent`, under `name`). */
    run(parent: pulumi.Resource, name: string, spec: WorkloadSpec, placement: Placement): RunningWorkload;
    /** How a program running here starts workloads placed at `placement` itself. */
    spawnTarget(placement: Placement): SpawnTarget;
    /** The address a browser opens for a port published by a workload placed at `placement` (an Output where the machine's address is one). */
    url(published: { hostPort: number; hostIp?: string }, placement: Placement): pulumi.Input<string>;
}
