import { Runtime } from "../components/runtime";
import { Workspace } from "../components/workspace";
import type { Settings } from "../settings";
import type { WorkloadSettings } from "../workloads";
import { deployWorkloads, WorkloadOutputs } from "./workloads";
import { workspaceHub, workspaceUsers } from "./workspace-users";

/** What every target declares once it has a runtime: the settings of the workspace and of the workloads. */
export type WorkspaceSettings = Pick<Settings, "namePrefix" | "mysql" | "jupyter"> & { workloads?: WorkloadSettings };

/**
 * The workspace (MySQL, the notebooks, the lab hub) and the enabled workloads
 * on `runtime`: the same declarations on every target. `hubDockerSocket`: the
 * engine's socket where the hub runs and spawns through Docker's API; none on
 * Kubernetes, where KubeSpawner talks to the cluster as the hub's ServiceAccount.
 */
export function deployWorkspace(
    runtime: Runtime,
    settings: WorkspaceSettings,
    hubDockerSocket?: string,
): { workspace: Workspace; workloads: WorkloadOutputs } {
    const workspace = new Workspace("workspace", {
        runtime,
        namePrefix: settings.namePrefix,
        mysql: settings.mysql,
        jupyter: settings.jupyter,
        users: workspaceUsers(settings.jupyter.users),
        hub: workspaceHub(settings.jupyter, hubDockerSocket),
    });
    const workloads = settings.workloads
        ? deployWorkloads({ runtime, namePrefix: settings.namePrefix, settings: settings.workloads }).outputs
        : {};
    return { workspace, workloads };
}
