import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KUBE_GPU_RESOURCE, nvidiaEnv } from "../gpu";
import { isVolumeRef } from "../volume";
import type { Healthcheck, WorkloadSpec } from "../workload-spec";
import { durationSeconds, kubeName } from "./names";
import type { KubeServiceType } from "./service-type";

/** Where a pod finds its file secrets (`<VAR>_FILE`); not /run/secrets, which is /var/run/secrets where images link /var/run to /run. */
export const SECRET_FILES_DIR = "/run/dsenv/secrets";

type Toleration = k8s.types.input.core.v1.Toleration;

/** How long a GPU pod may wait for a new node of a pool that scales from zero (the VM, then its GPU driver). */
const GPU_NODE_START_SECONDS = 1800;

/** The rollout's wait: the provider's 10 minutes unless `seconds` asks for more. */
function rolloutTimeout(seconds: number): pulumi.CustomTimeouts | undefined {
    return seconds > 600 ? { create: `${seconds}s`, update: `${seconds}s` } : undefined;
}

/** Where GPU pods go: what they tolerate (the GPU pool's taint) and the nodes they are put on. */
export interface GpuPool {
    tolerations: Toleration[];
    nodeSelector?: Record<string, string>;
    /** The pool adds nodes when a pod waits for GPUs (a cluster autoscaler: AKS's GPU pool from zero). */
    scales?: boolean;
}

export interface KubeWorkloadArgs {
    provider: k8s.Provider;
    namespace: pulumi.Input<string>;
    spec: WorkloadSpec;
    /** The stack's labels (app.kubernetes.io/part-of, managed-by); the workload's name is added. */
    labels: Record<string, string>;
    /** The dockerconfigjson Secret pods pull with; none: the cluster's own identity pulls. */
    pullSecret?: pulumi.Input<string>;
    gpuPool?: GpuPool;
    /** A published port's Service type: ClusterIP publishes nothing more (kubectl port-forward to the workload's Service). */
    serviceType: KubeServiceType;
}

/**
 * A workload as Kubernetes objects, from the same spec a container and a swarm
 * service are rendered from: a Deployment of one pod, a Secret for its secret
 * values, a Service under its name and one per alias (headless: the names
 * resolve to the pod, every port reachable, as on a Docker network; a MySQL
 * that publishes nothing still answers on 3306), and, for published ports on
 * NodePort or LoadBalancer, a Service of that type. The deployment waits until
 * the pod is ready (its healthcheck as a readiness probe).
 */
export class KubeWorkload extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;
    /** The Service under the workload's name. */
    readonly service: k8s.core.v1.Service;
    /** The Service of published ports (NodePort, LoadBalancer); none on ClusterIP or without ports. */
    readonly published?: k8s.core.v1.Service;
    readonly deploymentName: pulumi.Output<string>;
    /** The name its Service has: what `kubectl port-forward svc/<name>` names. */
    readonly serviceName: string;

    constructor(name: string, args: KubeWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:kubernetes:Workload", name, {}, opts);
        const { spec } = args;
        const on: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };
        const objectName = kubeName(spec.name);
        const labels = { ...args.labels, "app.kubernetes.io/name": objectName };
        // What selects the pod: its name within the stack (a Deployment's selector never changes).
        const selector = { "app.kubernetes.io/name": objectName, "app.kubernetes.io/part-of": args.labels["app.kubernetes.io/part-of"] };
        const metadata = (objName: string, annotations?: Record<string, pulumi.Input<string>>) => ({
            name: objName,
            namespace: args.namespace,
            labels,
            ...(annotations && { annotations }),
        });

        // One Secret for every secret value: env values by secretKeyRef, file secrets mounted as files.
        const secretEnv = spec.secretEnv ?? {};
        const fileSecrets = spec.fileSecrets ?? {};
        const secretValues = { ...secretEnv, ...fileSecrets };
        const secretName = `${objectName}-secrets`;
        const secret =
            Object.keys(secretValues).length > 0
                ? new k8s.core.v1.Secret(
                      `${name}-secrets`,
                      { metadata: metadata(secretName), type: "Opaque", stringData: pulumi.secret(pulumi.output(secretValues)) },
                      { ...on, additionalSecretOutputs: ["data", "stringData"] },
                  )
                : undefined;
        // A new value changes the pod template, so that the pod is made again with it (as a swarm's new secret moves its service).
        const secretsVersion = pulumi.secret(pulumi.output(secretValues)).apply(v =>
            require("crypto")
                .createHash("sha256")
                .update(JSON.stringify(Object.entries(v).sort()))
                .digest("hex")
                .slice(0, 16),
        );

        const gpuCount = gpuCountOf(spec);
        const env: k8s.types.input.core.v1.EnvVar[] = [
            ...Object.entries({
                ...(gpuCount > 0 ? { NVIDIA_DRIVER_CAPABILITIES: "compute,utility" } : spec.gpuCapable ? nvidiaEnv(undefined) : {}),
                ...spec.env,
                ...Object.fromEntries(Object.keys(fileSecrets).map(v => [`${v}_FILE`, `${SECRET_FILES_DIR}/${v.toLowerCase()}`])),
            }).map(([n, value]) => ({ name: n, value })),
            ...Object.keys(secretEnv).map(n => ({ name: n, valueFrom: { secretKeyRef: { name: secretName, key: n } } })),
        ];

        const volumes: k8s.types.input.core.v1.Volume[] = [];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [];
        let claims = 0;
        (spec.mounts ?? []).forEach((m, i) => {
            const volumeName = `v${i}`;
            if (m.kind === "bind")
                throw new Error(`${spec.name}: a host folder (${m.hostPath}) cannot be mounted on Kubernetes, whose pods run on any node`);
            if (m.kind === "volume") {
                claims += 1;
                const claimName = isVolumeRef(m.volume) ? m.volume.name : m.volume;
                volumes.push({ name: volumeName, persistentVolumeClaim: { claimName } });
            } else {
                volumes.push({ name: volumeName, emptyDir: {} });
            }
            mounts.push({ name: volumeName, mountPath: m.target, readOnly: m.kind === "volume" ? (m.readOnly ?? false) : false });
        });
        if (Object.keys(fileSecrets).length > 0) {
            volumes.push({
                name: "secret-files",
                secret: {
                    secretName,
                    defaultMode: 0o444,
                    items: Object.keys(fileSecrets).map(v => ({ key: v, path: v.toLowerCase() })),
                },
            });
            mounts.push({ name: "secret-files", mountPath: SECRET_FILES_DIR, readOnly: true });
        }
        if (spec.shmSizeMb !== undefined) {
            volumes.push({ name: "shm", emptyDir: { medium: "Memory", sizeLimit: `${spec.shmSizeMb}Mi` } });
            mounts.push({ name: "shm", mountPath: "/dev/shm" });
        }

        const usesGpus = gpuCount > 0;
        const annotations = spec.labels && Object.keys(spec.labels).length > 0 ? { ...spec.labels } : undefined;
        this.deployment = new k8s.apps.v1.Deployment(
            name,
            {
                metadata: metadata(objectName, annotations),
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    // Data on a ReadWriteOnce claim: the old pod lets go of it before the new one mounts it.
                    strategy: claims > 0 ? { type: "Recreate" } : undefined,
                    template: {
                        metadata: {
                            labels,
                            annotations: { ...annotations, ...(secret && { "dsenv/secrets-version": secretsVersion }) },
                        },
                        spec: {
                            // The pods do not talk to the Kubernetes API (but the one given an account: the hub); and no *_PORT variables of the namespace's Services (MYSQL_PORT=tcp://...).
                            serviceAccountName: spec.serviceAccount,
                            automountServiceAccountToken: spec.serviceAccount !== undefined,
                            enableServiceLinks: false,
                            terminationGracePeriodSeconds: spec.stopGraceSeconds ?? 30,
                            imagePullSecrets: args.pullSecret ? [{ name: args.pullSecret }] : undefined,
                            securityContext: securityContextOf(spec),
                            tolerations: usesGpus ? args.gpuPool?.tolerations : undefined,
                            nodeSelector: usesGpus ? args.gpuPool?.nodeSelector : undefined,
                            volumes,
                            containers: [
                                {
                                    name: "main",
                                    image: spec.image,
                                    command: spec.entrypoint,
                                    args: spec.command,
                                    workingDir: spec.workingDir,
                                    env,
                                    ports: (spec.ports ?? []).map(p => ({
                                        containerPort: p.containerPort,
                                        protocol: protocolOf(p.protocol),
                                    })),
                                    volumeMounts: mounts,
                                    readinessProbe: spec.healthcheck && readinessProbe(spec.healthcheck),
                                    resources: usesGpus ? { limits: { [KUBE_GPU_RESOURCE]: String(gpuCount) } } : undefined,
                                },
                            ],
                        },
                    },
                },
            },
            {
                ...on,
                dependsOn: secret ? [secret] : [],
                // The provider waits for the rollout (10 minutes by default): longer where the healthcheck allows
                // longer, or where a GPU pod waits for the autoscaler to bring a GPU node up from zero (VM and driver).
                customTimeouts: rolloutTimeout(
                    Math.max(spec.healthyTimeoutSeconds ?? 0, usesGpus && args.gpuPool?.scales ? GPU_NODE_START_SECONDS : 0),
                ),
            },
        );

        const servicePorts = (spec.ports ?? []).map(p => ({
            name: `p${p.containerPort}-${protocolOf(p.protocol).toLowerCase()}`,
            port: p.containerPort,
            targetPort: p.containerPort,
            protocol: protocolOf(p.protocol),
        }));
        const headless = (resourceName: string, serviceName: string) =>
            new k8s.core.v1.Service(
                resourceName,
                {
                    metadata: metadata(serviceName),
                    spec: { clusterIP: "None", selector, ports: servicePorts.length ? servicePorts : undefined },
                },
                on,
            );
        this.serviceName = objectName;
        this.service = headless(`${name}-service`, objectName);
        const aliases = [...new Set((spec.aliases ?? []).map(kubeName))].filter(a => a !== objectName);
        for (const alias of aliases) headless(`${name}-alias-${alias}`, alias);

        if (args.serviceType !== "ClusterIP" && (spec.ports ?? []).length > 0) {
            this.published = new k8s.core.v1.Service(
                `${name}-published`,
                {
                    metadata: metadata(`${objectName}-published`),
                    spec: {
                        type: args.serviceType,
                        selector,
                        ports: (spec.ports ?? []).map(p => ({
                            name: `p${p.hostPort}-${protocolOf(p.protocol).toLowerCase()}`,
                            port: p.hostPort,
                            targetPort: p.containerPort,
                            protocol: protocolOf(p.protocol),
                        })),
                    },
                },
                on,
            );
        }
        this.deploymentName = this.deployment.metadata.name;
        this.registerOutputs({ deploymentName: this.deploymentName });
    }
}

function protocolOf(p: "tcp" | "udp" | undefined): "TCP" | "UDP" {
    return p === "udp" ? "UDP" : "TCP";
}

/** A count of GPUs, what Kubernetes gives a pod; "all" and device lists have no meaning there (the config refuses them first). */
function gpuCountOf(spec: WorkloadSpec): number {
    const g = spec.gpus;
    if (g === undefined) return 0;
    if (g !== "all" && "count" in g) return g.count;
    throw new Error(`${spec.name}: Kubernetes gives a pod a number of GPUs (${JSON.stringify(g)} is not one)`);
}

/**
 * uid[:gid] as the pod's security context. A user name means nothing to the
 * kubelet (it cannot look in the image's /etc/passwd), except root, which is
 * uid 0 in every image.
 */
function securityContextOf(spec: WorkloadSpec): k8s.types.input.core.v1.PodSecurityContext | undefined {
    const runAs = runAsOf(spec);
    const fsGroup = spec.volumeGroup ?? runAs?.runAsGroup;
    // The claims are made that group's (only where they are not already: a big kept volume is not walked on every start).
    const volumes = fsGroup !== undefined ? { fsGroup, fsGroupChangePolicy: "OnRootMismatch" } : {};
    return runAs || fsGroup !== undefined ? { ...runAs, ...volumes } : undefined;
}

function runAsOf(spec: WorkloadSpec): { runAsUser: number; runAsGroup?: number } | undefined {
    if (spec.user === undefined) return undefined;
    if (spec.user === "root") return { runAsUser: 0 };
    const m = /^([0-9]+)(?::([0-9]+))?$/.exec(spec.user);
    if (!m) throw new Error(`${spec.name}: Kubernetes runs a container as a numeric uid[:gid] ("${spec.user}" is a user name)`);
    return { runAsUser: Number(m[1]), ...(m[2] !== undefined && { runAsGroup: Number(m[2]) }) };
}

/**
 * The healthcheck as a readiness probe: the same command (CMD-SHELL through
 * /bin/sh -c, as Docker runs it), every interval, a timeout, and `retries`
 * failures before the pod counts as not ready. A start period has no
 * counterpart: a readiness failure never restarts the container, it only
 * keeps the pod unready (and the deployment waiting).
 */
function readinessProbe(h: Healthcheck): k8s.types.input.core.v1.Probe {
    const [kind, ...rest] = h.test;
    const command = kind === "CMD-SHELL" ? ["/bin/sh", "-c", rest.join(" ")] : kind === "CMD" ? rest : h.test;
    return {
        exec: { command },
        periodSeconds: durationSeconds(h.interval, 10),
        timeoutSeconds: durationSeconds(h.timeout, 5),
        failureThreshold: h.retries ?? 5,
    };
}
