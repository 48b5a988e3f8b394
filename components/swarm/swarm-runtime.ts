import * as pulumi from "@pulumi/pulumi";
import { ContainerImage, imageForPullingMachines, ImageSource, PushTarget } from "../image";
import { DockerEngine } from "../engine";
import { Placement, Runtime, RunningWorkload, SpawnTarget } from "../runtime";
import { browsableUrl } from "../service";
import { DataVolume } from "../volume";
import { WorkloadSpec } from "../workload-spec";
import { OverlayNetwork } from "./overlay-network";
import { Swarm } from "./swarm";
import { PublishMode, SwarmService } from "./swarm-service";

/** The node label that marks where the workloads pinned under `key` live. */
export function placementLabel(key: string): string {
    return `dsenv.place.${key}`;
}

export interface SwarmRuntimeArgs {
    swarm: Swarm;
    network: OverlayNetwork;
    /** Where images are built; they reach the nodes through `push`. */
    buildEngine: DockerEngine;
    /** The registry every node pulls built images from. */
    push?: PushTarget;
    /**
     * Index into swarm.nodes of the machine each placement key is pinned to,
     * labelled `dsenv.place.<key>=true` there; keys not listed go to
     * `defaultNode`, labelled `dsenv.place.default=true`.
     */
    placements: Record<string, number>;
    defaultNode: number;
    publishMode: PublishMode;
    /**
     * Changes when the registry credential the manager hands the services does
     * (a renewed password): a service label, so every service is updated and
     * gets the new one, which its tasks use when they are placed again.
     */
    pullCredentialVersion?: pulumi.Input<string>;
}

/**
 * A swarm: each spec becomes a service with one task on the overlay network.
 * A pinned workload runs on the node labelled for its placement key, where its
 * volumes are made; one that runs anywhere goes where it fits (its GPUs, if
 * it reserves some). Published ports are on the node that runs the task
 * (host mode), or on every node (ingress).
 */
export class SwarmRuntime implements Runtime {
    /** The host ports published on each node (host mode), as the workloads were run: what a tunnel to that node forwards. */
    private readonly published: number[][];

    constructor(readonly args: SwarmRuntimeArgs) {
        this.published = args.swarm.nodes.map(() => []);
    }

    /** The host ports published on node `node` by the services run so far. */
    portsOn(node: number): number[] {
        return [...this.published[node]];
    }

    /** The node index a placement is pinned to (a host-mode port without data still needs a known node: the default one). */
    nodeOf(placement: Placement, publishes = false): number | undefined {
        if (placement !== "anywhere") return this.args.placements[placement.pinned] ?? this.args.defaultNode;
        return publishes && this.args.publishMode === "host" ? this.args.defaultNode : undefined;
    }

    image(parent: pulumi.Resource, name: string, source: ImageSource): ContainerImage {
        // No engine: every node pulls for itself when a task starts there.
        return imageForPullingMachines(parent, name, source, {
            buildEngine: this.args.buildEngine,
            push: this.args.push,
            machines: "a swarm's nodes",
        });
    }

    volume(parent: pulumi.Resource, name: string, args: { volumeName: string; keepOnDestroy: boolean }, placement: Placement): DataVolume {
        const node = this.nodeOf(placement);
        if (node === undefined) throw new Error(`${name}: a volume belongs to one node, and its workload runs anywhere`);
        return new DataVolume(name, { engine: this.args.swarm.nodes[node].engine, ...args }, { parent });
    }

    run(parent: pulumi.Resource, name: string, spec: WorkloadSpec, placement: Placement): RunningWorkload {
        const node = this.nodeOf(placement, (spec.ports ?? []).length > 0);
        const constraint = this.constraintOf(placement, node);
        const ports = (spec.ports ?? []).map(p => p.hostPort);
        if (this.args.publishMode === "host" && node !== undefined) this.published[node].push(...ports);
        else if (ports.length) this.published.forEach(list => list.push(...ports));
        const service = new SwarmService(
            name,
            {
                manager: this.args.swarm.manager,
                spec,
                network: this.args.network,
                constraints: constraint ? [constraint] : [],
                publishMode: this.args.publishMode,
                serviceLabels:
                    this.args.pullCredentialVersion === undefined ? {} : { "dsenv.pull-credential": this.args.pullCredentialVersion },
                dependsOn: this.args.swarm.ready,
            },
            { parent },
        );
        return { name: service.serviceName, resource: service };
    }

    spawnTarget(placement: Placement): SpawnTarget {
        return {
            kind: "swarm",
            network: this.args.network.name,
            constraint: this.constraintOf(placement, this.nodeOf(placement)),
            registryLogins: this.args.swarm.registryLogins,
        };
    }

    /** The constraint that puts a service on `node`, by its placement label; keys without a node of their own live on the default node, labelled "default". */
    private constraintOf(placement: Placement, node: number | undefined): string | undefined {
        if (node === undefined) return undefined;
        const key = placement !== "anywhere" && placement.pinned in this.args.placements ? placement.pinned : "default";
        return `node.labels.${placementLabel(key)}==true`;
    }

    url(published: { hostPort: number; hostIp?: string }, placement: Placement): pulumi.Output<string> {
        const node = this.nodeOf(placement, true) ?? this.args.defaultNode;
        return this.args.swarm.nodes[node].browseHost.apply(host => browsableUrl(host, published.hostPort));
    }
}
