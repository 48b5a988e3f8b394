import * as pulumi from "@pulumi/pulumi";
import { clientAddress } from "../components/host-address";
import { Workspace } from "../components/workspace";
import { Published } from "../config/settings";

/** The workspace's one notebook, when it has no users. */
interface NotebookOutputs {
    jupyterUrl: pulumi.Output<string>;
    jupyterLoginUrl: pulumi.Output<string>;
    jupyterToken: pulumi.Output<string>;
    jupyterContainer: pulumi.Output<string>;
    jupyterHostPort: number;
}

/** What `pulumi stack output` answers about the workspace, on any target. */
export interface WorkspaceOutputs extends Partial<NotebookOutputs> {
    /** Each user's notebook (url, container or service, host port, the database it is handed), by user name. */
    notebooks?: Record<string, { url: pulumi.Output<string>; container: pulumi.Output<string>; hostPort: number; database?: string }>;
    /** Each user's login URL with their token, secret, by user name. */
    notebookLoginUrls?: pulumi.Output<Record<string, string>>;
    /** The hub's address, where each user logs in (dsenv:jupyterHub). */
    jupyterHubUrl?: pulumi.Output<string>;
    /** Each user's initial hub password, secret, by user name (jupyterHubAuth password). */
    jupyterHubPasswords?: pulumi.Output<Record<string, string>>;
    jupyterHubContainer?: pulumi.Output<string>;
    jupyterImage: pulumi.Output<string>;
    mysqlConnectionString: pulumi.Output<string>;
    mysqlHostConnectionString?: pulumi.Output<string>;
    mysqlContainer: pulumi.Output<string>;
    mysqlHostPort?: number;
    mysqlImage: string;
    mysqlDataVolume: pulumi.Output<string>;
    network: pulumi.Output<string>;
}

export function workspaceOutputs(
    ws: Workspace,
    network: pulumi.Output<string>,
    mysqlImage: string,
    published?: Published,
): WorkspaceOutputs {
    const users = Object.entries(ws.notebooks);
    return {
        ...(ws.jupyter && {
            jupyterUrl: ws.jupyter.url,
            jupyterLoginUrl: ws.jupyter.loginUrl,
            jupyterToken: ws.jupyter.token,
            jupyterContainer: ws.jupyter.containerName,
            jupyterHostPort: ws.jupyter.hostPort,
        }),
        ...(users.length > 0 && {
            notebooks: Object.fromEntries(
                users.map(([user, nb]) => [
                    user,
                    { url: nb.url, container: nb.containerName, hostPort: nb.hostPort, database: nb.database },
                ]),
            ),
            notebookLoginUrls: pulumi.secret(pulumi.all(Object.fromEntries(users.map(([user, nb]) => [user, nb.loginUrl])))),
        }),
        ...(ws.hub && {
            jupyterHubUrl: ws.hub.url,
            ...(ws.hub.passwords && { jupyterHubPasswords: ws.hub.passwords }),
            jupyterHubContainer: ws.hub.containerName,
        }),
        jupyterImage: ws.notebookImage.ref,
        mysqlConnectionString: ws.mysql.connectionUrl,
        mysqlContainer: ws.mysql.containerName,
        mysqlImage,
        mysqlDataVolume: ws.mysql.dataVolumeName,
        network,
        // Only when MySQL is published: an undefined output is a warning on every run.
        ...(published && {
            mysqlHostConnectionString: ws.mysql.url("mysql", clientAddress(published.hostIp), published.hostPort),
            mysqlHostPort: published.hostPort,
        }),
    };
}
