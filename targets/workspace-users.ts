import { WorkspaceArgs, WorkspaceUser } from "../components/workspace";
import { Placement } from "../components/runtime";
import { JupyterSettings, NotebookUserSettings } from "../config/settings";

/** The placement key of a user's notebook and work volume (a swarm labels their node with it). */
export function userPlacementKey(name: string): string {
    return `user-${name}`;
}

/** The placement key of the hub and its state (a swarm labels a manager with it: the hub spawns through the manager's API). */
export const HUB_PLACEMENT_KEY = "hub";

/** dsenv:jupyterUsers as the workspace takes them. */
export function workspaceUsers(users: NotebookUserSettings[]): WorkspaceUser[] {
    return users.map(u => ({
        name: u.name,
        uid: u.uid,
        gid: u.gid,
        hostPort: u.hostPort,
        placement: { pinned: userPlacementKey(u.name) },
        ownDatabase: u.ownDatabase,
        gpus: u.gpus,
        env: u.env,
    }));
}

/** The socket the hub's spawners talk to on its machine: the engine's own where it is a local socket (a path there too), else Docker's default. */
export function engineSocket(engineHost: string | undefined): string {
    return engineHost?.startsWith("unix://") ? engineHost.slice("unix://".length) : "/var/run/docker.sock";
}

/** dsenv:jupyterHub as the workspace takes it (no Docker socket on Kubernetes); none when it is off. */
export function workspaceHub(jupyter: JupyterSettings, dockerSocket?: string): WorkspaceArgs["hub"] {
    if (!jupyter.hub) return undefined;
    const placement: Placement = { pinned: HUB_PLACEMENT_KEY };
    // The hub's state (its users, their changed passwords) is kept as their work is (dsenv:jupyterKeepWork).
    const keepStateOnDestroy = jupyter.workDir.kind === "bind" || jupyter.workDir.keepOnDestroy;
    return { ...jupyter.hub, dockerSocket, placement, keepStateOnDestroy };
}
