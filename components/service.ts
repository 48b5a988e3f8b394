import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "./engine";
import { clientAddress, urlHost } from "./host-address";
import { toLabelList } from "./labels";
import { BridgeNetwork } from "./network";
import { Mount, toContainerMount } from "./volume";
import type { Healthcheck, WorkloadSpec } from "./workload-spec";

export type { Healthcheck, PortMapping } from "./workload-spec";

/** Docker's restart policies (docker run --restart). */
export const RESTART_POLICIES = ["no", "on-failure", "always", "unless-stopped"] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** An address a browser on the engine's host can open for a port published on `hostIp`. */
export function browsableUrl(hostIp: string, hostPort: number): string {
    return `http://${urlHost(clientAddress(hostIp))}:${hostPort}/`;
}

export interface NetworkAttachment {
    network: BridgeNetwork;
    /** Extra names the container answers to on this network. */
    aliases?: string[];
}

/** A healthcheck as the provider takes it (on a container or a swarm service), with the defaults filled in. */
export function withHealthcheckDefaults(h: Healthcheck): {
    tests: string[];
    interval: string;
    timeout: string;
    retries: number;
    startPeriod: string;
} {
    return {
        tests: h.test,
        interval: h.interval ?? "10s",
        timeout: h.timeout ?? "5s",
        retries: h.retries ?? 5,
        startPeriod: h.startPeriod ?? "0s",
    };
}

/** A container's healthcheck on `engine`: with a start interval where the engine runs one (Healthcheck.startInterval). */
function containerHealthcheck(h: Healthcheck, engine: DockerEngine): docker.types.input.ContainerHealthcheck {
    return { ...withHealthcheckDefaults(h), ...(engine.healthStartInterval && { startInterval: h.startInterval ?? "1s" }) };
}

/** One container: a workload spec's fields as `docker run` takes them, on an engine and its networks. */
export interface ServiceArgs extends Omit<WorkloadSpec, "name" | "gpus" | "gpuCapable" | "aliases" | "fileSecrets"> {
    engine: DockerEngine;
    /** The container's name on the engine (what `docker ps` shows). */
    containerName: string;
    /** "all", a count or "device=0,2", as `docker run --gpus` reads it (gpusFlag). */
    gpus?: string;
    restart?: RestartPolicy;
    networks?: NetworkAttachment[];
}

/**
 * One long-running container, declared the way a `docker run` line would be,
 * with safer defaults: ports on 127.0.0.1, restart unless-stopped, secrets kept
 * secret, and a healthcheck the deployment waits for.
 */
export class Service extends pulumi.ComponentResource {
    readonly container: docker.Container;
    readonly containerName: pulumi.Output<string>;
    /** containerPort -> published host port. */
    readonly hostPorts: pulumi.Output<Record<string, number>>;

    constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:docker:Service", name, {}, opts);

        const envs = [
            ...Object.entries(args.env ?? {}).map(([k, v]) => pulumi.interpolate`${k}=${v}`),
            ...Object.entries(args.secretEnv ?? {}).map(([k, v]) => pulumi.secret(pulumi.interpolate`${k}=${v}`)),
        ];
        const hasGpus = args.gpus !== undefined && args.gpus !== "";

        this.container = new docker.Container(
            name,
            {
                name: args.containerName,
                image: args.image,
                ports: (args.ports ?? []).map(p => ({
                    internal: p.containerPort,
                    external: p.hostPort,
                    ip: p.hostIp ?? "127.0.0.1",
                    protocol: p.protocol ?? "tcp",
                })),
                envs,
                mounts: (args.mounts ?? []).map(toContainerMount),
                gpus: hasGpus ? args.gpus : undefined,
                shmSize: args.shmSizeMb,
                user: args.user,
                healthcheck: args.healthcheck && containerHealthcheck(args.healthcheck, args.engine),
                wait: args.healthcheck !== undefined,
                waitTimeout: args.healthcheck ? (args.healthyTimeoutSeconds ?? 300) : undefined,
                restart: args.restart ?? "unless-stopped",
                command: args.command,
                entrypoints: args.entrypoint,
                workingDir: args.workingDir,
                networksAdvanced: (args.networks ?? []).map(n => ({ name: n.network.name, aliases: n.aliases })),
                labels: toLabelList({ ...args.labels, "dsenv.service": name }),
                destroyGraceSeconds: args.stopGraceSeconds ?? 30,
                // Anonymous volumes belong to the container; named volumes are never removed with it.
                removeVolumes: true,
            },
            // The container has a fixed name and maybe fixed host ports: the old one must
            // go before the new one can take them (pulumi-docker #1356).
            args.engine.on(this, { deleteBeforeReplace: true, additionalSecretOutputs: ["envs"] }),
        );

        this.containerName = this.container.name;
        this.hostPorts = pulumi.output(Object.fromEntries((args.ports ?? []).map(p => [String(p.containerPort), p.hostPort])));
        this.registerOutputs({ containerName: this.containerName, hostPorts: this.hostPorts });
    }
}
