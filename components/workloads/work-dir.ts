import * as pulumi from "@pulumi/pulumi";
import { WorkDir } from "../../config/settings";
import { DockerEngine } from "../engine";
import { bindMount, DataVolume, Mount, volumeMount } from "../volume";

/**
 * Where a workload keeps the directory a user works in: the host directory when
 * one is given, else a named volume `<volumeName>` created under `parent`.
 */
export function workDirMount(parent: pulumi.Resource, name: string, engine: DockerEngine, volumeName: string, workDir: WorkDir, target: string): Mount {
    if (workDir.kind === "bind") return bindMount(workDir.hostPath, target);
    const volume = new DataVolume(name, { engine, volumeName, keepOnDestroy: workDir.keepOnDestroy }, { parent });
    return volumeMount(volume, target);
}

/** An address a browser on the engine's host can open for a port published on `hostIp`. */
export function browsableUrl(hostIp: string, hostPort: number): string {
    const host = hostIp === "0.0.0.0" ? "localhost" : hostIp === "::" ? "[::1]" : hostIp.includes(":") ? `[${hostIp}]` : hostIp;
    return `http://${host}:${hostPort}/`;
}
