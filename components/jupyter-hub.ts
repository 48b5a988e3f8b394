import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ContainerImage } from "./image";
import { JUPYTER_WORK_DIR, notebookServerEnv, NotebookUser, NotebookVariables } from "./jupyter";
import { kubeName } from "./kubernetes/names";
import { MySqlAccess } from "./mysql-access";
import { Placement, Runtime, RunningWorkload } from "./runtime";
import { bindMount, volumeMount } from "./volume";

// Required on Kubernetes only: a stack elsewhere loads no @pulumi/kubernetes (test/unit/lazy-targets.test.ts).
const envSecrets = () => require("./kubernetes/env-secret") as typeof import("./kubernetes/env-secret");
const clusterAccess = () => require("./kubernetes/hub-cluster-access") as typeof import("./kubernetes/hub-cluster-access");

/** The port the hub's proxy listens on in its container: the one address users open. */
export const HUB_PORT = 8000;
/** The build context of the hub image: JupyterHub, its spawners, the idle culler and the authenticators (images/hub). */
export const HUB_IMAGE_CONTEXT = path.join(__dirname, "..", "images", "hub");
/** Where a user's folder on the host (jupyterHubUserFolder) appears in their server. */
export const HUB_USER_FOLDER_MOUNT = "/home/jovyan/storage";

/**
 * How people log in to the hub: with the password generated for each of them
 * (NativeAuthenticator; they may change it), or through GitHub or Microsoft
 * Entra ID (oauthenticator), whose client secret stays a Pulumi secret.
 */
export type HubAuth =
    | { kind: "password" }
    | { kind: "github"; clientId: string; clientSecret: pulumi.Input<string>; callbackUrl: string }
    | { kind: "entra"; clientId: string; clientSecret: pulumi.Input<string>; tenantId: string; callbackUrl: string };

/** A hub user: who their server runs as, where it lives, its GPUs, their database and variables. */
export interface HubUser extends NotebookUser {
    /** Where their server and work volume live on a runtime of several machines. */
    placement: Placement;
    /** Their server's GPUs: none, a number of their own (given while free), or every GPU, shared. */
    gpus?: number | "all";
    /** Their database and account; none: no database. */
    database?: MySqlAccess;
    /** Their own variables, over the hub's shared ones. */
    env?: NotebookVariables;
}

export interface JupyterHubArgs {
    runtime: Runtime;
    namePrefix: string;
    /** The image images/hub is built on (the official jupyterhub image's contract). */
    baseImage: string;
    /** The image every user's server runs (the notebook image), ready on the runtime. */
    notebookImage: ContainerImage;
    /** The notebook image is a CUDA image: a server without GPUs is told to see none. */
    gpuCapable: boolean;
    /** Size of each server's /dev/shm in MiB. */
    shmSizeMb: number;
    publish: { hostPort: number; hostIp?: string };
    /** The engine's socket on the hub's machine, which the spawners talk to (a swarm manager's on a swarm); none on Kubernetes. */
    dockerSocket?: string;
    /** Where the hub and its state live on a runtime of several machines (a manager of a swarm). */
    placement: Placement;
    /** Who may log in; their names are the hub's user names. */
    users: HubUser[];
    /** Hub admins, by user name. */
    admins: string[];
    auth: HubAuth;
    /** OAuth: the provider's user name -> the hub user's, for names that differ. */
    logins?: Record<string, string>;
    /** Minutes without activity after which a server is stopped (its files kept); 0: never. */
    idleMinutes: number;
    /** A host folder per user, with `{username}` in the path (a lab's network storage), bound at HUB_USER_FOLDER_MOUNT. */
    userFolder?: string;
    /** One engine: the GPU device ids servers with a number of GPUs get theirs from. */
    engineGpus: string[];
    /** Variables of every user's server. */
    env?: NotebookVariables;
    /** Keep the hub's state volume on `pulumi destroy` (its database of users and their changed passwords). */
    keepStateOnDestroy: boolean;
}

/**
 * A JupyterHub for a lab: one address where each listed user logs in and gets
 * a notebook server of their own on demand (DockerSpawner on one engine,
 * SwarmSpawner on a swarm, KubeSpawner on Kubernetes, where the hub runs as a
 * ServiceAccount allowed what KubeSpawner does and each user's secret
 * variables are a Secret her pod refers to), as their uid/gid, with their work volume, their
 * database and variables, and GPUs of their own while they use them; idle
 * servers are stopped by jupyterhub-idle-culler, their volumes kept. The
 * servers are the hub's, not the stack's: they start and stop as people log in
 * and go idle, and the hub stops them all when it stops (a replaced hub, `pulumi
 * destroy`). Everything the hub is handed is in DSENV_HUB_CONFIG (plain) and
 * DSENV_HUB_SECRETS (secret), as images/hub/jupyterhub_config.py reads them.
 */
export class JupyterHub extends pulumi.ComponentResource {
    /** The hub's address. */
    readonly url: pulumi.Output<string>;
    /** Each user's initial password (auth "password"), secret, by user name. */
    readonly passwords?: pulumi.Output<Record<string, string>>;
    readonly containerName: pulumi.Output<string>;
    readonly image: ContainerImage;
    readonly service: RunningWorkload;

    constructor(name: string, args: JupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:workloads:JupyterHub", name, {}, opts);
        const child = { parent: this };
        const hubName = `${args.namePrefix}-jupyterhub`;

        // JupyterHub signs its cookies with 32 random bytes (hex); the proxy's API takes a token.
        const cookieSecret = new random.RandomBytes(`${name}-cookie-secret`, { length: 32 }, child);
        const proxyToken = new random.RandomPassword(`${name}-proxy-token`, { length: 48, special: false }, child);
        const passwords =
            args.auth.kind === "password"
                ? Object.fromEntries(
                      args.users.map(u => [
                          u.name,
                          new random.RandomPassword(`${name}-password-${u.name}`, { length: 24, special: false }, child).result,
                      ]),
                  )
                : undefined;
        this.passwords = passwords && pulumi.secret(pulumi.all(passwords));

        this.image = args.runtime.image(this, `${name}-image`, {
            repository: "dsenv/jupyterhub",
            build: { context: HUB_IMAGE_CONTEXT, args: { BASE_IMAGE: args.baseImage } },
        });
        const state = args.runtime.volume(
            this,
            `${name}-state`,
            { volumeName: `${hubName}-state`, keepOnDestroy: args.keepStateOnDestroy },
            args.placement,
        );

        // Each server is handed what an always-on notebook of theirs is (notebookServerEnv); the image starts as root and drops to them.
        const servers = args.users.map(u => ({
            user: u,
            handed: notebookServerEnv({ database: u.database, user: u, env: u.env }),
            spawn: args.runtime.spawnTarget(u.placement),
        }));
        const shared = args.env ?? { env: {}, secretEnv: {} };
        const hubSpawns = args.runtime.spawnTarget(args.placement);
        const kube = hubSpawns.kind === "kubernetes" ? hubSpawns.kubernetes : undefined;
        if (hubSpawns.kind === "kubernetes" && !kube) throw new Error(`${name}: a Kubernetes runtime names no namespace to spawn in`);
        if (!kube && args.dockerSocket === undefined)
            throw new Error(`${name}: the hub spawns through Docker's API and is given no socket`);
        // On Kubernetes every name is a DNS label (the Services, pods and claims the runtime makes are named so).
        const serverPrefix = kube ? kubeName(`${args.namePrefix}-jupyter`) : `${args.namePrefix}-jupyter`;
        const serverSecretName = `${serverPrefix}-{username}-env`;
        // Kubernetes: each user's secret variables as a Secret of hers, which her pod refers to; the hub never holds them.
        const secretEnvOf = (s: (typeof servers)[number]) => ({ ...shared.secretEnv, ...s.handed.fileSecrets });
        if (kube)
            for (const s of servers.filter(s => Object.keys(secretEnvOf(s)).length > 0))
                envSecrets().envSecret(
                    `${name}-env-${s.user.name}`,
                    {
                        provider: kube.provider,
                        namespace: kube.namespace,
                        secretName: serverSecretName.replace("{username}", s.user.name),
                        values: secretEnvOf(s),
                        labels: kube.labels,
                    },
                    child,
                );
        const access =
            kube &&
            new (clusterAccess().HubClusterAccess)(
                `${name}-access`,
                { provider: kube.provider, namespace: kube.namespace, hubName: kubeName(hubName), labels: kube.labels },
                child,
            );
        const config = pulumi.jsonStringify({
            // DockerSpawner starts containers on one engine, SwarmSpawner services on a swarm, KubeSpawner pods on Kubernetes.
            spawner: kube ? "kubernetes" : hubSpawns.kind === "swarm" ? "swarm" : "docker",
            hubConnectHost: kube ? kubeName(hubName) : hubName,
            network: hubSpawns.network,
            image: args.notebookImage.ref,
            serverName: `${serverPrefix}-{username}`,
            // The always-on notebooks' volume names: a user's files stay theirs when a stack turns its hub on or off.
            workVolume: `${serverPrefix}-{username}-work`,
            workDir: JUPYTER_WORK_DIR,
            userFolder: args.userFolder ? { hostPath: args.userFolder, mountPoint: HUB_USER_FOLDER_MOUNT } : null,
            shmSizeMb: args.shmSizeMb,
            gpuCapable: args.gpuCapable,
            engineGpus: args.engineGpus,
            idleMinutes: args.idleMinutes,
            admins: args.admins,
            auth: publicAuth(args.auth),
            logins: args.logins ?? {},
            env: shared.env,
            ...(kube && {
                kubernetes: {
                    namespace: kube.namespace,
                    pullSecret: kube.pullSecret ?? null,
                    storageClass: kube.storageClass ?? null,
                    volumeSize: kube.volumeSize,
                    secretEnv: serverSecretName,
                    labels: kube.labels,
                    gpuPool: kube.gpuPool
                        ? {
                              tolerations: kube.gpuPool.tolerations,
                              nodeSelector: kube.gpuPool.nodeSelector ?? {},
                              scales: kube.gpuPool.scales ?? false,
                          }
                        : null,
                },
            }),
            users: Object.fromEntries(
                servers.map(s => [
                    s.user.name,
                    {
                        uid: s.user.uid,
                        gid: s.user.gid,
                        constraint: s.spawn.constraint ?? null,
                        gpus: s.user.gpus ?? 0,
                        env: s.handed.env,
                        ...(kube && { secretEnvKeys: Object.keys(secretEnvOf(s)).sort() }),
                    },
                ]),
            ),
        });
        const secrets = pulumi.secret(
            pulumi.jsonStringify({
                cookieSecret: cookieSecret.hex,
                proxyToken: proxyToken.result,
                passwords: passwords ?? {},
                oauthClientSecret: args.auth.kind === "password" ? null : args.auth.clientSecret,
                // Kubernetes: the users' secret variables are in their Secrets instead, and pods pull with the pull Secret.
                ...(!kube && {
                    secretEnv: shared.secretEnv,
                    // SwarmSpawner's services pull the notebook image on their node with these (docker-py reads them from the hub's Docker config).
                    registryLogins: hubSpawns.registryLogins
                        .filter(l => l.username)
                        .map(l => ({ server: l.server, username: l.username, password: l.password })),
                    users: Object.fromEntries(servers.map(s => [s.user.name, { secretEnv: s.handed.fileSecrets }])),
                }),
            }),
        );

        this.service = args.runtime.run(
            this,
            name,
            {
                name: hubName,
                image: this.image.ref,
                ports: [{ containerPort: HUB_PORT, hostPort: args.publish.hostPort, hostIp: args.publish.hostIp }],
                env: { DSENV_HUB_CONFIG: config },
                // One engine: a secret variable; a swarm: a Docker secret file (DSENV_HUB_SECRETS_FILE).
                fileSecrets: { DSENV_HUB_SECRETS: secrets },
                // Kubernetes: the cluster's API as its ServiceAccount, instead of an engine's socket.
                mounts: [
                    ...(kube || args.dockerSocket === undefined ? [] : [bindMount(args.dockerSocket, "/var/run/docker.sock")]),
                    volumeMount(state, "/srv/jupyterhub"),
                ],
                serviceAccount: access ? access.serviceAccountName : undefined,
                healthcheck: {
                    test: [
                        "CMD",
                        "python3",
                        "-c",
                        `import urllib.request; urllib.request.urlopen("http://127.0.0.1:${HUB_PORT}/hub/health", timeout=4)`,
                    ],
                    interval: "5s",
                    retries: 30,
                    startPeriod: "10s",
                },
                // Time to stop every user's server before the hub goes (its cleanup on SIGTERM).
                stopGraceSeconds: 60,
            },
            args.placement,
        );

        this.url = pulumi.output(args.runtime.url(args.publish, args.placement));
        this.containerName = this.service.name;
        this.registerOutputs({ url: this.url, containerName: this.containerName });
    }
}

/** The authenticator's settings without its secret (which travels in DSENV_HUB_SECRETS). */
function publicAuth(auth: HubAuth): Record<string, string> {
    switch (auth.kind) {
        case "password":
            return { kind: auth.kind };
        case "github":
            return { kind: auth.kind, clientId: auth.clientId, callbackUrl: auth.callbackUrl };
        case "entra":
            return { kind: auth.kind, clientId: auth.clientId, tenantId: auth.tenantId, callbackUrl: auth.callbackUrl };
    }
}
