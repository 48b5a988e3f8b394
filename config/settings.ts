import * as pulumi from "@pulumi/pulumi";
import type { GpuRequest } from "../components/gpu";
import type { NotebookPackages } from "../components/notebook-packages";
import { RESTART_POLICIES, type RestartPolicy } from "../components/service";
import type { WorkDir } from "../components/volume";
import type { NotebookVariables } from "../components/jupyter";
import type { HubAuth } from "../components/jupyter-hub";
import type { AzureTargetSettings, CiPushSettings } from "./azure";
import type { EngineSettings } from "./engine-settings";
import type { KubernetesSettings } from "./kubernetes";
import type { SwarmSettings } from "./swarm";

// The validated shape every component is built from. Nothing here is raw
// config: paths are absolute, ports are numbers, names are checked. Where a
// setting is a component's argument as it is, it has the component's type.

export type { EngineSettings, RestartPolicy, WorkDir };
export { RESTART_POLICIES };

/** A port published on the host: `hostIp:hostPort -> container port`. */
export interface Published {
    hostPort: number;
    hostIp: string;
}

export interface RegistrySettings {
    /** host[:port], as image references name it. */
    server: string;
    /** Spoken to over plain HTTP (registryServer given as http://...), else HTTPS. */
    plainHttp: boolean;
    username?: string;
    password?: pulumi.Output<string>;
}

export interface MySqlSettings {
    image: string;
    database: string;
    user: string;
    extraAliases: string[];
    publish?: Published;
    keepDataOnDestroy: boolean;
}

/** A person with a notebook of their own (dsenv:jupyterUsers). */
export interface NotebookUserSettings {
    name: string;
    uid: number;
    gid: number;
    /** Index into the swarm's nodes of the machine that keeps their notebook and work volume. */
    node?: number;
    hostPort: number;
    /** Their own database and MySQL account (dsenv:jupyterUserDatabases own); none: the workspace's. */
    ownDatabase?: { database: string; user: string };
    /** Their notebook's GPUs (dsenv:jupyterGpus as resolved for their node); none: no GPUs. */
    gpus?: GpuRequest;
    /** Their notebook's own variables: jupyterUserEnv/jupyterUserSecretEnv over jupyterEnv/jupyterSecretEnv. */
    env?: NotebookVariables;
}

/** The lab hub (dsenv:jupyterHub): the users log in at the notebook's address and get their servers on demand. */
export interface HubSettings {
    /** dsenv:jupyterHubBaseImage: what images/hub is built on. */
    baseImage: string;
    admins: string[];
    auth: HubAuth;
    /** OAuth: the provider's user name -> the user's name in dsenv:jupyterUsers. */
    logins: Record<string, string>;
    /** 0: servers are never stopped for idleness. */
    idleMinutes: number;
    /** A host folder per user, `{username}` in the path; none: no folder. */
    userFolder?: string;
    /** One engine: the GPU ids the hub hands servers GPUs of their own from; empty elsewhere (a swarm's nodes advertise theirs). */
    engineGpus: string[];
}

export interface JupyterSettings {
    /** dsenv:jupyterBaseImage, else the pinned default (config/notebook-images.ts). */
    baseImage: string;
    /** The user's own packages (dsenv:jupyterRequirements, dsenv:jupyterEnvironment). */
    packages?: NotebookPackages;
    publish: Published;
    workDir: WorkDir;
    /** One notebook each instead of the workspace's one; empty: the one. */
    users: NotebookUserSettings[];
    /** The workspace's notebook's GPUs (dsenv:jupyterGpus, `auto` resolved); with users, set when any of theirs has GPUs (the image is then a CUDA one). */
    gpus?: GpuRequest;
    /** What dsenv:jupyterGpus came to and why: the stack output jupyterGpus (settings/notebook-gpus.ts). */
    gpuChoice: string;
    /** Size of every notebook's /dev/shm in MiB (dsenv:jupyterShmSizeMb). */
    shmSizeMb: number;
    /** The workspace notebook's own variables (jupyterEnv, jupyterSecretEnv). */
    env?: NotebookVariables;
    /** With users: the hub they log in to, instead of a notebook each. */
    hub?: HubSettings;
}

export const TARGETS = ["local", "swarm", "kubernetes", "azure", "ci-push"] as const;

/** Where the stack puts things: the engine at dockerHost, a swarm of engines, a Kubernetes cluster, an Azure GPU VM, or only the registry. */
export type Target =
    | { kind: "local" }
    | { kind: "swarm"; swarm: SwarmSettings }
    | { kind: "kubernetes"; kubernetes: KubernetesSettings }
    | { kind: "azure"; azure: AzureTargetSettings }
    | { kind: "ci-push"; ciPush: CiPushSettings };
