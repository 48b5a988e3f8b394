import { WorkspaceUser } from "../components/workspace";
import { NotebookUserSettings } from "../config/settings";

/** The placement key of a user's notebook and work volume (a swarm labels their node with it). */
export function userPlacementKey(name: string): string {
    return `user-${name}`;
}

/** dsenv:jupyterUsers as the workspace takes them. */
export function workspaceUsers(users: NotebookUserSettings[]): WorkspaceUser[] {
    return users.map(u => ({ name: u.name, uid: u.uid, gid: u.gid, hostPort: u.hostPort, placement: { pinned: userPlacementKey(u.name) }, ownDatabase: u.ownDatabase, gpus: u.gpus, env: u.env }));
}
