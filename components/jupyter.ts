import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DockerEngine } from "./engine";
import { ContainerImage, ImageSource, PushTarget } from "./image";
import { MySql } from "./mysql";
import { BridgeNetwork } from "./network";
import { browsableUrl, RestartPolicy, Service } from "./service";
import { WorkDir, workDirMount } from "./volume";

export const JUPYTER_PORT = 8888;
/** The build context of the notebook image the project ships. */
export const JUPYTER_IMAGE_CONTEXT = path.join(__dirname, "..", "images", "jupyter");
const WORK_DIR = "/home/jovyan/work";

/** The notebook image: images/jupyter on `baseImage`; also what the ci-push target pushes. */
export function jupyterImageSource(baseImage: string, tag?: string): ImageSource {
    return { repository: "dsenv/jupyter", tag, build: { context: JUPYTER_IMAGE_CONTEXT, args: { BASE_IMAGE: baseImage } } };
}

export interface JupyterNotebookArgs {
    engine: DockerEngine;
    network: BridgeNetwork;
    namePrefix: string;
    /** The image images/jupyter is built on (the official jupyter/datascience-notebook contract). */
    baseImage: string;
    /** Build on this engine and push here, then run by digest; default: build where it runs. */
    buildEngine?: DockerEngine;
    push?: PushTarget;
    /** The database handed to notebooks as environment variables. */
    database?: MySql;
    publish: { hostPort: number; hostIp?: string };
    workDir: WorkDir;
    restart?: RestartPolicy;
}

/**
 * A Jupyter server with a generated token, its work directory kept outside the
 * container, and the linked database's coordinates in its environment
 * (MYSQL_HOST, MYSQL_PORT, MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD and a
 * SQLAlchemy DATABASE_URL), so a notebook connects without typing a password.
 */
export class JupyterNotebook extends pulumi.ComponentResource {
    readonly token: pulumi.Output<string>;
    /** The server's URL on the host (through an SSH tunnel for a remote engine). */
    readonly url: pulumi.Output<string>;
    /** The URL with the token, secret: open it and you are logged in. */
    readonly loginUrl: pulumi.Output<string>;
    readonly containerName: pulumi.Output<string>;
    readonly hostPort: number;
    readonly image: ContainerImage;
    readonly service: Service;

    constructor(name: string, args: JupyterNotebookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:JupyterNotebook", name, {}, opts);
        const child = { parent: this };

        const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, child);
        this.token = pulumi.secret(token.result);

        this.image = new ContainerImage(
            `${name}-image`,
            {
                engine: args.engine,
                buildEngine: args.buildEngine,
                push: args.push,
                source: jupyterImageSource(args.baseImage),
            },
            child,
        );

        const db = args.database;
        const dbEnv: Record<string, pulumi.Input<string>> = db ? { MYSQL_HOST: db.host, MYSQL_PORT: String(db.port), MYSQL_DATABASE: db.database, MYSQL_USER: db.user } : {};
        const dbSecretEnv: Record<string, pulumi.Input<string>> = db
            ? {
                  MYSQL_PASSWORD: db.password,
                  DATABASE_URL: db.url("mysql+pymysql"),
              }
            : {};

        this.service = new Service(
            name,
            {
                engine: args.engine,
                containerName: `${args.namePrefix}-jupyter`,
                image: this.image.ref,
                ports: [{ containerPort: JUPYTER_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                env: dbEnv,
                // jupyter_server and the notebook server read the token from JUPYTER_TOKEN, so it never shows in a command line.
                secretEnv: { JUPYTER_TOKEN: this.token, ...dbSecretEnv },
                mounts: [workDirMount(this, `${name}-work`, args.engine, `${args.namePrefix}-jupyter-work`, args.workDir, WORK_DIR)],
                networks: [{ network: args.network }],
                // /api answers without a token once the server is up.
                healthcheck: {
                    test: ["CMD", "python", "-c", `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${JUPYTER_PORT}/api", timeout=4)`],
                    interval: "5s",
                    retries: 30,
                    startPeriod: "10s",
                },
                restart: args.restart,
            },
            // Not after the database: a notebook connects when a cell asks, so both start at once.
            child,
        );

        this.hostPort = args.publish.hostPort;
        this.url = pulumi.output(browsableUrl(args.publish.hostIp ?? "127.0.0.1", args.publish.hostPort));
        this.loginUrl = pulumi.secret(pulumi.interpolate`${this.url}?token=${this.token}`);
        this.containerName = this.service.containerName;
        this.registerOutputs({ url: this.url, loginUrl: this.loginUrl, containerName: this.containerName });
    }
}
