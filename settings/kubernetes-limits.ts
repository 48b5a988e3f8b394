import type { ConfigKey } from "../config/defaults";
import { ConfigReader } from "../config/reader";
import type { JupyterSettings, WorkDir } from "../config/settings";
import type { WorkloadSettings } from "../workloads";

// What a stack can say that Kubernetes cannot do, refused before any resource
// exists. GPUs by index or "all" are refused where the GPU requests are
// checked (config/kubernetes.ts checkKubeGpuRequests).

/** Why a host folder is no place for a pod's data. */
const HOST_FOLDER =
    '"" (a PersistentVolumeClaim): on the kubernetes target a pod runs on whichever node the scheduler picks, and a host folder is on one machine';

export function refuseOnKubernetes(
    read: ConfigReader,
    jupyter: Pick<JupyterSettings, "workDir" | "hub">,
    workloads: WorkloadSettings,
): void {
    const folders: [ConfigKey, WorkDir | undefined][] = [
        ["jupyterWorkDir", jupyter.workDir],
        ["rstudioProjectDir", workloads.rstudio?.projectDir],
        ["labWorkspaceDir", workloads.lab?.workspaceDir],
        ["pytorchHomeDir", workloads.pytorch?.homeDir],
    ];
    for (const [key, dir] of folders) if (dir?.kind === "bind") read.reject(key, read.string(key), HOST_FOLDER);
    if (workloads.site?.content.kind === "bind")
        read.reject(
            "siteSource",
            "bind",
            "image (the site built into an image): on the kubernetes target a host folder is on one machine, not on every node",
        );
    if (workloads.app)
        read.reject(
            "appEnabled",
            true,
            "false on the kubernetes target: the app runs its source from a host folder bound at /app, which a pod on any node cannot have",
        );
    if (jupyter.hub)
        read.reject(
            "jupyterHub",
            true,
            "false on the kubernetes target for now: the hub starts its users' servers through Docker's API, and a cluster needs KubeSpawner (not yet here)",
        );
}
