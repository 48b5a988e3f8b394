import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../engine";
import { GPU_RESOURCE } from "../gpu";
import { toLabelList } from "../labels";
import { withHealthcheckDefaults } from "../service";
import { toContainerMount } from "../volume";
import { WorkloadSpec } from "../workload-spec";
import { OverlayNetwork } from "./overlay-network";

/**
 * How a published port reaches the service. `host`: on the node that runs the
 * task, at that node's address (the default: stateful services are pinned, so
 * the address is known, and it needs no IPVS). `ingress`: on every node through
 * the routing mesh (needs IPVS in the nodes' kernels, and a VIP).
 */
export type PublishMode = "host" | "ingress";

export interface SwarmServiceArgs {
    /** The swarm's manager, where services and secrets are declared. */
    manager: DockerEngine;
    spec: WorkloadSpec;
    network: OverlayNetwork;
    /** Placement constraints, e.g. `node.labels.dsenv.data==true` to stay with a volume. */
    constraints?: string[];
    publishMode?: PublishMode;
    /** Labels of the service itself (not its containers): a change updates the service without restarting its task. */
    serviceLabels?: Record<string, pulumi.Input<string>>;
    /** Resources the service waits for (the swarm's membership). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * A workload as a swarm service with one task: the same spec a container is
 * rendered from, placed by constraints and GPU reservations, its file secrets
 * handed over as Docker secrets, and the deployment waiting until the task runs
 * (and is healthy, where there is a healthcheck).
 */
export class SwarmService extends pulumi.ComponentResource {
    readonly service: docker.Service;
    readonly serviceName: pulumi.Output<string>;

    constructor(name: string, args: SwarmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:swarm:Service", name, {}, opts);
        const { spec } = args;
        const on = (extra: pulumi.CustomResourceOptions = {}) => args.manager.on(this, { dependsOn: args.dependsOn, ...extra });

        // Docker secrets cannot change: a new value is a new secret (a name of its own), and the service moves to it.
        const secrets = Object.entries(spec.fileSecrets ?? {}).map(([variable, value]) => {
            const secretName = pulumi
                .secret(pulumi.output(value))
                .apply(v => dockerSecretName(`${spec.name}-${variable.toLowerCase()}`, variable, v));
            const secret = new docker.Secret(
                `${name}-${variable.toLowerCase()}`,
                { name: secretName, data: pulumi.secret(pulumi.output(value).apply(v => Buffer.from(v).toString("base64"))) },
                on(),
            );
            return { variable, secret, fileName: variable.toLowerCase() };
        });

        const gpuCount = spec.gpus === undefined ? 0 : spec.gpus === "all" || !("count" in spec.gpus) ? NaN : spec.gpus.count;
        if (Number.isNaN(gpuCount))
            throw new Error(`${spec.name}: a swarm reserves a number of GPUs ("${JSON.stringify(spec.gpus)}" is not one)`);
        const publishMode = args.publishMode ?? "host";

        this.service = new docker.Service(
            name,
            {
                name: spec.name,
                labels: toLabelList<pulumi.Input<string>>({ ...spec.labels, ...args.serviceLabels, "dsenv.service": name }),
                taskSpec: {
                    containerSpec: {
                        image: spec.image,
                        env: pulumi.all([spec.env ?? {}, spec.secretEnv ?? {}]).apply(([env, secretEnv]) => ({
                            ...gpuEnv(gpuCount, spec.gpuCapable),
                            ...env,
                            ...secretEnv,
                            ...Object.fromEntries(secrets.map(s => [`${s.variable}_FILE`, `/run/secrets/${s.fileName}`])),
                        })),
                        secrets: secrets.map(s => ({
                            secretId: s.secret.id,
                            secretName: s.secret.name,
                            fileName: s.fileName,
                            fileMode: 0o444,
                        })),
                        // A service's mounts have a container's fields (Docker's mount type is one).
                        mounts: (spec.mounts ?? []).map(toContainerMount),
                        user: spec.user,
                        commands: spec.entrypoint,
                        args: spec.command,
                        dir: spec.workingDir,
                        stopGracePeriod: `${spec.stopGraceSeconds ?? 30}s`,
                        healthcheck: spec.healthcheck && withHealthcheckDefaults(spec.healthcheck),
                        sysctl: {},
                    },
                    networksAdvanceds: [{ name: args.network.id, aliases: spec.aliases }],
                    placement: { constraints: args.constraints ?? [] },
                    resources:
                        gpuCount > 0
                            ? { reservation: { genericResources: { discreteResourcesSpecs: [`${GPU_RESOURCE}=${gpuCount}`] } } }
                            : undefined,
                    // window and sysctl as the provider reads them back (0s, none): left out, every preview would show a change.
                    restartPolicy: { condition: "any", delay: "5s", window: "0s" },
                },
                mode: { replicated: { replicas: 1 } },
                // One task that owns its ports and data: the old one stops before the new one starts.
                updateConfig: { order: "stop-first", failureAction: "pause" },
                endpointSpec: {
                    // dnsrr: names resolve to the task itself; a VIP needs IPVS, and host-mode ports need no VIP.
                    mode: publishMode === "host" ? "dnsrr" : "vip",
                    ports: (spec.ports ?? []).map(p => ({
                        targetPort: p.containerPort,
                        publishedPort: p.hostPort,
                        protocol: p.protocol ?? "tcp",
                        publishMode,
                    })),
                },
                // The deployment waits until the task runs (healthy where it has a check).
                convergeConfig: { delay: "1s", timeout: `${spec.healthyTimeoutSeconds ?? 300}s` },
            },
            on({ additionalSecretOutputs: ["taskSpec"], deleteBeforeReplace: true }),
        );
        this.serviceName = this.service.name;
        this.registerOutputs({ serviceName: this.serviceName });
    }
}

/**
 * The NVIDIA runtime's variables on a swarm: which GPUs comes from the swarm
 * (the runtime reads DOCKER_RESOURCE_NVIDIA-GPU, with `swarm-resource` set in
 * its config.toml, docs/swarm.md), so only the capabilities are said here; a
 * GPU image without a reservation sees none.
 */
function gpuEnv(gpus: number, gpuCapable?: boolean): Record<string, string> {
    if (gpus > 0) return { NVIDIA_DRIVER_CAPABILITIES: "compute,utility" };
    return gpuCapable ? { NVIDIA_VISIBLE_DEVICES: "void" } : {};
}

/** Docker's longest secret name (swarmkit allows 64 of [a-zA-Z0-9-_.]). */
const MAX_SECRET_NAME = 64;

/**
 * `<stem>-<12 hex of the value's hash>`; a stem too long for Docker (a long
 * service or variable name) is cut, and the hash then covers the variable too,
 * so that two variables cut to the same stem keep names of their own.
 */
function dockerSecretName(stem: string, variable: string, value: string): string {
    const name = `${stem}-${shortHash(value)}`;
    return name.length <= MAX_SECRET_NAME ? name : `${stem.slice(0, MAX_SECRET_NAME - 13)}-${shortHash(`${variable}\0${value}`)}`;
}

/** 12 hex digits of a value's SHA-256: names a secret's version without showing it. */
function shortHash(value: string): string {
    return require("crypto").createHash("sha256").update(value).digest("hex").slice(0, 12);
}
