import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GpuRequest, nvidiaEnv } from "./gpu";
import { ContainerImage, ImageSource } from "./image";
import { MySqlAccess } from "./mysql-access";
import { hasUserPackages, NotebookPackages, stageNotebookContext } from "./notebook-packages";
import { Placement, Runtime, RunningWorkload } from "./runtime";
import type { WorkDir } from "./volume";
import { workDirMount } from "./work-dir";

export const JUPYTER_PORT = 8888;
/** The build context of the notebook image the project ships. */
export const JUPYTER_IMAGE_CONTEXT = path.join(__dirname, "..", "images", "jupyter");
/** Where a notebook's work directory (its volume, or jupyterWorkDir) appears. */
export const JUPYTER_WORK_DIR = "/home/jovyan/work";
/** The group the docker-stacks images' user (jovyan, 1000) is in: "users", NB_GID's default. */
export const NOTEBOOK_GID = 100;

/**
 * The notebook image: images/jupyter on `baseImage`, plus the user's own
 * packages when they name files (built from a staged copy of images/jupyter
 * with their files, labelled with images/jupyter's commit); also what the
 * ci-push target pushes.
 */
export function jupyterImageSource(baseImage: string, tag?: string, packages?: NotebookPackages): ImageSource {
    const args = { BASE_IMAGE: baseImage };
    if (!hasUserPackages(packages)) return { repository: "dsenv/jupyter", tag, build: { context: JUPYTER_IMAGE_CONTEXT, args } };
    const staged = stageNotebookContext(JUPYTER_IMAGE_CONTEXT, packages);
    return {
        repository: "dsenv/jupyter",
        tag,
        build: { context: staged.context, args, provenanceDir: JUPYTER_IMAGE_CONTEXT, logFile: staged.log },
    };
}

// The variables dsenv sets in a notebook, each list used where they are set
// below, so that NOTEBOOK_RESERVED_ENV cannot miss one.
const DATABASE_ENV = ["MYSQL_HOST", "MYSQL_PORT", "MYSQL_DATABASE", "MYSQL_USER"] as const;
const SECRET_ENV = ["JUPYTER_TOKEN", "MYSQL_PASSWORD", "DATABASE_URL"] as const;
const RUN_AS_ENV = ["NB_UID", "NB_GID", "CHOWN_HOME", "CHOWN_HOME_OPTS"] as const;
/**
 * What the image's start scripts read to decide how the server starts (docker-stacks'
 * start.sh and start-notebook.py: the user, sudo, the command, its arguments, the
 * port, JupyterHub mode) and the paths it runs with.
 */
const START_SCRIPT_ENV = [
    "NB_USER",
    "NB_GROUP",
    "GRANT_SUDO",
    "CHOWN_EXTRA",
    "CHOWN_EXTRA_OPTS",
    "JUPYTER_ENV_VARS_TO_UNSET",
    "RESTARTABLE",
    "DOCKER_STACKS_JUPYTER_CMD",
    "NOTEBOOK_ARGS",
    "JUPYTER_PORT",
    "JUPYTERHUB_API_TOKEN",
    "CONDA_DIR",
    "PATH",
    "HOME",
] as const;

/**
 * Names a user's own variables cannot take: what dsenv sets in a notebook (the
 * database's, the token, the user it runs as, the NVIDIA runtime's) and what the
 * image's start scripts read. The image also reads every VAR_FILE as a file
 * (images/jupyter/dsenv-file-env.sh), so no own name ends in _FILE.
 */
export const NOTEBOOK_RESERVED_ENV: readonly string[] = [
    ...DATABASE_ENV,
    ...SECRET_ENV,
    ...RUN_AS_ENV,
    ...Object.keys(nvidiaEnv("all")),
    ...START_SCRIPT_ENV,
];

/**
 * A notebook user's own environment: plain values, and secret values that stay
 * secret in state and reach the server as files on a swarm (Docker secrets).
 * The kernels inherit both from the server.
 */
export interface NotebookVariables {
    env: Record<string, string>;
    secretEnv: Record<string, pulumi.Input<string>>;
}

/** One person's notebook: the server runs as their uid/gid, so files in the work directory are theirs. */
export interface NotebookUser {
    /** Names the notebook's container or service, volume and outputs. */
    name: string;
    uid: number;
    gid: number;
}

export interface JupyterNotebookArgs {
    runtime: Runtime;
    namePrefix: string;
    /** The notebook image, built once and shared by every notebook (`jupyterImageSource`). */
    image: ContainerImage;
    /** The database (and the account) handed to the notebook as environment variables. */
    database?: MySqlAccess;
    publish: { hostPort: number; hostIp?: string };
    workDir: WorkDir;
    /** Whose notebook this is; none: the workspace's one notebook, as the official image runs it (jovyan, 1000:100). */
    user?: NotebookUser;
    /** Where it runs with its work volume on a runtime of several machines. */
    placement: Placement;
    /** Its GPUs, in `docker run --gpus` forms (a count on a swarm); none: no GPUs. */
    gpus?: GpuRequest;
    /** The image is built for GPUs (a CUDA image): without `gpus` it is told to see none. */
    gpuCapable?: boolean;
    /** Size of /dev/shm in MiB; none: Docker's 64. */
    shmSizeMb?: number;
    /** The user's own variables; names in NOTEBOOK_RESERVED_ENV are dsenv's and win. */
    env?: NotebookVariables;
}

/**
 * What a notebook server is handed, whoever starts it (a JupyterNotebook, or
 * JupyterHub's spawner for a hub's user): the database's coordinates and
 * secrets, the user it runs as, and the user's own variables, under dsenv's.
 * The image reads each secret from VAR or VAR_FILE (images/jupyter/dsenv-file-env.sh),
 * so a swarm hands them over as secret files.
 */
export function notebookServerEnv(args: { database?: MySqlAccess; user?: NotebookUser; env?: NotebookVariables }): {
    env: Record<string, pulumi.Input<string>>;
    fileSecrets: Record<string, pulumi.Input<string>>;
    /** Who the container starts as: root, to drop to the user (docker-stacks' start script); none: the image's. */
    user?: string;
} {
    const db = args.database;
    const dbEnv: Partial<Record<(typeof DATABASE_ENV)[number], pulumi.Input<string>>> = db
        ? { MYSQL_HOST: db.host, MYSQL_PORT: String(db.port), MYSQL_DATABASE: db.database, MYSQL_USER: db.user }
        : {};
    const secrets: Partial<Record<Exclude<(typeof SECRET_ENV)[number], "JUPYTER_TOKEN">, pulumi.Input<string>>> = db
        ? { MYSQL_PASSWORD: db.password, DATABASE_URL: db.url("mysql+pymysql") }
        : {};
    // The official image's way to run as someone else: start as root with NB_UID/NB_GID,
    // it renumbers jovyan, hands over the home (CHOWN_HOME) and drops to that user.
    const asUser: Partial<Record<(typeof RUN_AS_ENV)[number], string>> = args.user
        ? { NB_UID: String(args.user.uid), NB_GID: String(args.user.gid), CHOWN_HOME: "yes", CHOWN_HOME_OPTS: "-R" }
        : {};
    return {
        env: { ...args.env?.env, ...dbEnv, ...asUser },
        fileSecrets: { ...args.env?.secretEnv, ...secrets },
        user: args.user ? "root" : undefined,
    };
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
    /** The name of the database it is handed. */
    readonly database?: string;
    readonly image: ContainerImage;
    readonly service: RunningWorkload;

    constructor(name: string, args: JupyterNotebookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:JupyterNotebook", name, {}, opts);
        const child = { parent: this };

        const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, child);
        this.token = pulumi.secret(token.result);

        this.image = args.image;
        const suffix = args.user ? `jupyter-${args.user.name}` : "jupyter";

        const server = notebookServerEnv(args);

        this.service = args.runtime.run(
            this,
            name,
            {
                name: `${args.namePrefix}-${suffix}`,
                image: this.image.ref,
                ports: [{ containerPort: JUPYTER_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                env: server.env,
                // The user's secrets travel as dsenv's do: secret env on one engine, Docker secrets on a swarm.
                // jupyter_server reads the token from JUPYTER_TOKEN, so it never shows in a command line.
                fileSecrets: { ...args.env?.secretEnv, JUPYTER_TOKEN: this.token, ...server.fileSecrets },
                user: server.user,
                // As the image runs it, jovyan must write its work volume; a user's notebook starts as root and hands it over.
                volumeGroup: args.user ? undefined : NOTEBOOK_GID,
                gpus: args.gpus,
                gpuCapable: args.gpuCapable,
                shmSizeMb: args.shmSizeMb,
                mounts: [
                    workDirMount(
                        this,
                        `${name}-work`,
                        args.runtime,
                        `${args.namePrefix}-${suffix}-work`,
                        args.workDir,
                        JUPYTER_WORK_DIR,
                        args.placement,
                    ),
                ],
                // /api answers without a token once the server is up.
                healthcheck: {
                    test: [
                        "CMD",
                        "python",
                        "-c",
                        `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${JUPYTER_PORT}/api", timeout=4)`,
                    ],
                    interval: "5s",
                    retries: 30,
                    startPeriod: "10s",
                },
            },
            // Not after the database: a notebook connects when a cell asks, so both start at once.
            args.placement,
        );

        this.hostPort = args.publish.hostPort;
        this.database = args.database?.database;
        this.url = pulumi.output(args.runtime.url(args.publish, args.placement));
        this.loginUrl = pulumi.secret(pulumi.interpolate`${this.url}?token=${this.token}`);
        this.containerName = this.service.name;
        this.registerOutputs({ url: this.url, loginUrl: this.loginUrl, containerName: this.containerName });
    }
}
