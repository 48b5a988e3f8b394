import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { DockerEngine } from "./engine";
import { toLabelList } from "./labels";

export interface DataVolumeArgs {
    engine: DockerEngine;
    /** The volume's name on the engine. */
    volumeName: string;
    /** Leave the volume (and its data) on the engine when the stack is destroyed. */
    keepOnDestroy: boolean;
    labels?: Record<string, string>;
}

/**
 * A named volume: data that outlives the containers using it. Containers are
 * replaced freely; the volume is not, and with keepOnDestroy it also survives
 * `pulumi destroy`, so the next `pulumi up` finds the same data under the same name.
 */
export class DataVolume extends pulumi.ComponentResource implements VolumeRef {
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: DataVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:docker:DataVolume", name, {}, opts);
        const volume = new docker.Volume(
            name,
            {
                name: args.volumeName,
                labels: toLabelList({ ...args.labels, "dsenv.keep-on-destroy": String(args.keepOnDestroy) }),
            },
            // On a machine the program manages, the volume is the kept data disk's data: never deleted,
            // and not made again when the machine is replaced (the next machine finds it on the disk).
            args.engine.onData(this, { retainOnDelete: args.keepOnDestroy || args.engine.onManagedMachine }),
        );
        this.name = volume.name;
        this.registerOutputs({ name: this.name });
    }
}

/** A runtime's named store of data (a Docker volume, a PersistentVolumeClaim): what a mount names. */
export interface VolumeRef extends pulumi.Resource {
    /** Its name where it lives (the volume's, the claim's). */
    readonly name: pulumi.Output<string>;
}

/** Whether a mount's volume is a runtime's volume (else a name as it is). */
export function isVolumeRef(v: VolumeRef | pulumi.Input<string>): v is VolumeRef {
    return pulumi.Resource.isInstance(v);
}

/** Where a container keeps a directory: a host directory, or a named volume. */
export type WorkDir = { kind: "bind"; hostPath: string } | { kind: "volume"; keepOnDestroy: boolean };

/** A directory a container sees: a named volume, a host directory, or an anonymous volume. */
export type Mount =
    | { kind: "volume"; volume: VolumeRef | pulumi.Input<string>; target: string; readOnly?: boolean }
    | { kind: "bind"; hostPath: string; target: string; readOnly?: boolean }
    /** Anonymous: hides what a bind mount would put at `target` (e.g. an app's /app/node_modules). */
    | { kind: "anonymous"; target: string };

/** Mounts a named volume at `target`. */
export function volumeMount(volume: VolumeRef | pulumi.Input<string>, target: string, readOnly = false): Mount {
    return { kind: "volume", volume, target, readOnly };
}

/** Mounts a host directory at `target`: an absolute path where the engine runs. */
export function bindMount(hostPath: string, target: string, readOnly = false): Mount {
    if (!path.isAbsolute(hostPath)) throw new Error(`bind mount ${JSON.stringify(hostPath)} -> ${target}: the host path must be absolute`);
    return { kind: "bind", hostPath, target, readOnly };
}

/** An anonymous volume at `target`. */
export function anonymousMount(target: string): Mount {
    return { kind: "anonymous", target };
}

/** The provider's form of a mount. */
export function toContainerMount(m: Mount): docker.types.input.ContainerMount {
    switch (m.kind) {
        case "volume":
            return {
                type: "volume",
                target: m.target,
                readOnly: m.readOnly ?? false,
                source: isVolumeRef(m.volume) ? m.volume.name : m.volume,
            };
        case "bind":
            return { type: "bind", target: m.target, readOnly: m.readOnly ?? false, source: m.hostPath };
        case "anonymous":
            return { type: "volume", target: m.target };
    }
}
