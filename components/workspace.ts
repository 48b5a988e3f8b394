import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "./engine";
import { PushTarget } from "./image";
import { JupyterNotebook, JupyterNotebookArgs } from "./jupyter";
import { MySql, MySqlArgs } from "./mysql";
import { BridgeNetwork } from "./network";
import { RestartPolicy } from "./service";

export interface WorkspaceArgs {
    engine: DockerEngine;
    namePrefix: string;
    restart: RestartPolicy;
    /** The database; engine, network, names and restart policy come from the workspace. */
    mysql: Pick<MySqlArgs, "image" | "database" | "user" | "extraAliases" | "publish" | "keepDataOnDestroy">;
    jupyter: Pick<JupyterNotebookArgs, "baseImage" | "publish" | "workDir">;
    /** Build images on this engine and push them here; default: build where they run. */
    buildEngine?: DockerEngine;
    push?: PushTarget;
}

/**
 * The seed's "Jupyter linked to MySQL", done the modern way: one user-defined
 * network, the database on it under "mysql" and the legacy link name, and a
 * notebook that is handed the credentials.
 */
export class Workspace extends pulumi.ComponentResource {
    readonly network: BridgeNetwork;
    readonly mysql: MySql;
    readonly jupyter: JupyterNotebook;

    constructor(name: string, args: WorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:Workspace", name, {}, opts);
        const child = { parent: this };

        this.network = new BridgeNetwork(`${name}-net`, { engine: args.engine, networkName: `${args.namePrefix}-net` }, child);
        this.mysql = new MySql(
            `${name}-mysql`,
            {
                engine: args.engine,
                network: this.network,
                namePrefix: args.namePrefix,
                image: args.mysql.image,
                database: args.mysql.database,
                user: args.mysql.user,
                extraAliases: args.mysql.extraAliases,
                publish: args.mysql.publish,
                keepDataOnDestroy: args.mysql.keepDataOnDestroy,
                restart: args.restart,
            },
            child,
        );
        this.jupyter = new JupyterNotebook(
            `${name}-jupyter`,
            {
                engine: args.engine,
                network: this.network,
                namePrefix: args.namePrefix,
                baseImage: args.jupyter.baseImage,
                buildEngine: args.buildEngine,
                push: args.push,
                database: this.mysql,
                publish: args.jupyter.publish,
                workDir: args.jupyter.workDir,
                restart: args.restart,
            },
            child,
        );
        this.registerOutputs({ network: this.network.name });
    }
}
