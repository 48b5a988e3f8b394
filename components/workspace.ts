import * as pulumi from "@pulumi/pulumi";
import { ContainerImage } from "./image";
import { jupyterImageSource, JupyterNotebook, JupyterNotebookArgs, NotebookVariables, NotebookUser } from "./jupyter";
import { JupyterHub, JupyterHubArgs } from "./jupyter-hub";
import { MySql, MYSQL_PLACEMENT, MySqlArgs } from "./mysql";
import { NotebookPackages } from "./notebook-packages";
import { Placement, Runtime } from "./runtime";

/** A person with a notebook of their own: their uid/gid, port, and where the notebook and its work volume live. */
export interface WorkspaceUser extends NotebookUser {
    hostPort: number;
    placement: Placement;
    /** A database and a MySQL account of their own on the workspace's server; none: the workspace's, shared. */
    ownDatabase?: { database: string; user: string };
    /** Their notebook's GPUs; none: no GPUs. */
    gpus?: JupyterNotebookArgs["gpus"];
    /** Their notebook's own variables. */
    env?: NotebookVariables;
}

export interface WorkspaceArgs {
    runtime: Runtime;
    namePrefix: string;
    /** The database; runtime and names come from the workspace. */
    mysql: Pick<MySqlArgs, "image" | "database" | "user" | "extraAliases" | "publish" | "keepDataOnDestroy">;
    jupyter: Pick<JupyterNotebookArgs, "publish" | "workDir" | "gpus" | "shmSizeMb" | "env"> & {
        /** The image images/jupyter is built on (the docker-stacks images' contract). */
        baseImage: string;
        /** The user's own packages, installed on top; none: images/jupyter as it is. */
        packages?: NotebookPackages;
    };
    /** One notebook each, with the workspace's database or one of their own; none: one notebook for the workspace. */
    users?: WorkspaceUser[];
    /**
     * With users: one JupyterHub at the notebook's address where they log in and
     * get their server on demand, instead of an always-on notebook each (their
     * hostPort is then unused).
     */
    hub?: Pick<
        JupyterHubArgs,
        | "baseImage"
        | "dockerSocket"
        | "placement"
        | "admins"
        | "auth"
        | "logins"
        | "idleMinutes"
        | "userFolder"
        | "engineGpus"
        | "keepStateOnDestroy"
    >;
}

/**
 * Jupyter linked to MySQL, without `--link`: the database on
 * the runtime's network under "mysql" and the legacy link name, and a notebook
 * (or one per user) that is handed the credentials.
 */
export class Workspace extends pulumi.ComponentResource {
    readonly mysql: MySql;
    /** The workspace's notebook, when it has no users. */
    readonly jupyter?: JupyterNotebook;
    /** Each user's notebook, by user name (none with a hub). */
    readonly notebooks: Record<string, JupyterNotebook>;
    /** The hub the users log in to, when the workspace has one. */
    readonly hub?: JupyterHub;
    /** The image every notebook (and every hub user's server) runs. */
    readonly notebookImage: ContainerImage;

    constructor(name: string, args: WorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:Workspace", name, {}, opts);
        const users = args.users ?? [];
        const ownDatabases = users.flatMap(u => (u.ownDatabase ? [[u.name, u.ownDatabase] as const] : []));

        this.mysql = new MySql(
            `${name}-mysql`,
            {
                runtime: args.runtime,
                namePrefix: args.namePrefix,
                image: args.mysql.image,
                database: args.mysql.database,
                user: args.mysql.user,
                extraAliases: args.mysql.extraAliases,
                publish: args.mysql.publish,
                keepDataOnDestroy: args.mysql.keepDataOnDestroy,
                accounts: ownDatabases.length > 0 ? Object.fromEntries(ownDatabases) : undefined,
            },
            { parent: this },
        );
        // One build for every notebook.
        const image = (this.notebookImage = args.runtime.image(
            this,
            `${name}-jupyter-image`,
            jupyterImageSource(args.jupyter.baseImage, undefined, args.jupyter.packages),
        ));
        // The one image is a GPU image when any notebook has GPUs: the others are told to see none.
        const gpuCapable = args.jupyter.gpus !== undefined || users.some(u => u.gpus !== undefined);
        const notebook = (
            suffix: string,
            extra: Pick<JupyterNotebookArgs, "user" | "publish" | "placement" | "database" | "gpus" | "env">,
        ) =>
            new JupyterNotebook(
                `${name}-${suffix}`,
                {
                    runtime: args.runtime,
                    namePrefix: args.namePrefix,
                    image,
                    workDir: args.jupyter.workDir,
                    shmSizeMb: args.jupyter.shmSizeMb,
                    gpuCapable,
                    ...extra,
                },
                { parent: this },
            );

        const databaseOf = (u: WorkspaceUser) => (u.ownDatabase ? this.mysql.accounts[u.name] : this.mysql);
        this.hub =
            args.hub && users.length > 0
                ? new JupyterHub(
                      `${name}-hub`,
                      {
                          ...args.hub,
                          runtime: args.runtime,
                          namePrefix: args.namePrefix,
                          notebookImage: image,
                          gpuCapable,
                          shmSizeMb: args.jupyter.shmSizeMb ?? 64,
                          publish: args.jupyter.publish,
                          users: users.map(u => ({
                              name: u.name,
                              uid: u.uid,
                              gid: u.gid,
                              placement: u.placement,
                              gpus: hubGpus(u.gpus),
                              database: databaseOf(u),
                              env: u.env,
                          })),
                      },
                      { parent: this },
                  )
                : undefined;
        this.notebooks = Object.fromEntries(
            (this.hub ? [] : users).map(u => [
                u.name,
                notebook(`jupyter-${u.name}`, {
                    user: u,
                    publish: { ...args.jupyter.publish, hostPort: u.hostPort },
                    placement: u.placement,
                    database: databaseOf(u),
                    gpus: u.gpus,
                    env: u.env,
                }),
            ]),
        );
        // Without users, the notebook lives with the database's data.
        this.jupyter =
            users.length === 0
                ? notebook("jupyter", {
                      publish: args.jupyter.publish,
                      placement: MYSQL_PLACEMENT,
                      database: this.mysql,
                      gpus: args.jupyter.gpus,
                      env: args.jupyter.env,
                  })
                : undefined;
        this.registerOutputs({});
    }
}

/** A user's GPUs as a hub hands them out: a number of their own, or every GPU, shared. */
function hubGpus(gpus: WorkspaceUser["gpus"]): number | "all" | undefined {
    if (gpus === undefined || gpus === "all") return gpus;
    return "count" in gpus ? gpus.count : gpus.devices.length;
}
