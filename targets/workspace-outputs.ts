import * as pulumi from "@pulumi/pulumi";
import { clientAddress } from "../components/host-address";
import { JupyterNotebook } from "../components/jupyter";
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
    jupyterImage: pulumi.Output<string>;
    mysqlConnectionString: pulumi.Output<string>;
    mysqlHostConnectionString?: pulumi.Output<string>;
    mysqlContainer: pulumi.Output<string>;
    mysqlHostPort?: number;
    mysqlImage: string;
    mysqlDataVolume: pulumi.Output<string>;
    network: pulumi.Output<string>;
}

export function workspaceOutputs(ws: Workspace, network: pulumi.Output<string>, mysqlImage: string, published?: Published): WorkspaceOutputs {
    const users = Object.entries(ws.notebooks);
    // Every notebook runs the one image.
    const someNotebook: JupyterNotebook = ws.jupyter ?? users[0][1];
    return {
        ...(ws.jupyter && {
            jupyterUrl: ws.jupyter.url,
            jupyterLoginUrl: ws.jupyter.loginUrl,
            jupyterToken: ws.jupyter.token,
            jupyterContainer: ws.jupyter.containerName,
            jupyterHostPort: ws.jupyter.hostPort,
        }),
        ...(users.length > 0 && {
            notebooks: Object.fromEntries(users.map(([user, nb]) => [user, { url: nb.url, container: nb.containerName, hostPort: nb.hostPort, database: nb.database }])),
            notebookLoginUrls: pulumi.secret(pulumi.all(Object.fromEntries(users.map(([user, nb]) => [user, nb.loginUrl])))),
        }),
        jupyterImage: someNotebook.image.ref,
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
