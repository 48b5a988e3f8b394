import * as pulumi from "@pulumi/pulumi";
import type { Placement, Runtime } from "./runtime";
import { bindMount, Mount, volumeMount, WorkDir } from "./volume";

// The directory a user works in, on a runtime: apart from volume.ts, which the
// runtime itself builds on, so that neither imports the other.

/**
 * Where a workload with this work directory runs on a runtime of several
 * machines: with its named volume (pinned under `key`), or anywhere when the
 * directory is a host directory (which every machine must then have, e.g. an
 * NFS home).
 */
export function workDirPlacement(workDir: WorkDir, key: string): Placement {
    return workDir.kind === "volume" ? { pinned: key } : "anywhere";
}

/**
 * Mounts the directory a user works in at `target`: the host directory when one
 * is given, else a named volume `volumeName` made by the runtime where the
 * workload runs.
 */
export function workDirMount(
    parent: pulumi.Resource,
    name: string,
    runtime: Runtime,
    volumeName: string,
    workDir: WorkDir,
    target: string,
    placement: Placement,
): Mount {
    if (workDir.kind === "bind") return bindMount(workDir.hostPath, target);
    return volumeMount(runtime.volume(parent, name, { volumeName, keepOnDestroy: workDir.keepOnDestroy }, placement), target);
}
