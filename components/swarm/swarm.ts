import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, RegistryLogin } from "../engine";
import type { ManagedMachine } from "../managed-machine";
import { NodeEngine } from "./engine-cli";
import { NodeLabels, SwarmInit, SwarmJoin } from "./membership";

/** One machine of the swarm. */
export interface SwarmNodeArgs {
    /** How this machine's engine is reached from the machine running Pulumi (Outputs for a VM the stack makes). */
    engine: pulumi.Input<NodeEngine>;
    /** The address the other nodes reach this one at (an IP: swarm wants one). */
    advertiseAddr: pulumi.Input<string>;
    /** Labels that placement constraints match (`node.labels.<key>==<value>`). */
    labels: Record<string, string>;
    /** Where a browser reaches the ports published on this node: its advertise address unless said (e.g. 127.0.0.1 through an ssh tunnel). */
    browseHost?: pulumi.Input<string>;
    /** What must be done before the node's engine is talked to (a new VM's readiness step). */
    readyAfter?: pulumi.Resource[];
    /**
     * The machine, when the program manages it: what lives on the node (its
     * membership, volumes; on the first manager, the swarm and its services)
     * is deleted with it, so destroy needs no connection to a machine that is
     * stopped or gone; and made again when the machine is replaced (the node
     * joins again, the earlier one is removed from the swarm's list).
     */
    machine?: ManagedMachine;
}

export interface SwarmArgs {
    /** The first node makes the swarm and is its manager; the others join as workers, or as managers up to `managers`. */
    nodes: SwarmNodeArgs[];
    /** How many of the first nodes are managers (1, or 3 to survive the loss of one). */
    managers?: number;
    /** The logins the manager hands to every service it creates or updates: how the nodes pull from private registries. */
    registryLogins?: RegistryLogin[];
}

/** What the rest of a program knows of one node once it is in the swarm. */
export interface SwarmNode {
    /** The node's engine, for what lives on one machine (a volume). */
    engine: DockerEngine;
    advertiseAddr: pulumi.Output<string>;
    browseHost: pulumi.Output<string>;
    /** The swarm's id of the node (`node.id==...`). */
    nodeId: pulumi.Output<string>;
}

/**
 * Several Docker engines as one swarm, owned by the stack: made on the first
 * node, joined by the others (join tokens stay secrets), nodes labelled, and
 * left again on destroy. Services are declared on `manager`.
 */
export class Swarm extends pulumi.ComponentResource {
    /** The first manager's engine: services, secrets and overlay networks are declared there. */
    readonly manager: DockerEngine;
    readonly nodes: SwarmNode[];
    readonly clusterId: pulumi.Output<string>;
    /** What the manager hands the services it creates to pull with (SwarmArgs.registryLogins). */
    readonly registryLogins: RegistryLogin[];
    /** Done when every node is in the swarm and labelled: what services wait for. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: SwarmArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dsenv:swarm:Swarm", name, {}, opts);
        if (args.nodes.length === 0) throw new Error("a swarm needs at least one node");
        const managers = args.managers ?? 1;
        const [first] = args.nodes;

        // A node's membership is in its engine's state, on the machine's own disk: it goes with the machine.
        const on = (node: SwarmNodeArgs): pulumi.CustomResourceOptions => ({
            parent: this,
            dependsOn: node.readyAfter,
            ...(node.machine ? { deletedWith: node.machine.incarnation, replaceWith: [node.machine.resource] } : {}),
        });
        const init = new SwarmInit(`${name}-init`, { engine: first.engine, advertiseAddr: first.advertiseAddr }, on(first));
        const joins = args.nodes.slice(1).map(
            (node, i) =>
                new SwarmJoin(
                    `${name}-node${i + 2}`,
                    {
                        engine: node.engine,
                        advertiseAddr: node.advertiseAddr,
                        role: i + 1 < managers ? "manager" : "worker",
                        swarm: init,
                        managerEngine: first.engine,
                    },
                    on(node),
                ),
        );
        const nodeIds = [init.nodeId, ...joins.map(j => j.nodeId)];
        const labels = args.nodes.map(
            (node, i) =>
                new NodeLabels(
                    `${name}-node${i + 1}-labels`,
                    { managerEngine: first.engine, nodeId: nodeIds[i], labels: node.labels },
                    { parent: this, deletedWith: first.machine?.incarnation },
                ),
        );

        this.nodes = args.nodes.map((node, i) => {
            const engine = pulumi.output(node.engine);
            const advertiseAddr = pulumi.output(node.advertiseAddr);
            return {
                // Each node's engine waits for its membership: a volume on it belongs to the swarm's node.
                // The first manager's hands the registry logins to the services declared on it.
                engine: new DockerEngine(
                    `${name}-node${i + 1}`,
                    {
                        host: engine.host,
                        sshOpts: engine.sshOpts,
                        isLocal: false,
                        readyAfter: [i === 0 ? init : joins[i - 1]],
                        registryLogins: i === 0 && args.registryLogins?.length ? args.registryLogins : undefined,
                        machine: node.machine,
                    },
                    { parent: this },
                ),
                advertiseAddr,
                browseHost: node.browseHost === undefined ? advertiseAddr : pulumi.output(node.browseHost),
                nodeId: nodeIds[i],
            };
        });
        this.manager = this.nodes[0].engine;
        this.clusterId = init.clusterId;
        this.registryLogins = args.registryLogins ?? [];
        this.ready = [init, ...joins, ...labels];
        this.registerOutputs({ clusterId: this.clusterId });
    }
}
