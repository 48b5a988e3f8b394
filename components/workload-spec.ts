import * as pulumi from "@pulumi/pulumi";
import type { GpuRequest } from "./gpu";
import type { Mount } from "./volume";

export interface PortMapping {
    containerPort: number;
    hostPort: number;
    /** Defaults to 127.0.0.1: a published port is reachable from other machines only when asked. */
    hostIp?: string;
    protocol?: "tcp" | "udp";
}

export interface Healthcheck {
    /** Docker's form: ["CMD", ...] or ["CMD-SHELL", "..."]. */
    test: string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    startPeriod?: string;
    /**
     * Time between checks during startPeriod, so that the first one does not
     * wait a whole interval; defaults to 1s. Only engines with Docker >= 25
     * (API >= 1.44) run it, and older ones refuse a container that has one:
     * it is left out there (DockerEngine's healthStartInterval), and on swarm
     * services, whose schema has none.
     */
    startInterval?: string;
}

/**
 * What one workload runs, said once, independent of where it runs: a container
 * on one engine (`Service`) and a service on a swarm (`SwarmService`) are two
 * renderings of the same spec. A workload component builds its spec; the
 * runtime it is given renders it.
 */
export interface WorkloadSpec {
    /** Its name on the engine or swarm (what `docker ps` / `docker service ls` shows). */
    name: string;
    /** An image reference every engine that runs it can pull or has. */
    image: pulumi.Input<string>;
    ports?: PortMapping[];
    env?: Record<string, pulumi.Input<string>>;
    /** Environment values that stay secret in state, previews and outputs. */
    secretEnv?: Record<string, pulumi.Input<string>>;
    /**
     * Secrets the image can read from a file named by `<VAR>_FILE` (the official
     * images' convention): a swarm hands them over as Docker secrets under
     * /run/secrets; one engine as the secret environment value `<VAR>`.
     */
    fileSecrets?: Record<string, pulumi.Input<string>>;
    mounts?: Mount[];
    gpus?: GpuRequest;
    /**
     * Built for GPUs (a CUDA image): without a request it is told to see none,
     * so that an engine whose default runtime is nvidia does not hand it every GPU.
     */
    gpuCapable?: boolean;
    /** Size of /dev/shm in MiB (PyTorch data loaders need more than Docker's 64). */
    shmSizeMb?: number;
    /** uid[:gid] or a user name. */
    user?: string;
    /**
     * The group that must be able to write its volumes, where the image's user
     * is not root and cannot take them over: a Docker volume starts with the
     * image's ownership of the path, a Kubernetes claim empty and root's, made
     * this group's there (fsGroup). None: `user`'s gid, if it says one.
     */
    volumeGroup?: number;
    healthcheck?: Healthcheck;
    /** Wait this long for the healthcheck to pass before the deployment goes on; defaults to 300 s with a healthcheck. */
    healthyTimeoutSeconds?: number;
    command?: string[];
    entrypoint?: string[];
    workingDir?: string;
    /** Extra names it answers to on the workload network. */
    aliases?: string[];
    labels?: Record<string, string>;
    /** Seconds the main process gets to stop before it is killed. */
    stopGraceSeconds?: number;
}
