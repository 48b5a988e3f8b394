import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * A machine this program manages (an Azure VM), as what runs on it sees it.
 * What its engine keeps on the machine's own disk (containers, networks,
 * images, swarm membership) lives and dies with the machine: when the machine
 * is replaced, Pulumi makes it again on the new one in the same run, and
 * deletes none of it through a connection (the old machine may be stopped or
 * gone). Named volumes are the exception: they are on the kept data disk.
 */
export interface ManagedMachine {
    /** The machine: replacing it replaces what is on it (`replaceWith`). */
    resource: pulumi.Resource;
    /** Deleted whenever the machine is, also when it is replaced (`machineIncarnation`): what is on the machine is deleted with it (`deletedWith`). */
    incarnation: pulumi.Resource;
}

/**
 * One life of a machine: keyed on the machine's own id, so replaced exactly
 * when the machine is. Why not `deletedWith` the machine itself: Pulumi skips a
 * delete for `deletedWith` only when the resource named there is deleted in the
 * same run, and a machine replaced delete-before-replace (a VM, whose name its
 * successor takes) does not count. Its engine's resources would then be deleted
 * through the engine's provider, which Pulumi registers only once the new
 * machine is ready ("unknown provider"). This resource is among those Pulumi
 * deletes before the machine (its input depends on the machine's id), so it
 * counts.
 */
export function machineIncarnation(name: string, machineId: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): random.RandomId {
    return new random.RandomId(name, { byteLength: 4, keepers: { machineId } }, opts);
}
