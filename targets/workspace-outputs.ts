import * as pulumi from "@pulumi/pulumi";
import { clientAddress } from "../components/host-address";
import { Workspace } from "../components/workspace";
import { Published } from "../config/settings";

/** What `pulumi stack output` answers about the workspace, on any target. */
export interface WorkspaceOutputs {
    jupyterUrl: pulumi.Output<string>;
    jupyterLoginUrl: pulumi.Output<string>;
    jupyterToken: pulumi.Output<string>;
    jupyterContainer: pulumi.Output<string>;
    jupyterHostPort: number;
    jupyterImage: pulumi.Output<string>;
    mysqlConnectionString: pulumi.Output<string>;
    mysqlHostConnectionString?: pulumi.Output<string>;
    mysqlContainer: pulumi.Output<string>;
    mysqlHostPort?: number;
    mysqlImage: string;
    mysqlDataVolume: pulumi.Output<string>;
    network: pulumi.Output<string>;
}

export function workspaceOutputs(ws: Workspace, mysqlImage: string, published?: Published): WorkspaceOutputs {
    return {
        jupyterUrl: ws.jupyter.url,
        jupyterLoginUrl: ws.jupyter.loginUrl,
        jupyterToken: ws.jupyter.token,
        jupyterContainer: ws.jupyter.containerName,
        jupyterHostPort: ws.jupyter.hostPort,
        jupyterImage: ws.jupyter.image.ref,
        mysqlConnectionString: ws.mysql.connectionUrl,
        mysqlContainer: ws.mysql.containerName,
        mysqlImage,
        mysqlDataVolume: ws.mysql.dataVolumeName,
        network: ws.network.name,
        // Only when MySQL is published: an undefined output is a warning on every run.
        ...(published && {
            mysqlHostConnectionString: ws.mysql.url("mysql", clientAddress(published.hostIp), published.hostPort),
            mysqlHostPort: published.hostPort,
        }),
    };
}
