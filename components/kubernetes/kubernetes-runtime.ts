import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../engine";
import { ContainerImage, imageForPullingMachines, ImageSource, PushTarget } from "../image";
import { Placement, Runtime, RunningWorkload, SpawnTarget } from "../runtime";
import { browsableUrl } from "../service";
import type { VolumeRef } from "../volume";
import { WorkloadSpec } from "../workload-spec";
import { GpuPool, KubeWorkload } from "./kube-workload";
import { kubeName, stackLabels } from "./names";
import { PersistentClaim } from "./persistent-claim";
import type { KubeServiceType } from "./service-type";

export interface KubernetesRuntimeArgs {
    provider: k8s.Provider;
    namespace: pulumi.Input<string>;
    /** Where images are built, to be pushed to `push`. */
    buildEngine: DockerEngine;
    /** The registry the cluster pulls built images from. */
    push?: PushTarget;
    /** The dockerconfigjson Secret pods pull with; none: the cluster's own identity pulls (AKS with AcrPull). */
    pullSecret?: pulumi.Input<string>;
    /** The claims' class; none: the cluster's default. */
    storageClass?: string;
    /** What each claim requests (10Gi). */
    volumeSize: string;
    serviceType: KubeServiceType;
    gpuPool?: GpuPool;
    /** The stack's name in its objects' app.kubernetes.io/part-of (namePrefix). */
    partOf: string;
    /** The address of a node, for NodePort URLs. */
    nodeAddress?: string;
    /** What kubectl needs to reach the cluster (--kubeconfig, --context), for the port-forward commands. */
    kubectlArgs?: string[];
}

/** A published port as run: its workload's Services, for its URL and its port-forward. */
interface PublishedPort {
    workload: KubeWorkload;
    containerPort: number;
    hostPort: number;
    hostIp?: string;
}

/**
 * A Kubernetes cluster: each spec becomes a Deployment of one pod with its
 * Services (KubeWorkload), each volume a PersistentVolumeClaim; images are
 * built on the build engine, pushed, and run by digest. Placement means
 * nothing here: a pod goes where it fits (its GPUs, if it asks for some), and
 * its claims follow it.
 */
export class KubernetesRuntime implements Runtime {
    private readonly published = new Map<number, PublishedPort>();

    constructor(readonly args: KubernetesRuntimeArgs) {}

    image(parent: pulumi.Resource, name: string, source: ImageSource): ContainerImage {
        // No engine: the cluster's nodes pull for themselves, a built image by its pushed digest.
        return imageForPullingMachines(parent, name, source, {
            buildEngine: this.args.buildEngine,
            push: this.args.push,
            machines: "a cluster's nodes",
        });
    }

    volume(parent: pulumi.Resource, name: string, args: { volumeName: string; keepOnDestroy: boolean }, _placement: Placement): VolumeRef {
        return new PersistentClaim(
            name,
            {
                provider: this.args.provider,
                namespace: this.args.namespace,
                claimName: kubeName(args.volumeName),
                keepOnDestroy: args.keepOnDestroy,
                storageClass: this.args.storageClass,
                size: this.args.volumeSize,
                labels: stackLabels(this.args.partOf, args.volumeName),
            },
            { parent },
        );
    }

    run(parent: pulumi.Resource, name: string, spec: WorkloadSpec, _placement: Placement): RunningWorkload {
        const workload = new KubeWorkload(
            name,
            {
                provider: this.args.provider,
                namespace: this.args.namespace,
                spec,
                labels: stackLabels(this.args.partOf),
                pullSecret: this.args.pullSecret,
                gpuPool: this.args.gpuPool,
                serviceType: this.args.serviceType,
            },
            { parent },
        );
        for (const p of spec.ports ?? [])
            this.published.set(p.hostPort, { workload, containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIp });
        return { name: workload.deploymentName, resource: workload };
    }

    spawnTarget(_placement: Placement): SpawnTarget {
        const namespace = pulumi.output(this.args.namespace);
        return {
            kind: "kubernetes",
            network: namespace,
            registryLogins: [],
            kubernetes: {
                provider: this.args.provider,
                namespace,
                pullSecret: this.args.pullSecret,
                storageClass: this.args.storageClass,
                volumeSize: this.args.volumeSize,
                gpuPool: this.args.gpuPool as NonNullable<SpawnTarget["kubernetes"]>["gpuPool"],
                labels: stackLabels(this.args.partOf),
            },
        };
    }

    /**
     * What a browser opens for a published port: on ClusterIP, this machine's
     * end of `kubectl port-forward` (portForwards); on NodePort, a node's
     * address at the port Kubernetes assigned; on LoadBalancer, the load
     * balancer's address at the host port.
     */
    url(published: { hostPort: number; hostIp?: string }, _placement: Placement): pulumi.Input<string> {
        const run = this.published.get(published.hostPort);
        // Where kubectl port-forward listens (portForwards): the published address.
        if (this.args.serviceType === "ClusterIP" || !run?.workload.published)
            return browsableUrl(published.hostIp ?? "127.0.0.1", published.hostPort);
        const service = run.workload.published;
        if (this.args.serviceType === "NodePort") {
            const address = this.args.nodeAddress ?? "127.0.0.1";
            return service.spec.ports.apply(ports =>
                browsableUrl(address, ports.find(p => p.port === run.hostPort)?.nodePort ?? run.hostPort),
            );
        }
        return service.status.loadBalancer.ingress.apply(ingress => {
            const address = ingress?.[0]?.ip ?? ingress?.[0]?.hostname ?? "127.0.0.1";
            return browsableUrl(address, run.hostPort);
        });
    }

    /** The `kubectl port-forward` commands that make the ClusterIP URLs work, one per workload that publishes ports. */
    portForwards(): pulumi.Output<string>[] {
        const byService = new Map<string, { ports: string[]; addresses: Set<string> }>();
        for (const p of this.published.values()) {
            const entry = byService.get(p.workload.serviceName) ?? { ports: [], addresses: new Set<string>() };
            entry.ports.push(`${p.hostPort}:${p.containerPort}`);
            entry.addresses.add(p.hostIp ?? "127.0.0.1");
            byService.set(p.workload.serviceName, entry);
        }
        const kubectl = ["kubectl", ...(this.args.kubectlArgs ?? [])].join(" ");
        return [...byService].map(([svc, { ports, addresses }]) => {
            // kubectl listens on 127.0.0.1 unless told another address (jupyterHostIp 0.0.0.0: every interface).
            const address = addresses.size === 1 && addresses.has("127.0.0.1") ? "" : ` --address ${[...addresses].join(",")}`;
            return pulumi.interpolate`${kubectl} -n ${this.args.namespace} port-forward${address} svc/${svc} ${ports.join(" ")}`;
        });
    }
}
