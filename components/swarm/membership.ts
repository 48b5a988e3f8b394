import * as pulumi from "@pulumi/pulumi";
import { mustDocker, NodeEngine, runDocker } from "./engine-cli";

// A swarm's membership as dynamic resources: the Docker provider declares
// services, secrets and networks on a swarm, but has no resource that makes
// one. Each step first reads where the node stands, so that an `up` over an
// existing swarm adopts it instead of failing, and a second `up` does nothing.

/** Where one node stands, as its engine says (`docker info`). */
interface NodeState {
    /** inactive, pending, active, error or locked. */
    localState: string;
    nodeId: string;
    clusterId: string;
    isManager: boolean;
}

async function nodeState(engine: NodeEngine): Promise<NodeState> {
    const s = JSON.parse(await mustDocker(engine, ["info", "--format", "{{json .Swarm}}"], "reading the swarm state"));
    return { localState: s.LocalNodeState, nodeId: s.NodeID ?? "", clusterId: s.Cluster?.ID ?? "", isManager: Boolean(s.ControlAvailable) };
}

/**
 * Leaves the swarm; a node that is in none has nothing to do. A leave can time
 * out while the node still tells the managers (seen: "context deadline
 * exceeded") and yet complete: it counts as done once the node says inactive.
 */
async function leave(engine: NodeEngine): Promise<void> {
    let last = "";
    for (let attempt = 0; attempt < 3; attempt++) {
        const r = await runDocker(engine, ["swarm", "leave", "--force"], 90_000);
        if (r.ok || /not part of a swarm/i.test(r.stderr)) return;
        last = r.stderr;
        if ((await nodeState(engine)).localState === "inactive") return;
    }
    throw new Error(`leaving the swarm on ${engine.host}: ${last}`);
}

function engineOf(inputs: { host: string; sshOpts: string[] }): NodeEngine {
    return { host: inputs.host, sshOpts: inputs.sshOpts ?? [] };
}

// ------------------------------------------------------------------ init

interface SwarmInitInputs {
    host: string;
    sshOpts: string[];
    /** The address the other nodes reach this one at. */
    advertiseAddr: string;
}

interface SwarmInitOutputs extends SwarmInitInputs {
    clusterId: string;
    nodeId: string;
    /** host:port the others join at. */
    managerAddr: string;
    workerToken: string;
    managerToken: string;
}

const swarmInitProvider: pulumi.dynamic.ResourceProvider<SwarmInitInputs, SwarmInitOutputs> = {
    async diff(_id, olds: SwarmInitOutputs, news: SwarmInitInputs) {
        const replaces = (["host", "advertiseAddr"] as const).filter(k => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },
    async create(inputs: SwarmInitInputs) {
        const engine = engineOf(inputs);
        let state = await nodeState(engine);
        if (state.localState === "active" && !state.isManager) {
            throw new Error(
                `${inputs.host} is a worker of swarm ${state.clusterId}, not a manager: run \`docker swarm leave\` on it, or list that swarm's manager first`,
            );
        }
        if (state.localState !== "active") {
            await mustDocker(engine, ["swarm", "init", "--advertise-addr", inputs.advertiseAddr], "initialising the swarm");
            state = await nodeState(engine);
        }
        const token = (role: string) => mustDocker(engine, ["swarm", "join-token", "--quiet", role], `reading the ${role} join token`);
        const outs: SwarmInitOutputs = {
            ...inputs,
            clusterId: state.clusterId,
            nodeId: state.nodeId,
            managerAddr: `${inputs.advertiseAddr.includes(":") ? `[${inputs.advertiseAddr}]` : inputs.advertiseAddr}:2377`,
            workerToken: await token("worker"),
            managerToken: await token("manager"),
        };
        return { id: state.clusterId, outs };
    },
    async delete(_id, olds: SwarmInitOutputs) {
        await leave(engineOf(olds));
    },
};

export interface SwarmInitArgs {
    engine: pulumi.Input<NodeEngine>;
    advertiseAddr: pulumi.Input<string>;
}

/**
 * The swarm, made on its first manager (`docker swarm init`), or adopted where
 * that engine already manages one. Its join tokens are secret outputs. On
 * destroy the manager leaves, which ends the swarm.
 */
export class SwarmInit extends pulumi.dynamic.Resource {
    declare readonly clusterId: pulumi.Output<string>;
    declare readonly nodeId: pulumi.Output<string>;
    declare readonly managerAddr: pulumi.Output<string>;
    declare readonly workerToken: pulumi.Output<string>;
    declare readonly managerToken: pulumi.Output<string>;

    constructor(name: string, args: SwarmInitArgs, opts?: pulumi.CustomResourceOptions) {
        const engine = pulumi.output(args.engine);
        super(
            swarmInitProvider,
            name,
            {
                host: engine.host,
                sshOpts: engine.sshOpts,
                advertiseAddr: args.advertiseAddr,
                clusterId: undefined,
                nodeId: undefined,
                managerAddr: undefined,
                workerToken: undefined,
                managerToken: undefined,
            },
            { ...opts, additionalSecretOutputs: ["workerToken", "managerToken"] },
            "dsenv",
            "SwarmInit",
        );
    }
}

// ------------------------------------------------------------------ join

interface SwarmJoinInputs {
    host: string;
    sshOpts: string[];
    advertiseAddr: string;
    role: "manager" | "worker";
    clusterId: string;
    managerAddr: string;
    joinToken: string;
    /** The first manager's engine: where the node is removed from the swarm's list when it leaves. */
    managerHost: string;
    managerSshOpts: string[];
}

interface SwarmJoinOutputs extends SwarmJoinInputs {
    nodeId: string;
}

const swarmJoinProvider: pulumi.dynamic.ResourceProvider<SwarmJoinInputs, SwarmJoinOutputs> = {
    async diff(_id, olds: SwarmJoinOutputs, news: SwarmJoinInputs) {
        // A new join token (rotated by hand) changes nothing for a node that has joined.
        const replaces = (["host", "advertiseAddr", "role", "clusterId"] as const).filter(k => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },
    async create(inputs: SwarmJoinInputs) {
        const engine = engineOf(inputs);
        let state = await nodeState(engine);
        if (state.localState === "active" && state.clusterId && state.clusterId !== inputs.clusterId) {
            throw new Error(`${inputs.host} is in another swarm (${state.clusterId}): run \`docker swarm leave\` on it first`);
        }
        if (state.localState !== "active") {
            await mustDocker(
                engine,
                ["swarm", "join", "--token", inputs.joinToken, "--advertise-addr", inputs.advertiseAddr, inputs.managerAddr],
                "joining the swarm",
            );
            state = await nodeState(engine);
        }
        await removeEarlierNodes({ host: inputs.managerHost, sshOpts: inputs.managerSshOpts ?? [] }, state.nodeId);
        return { id: state.nodeId, outs: { ...inputs, nodeId: state.nodeId } };
    },
    async delete(id, olds: SwarmJoinOutputs) {
        await leave(engineOf(olds));
        // The manager keeps a left node in its list, as down: remove it there.
        const r = await runDocker({ host: olds.managerHost, sshOpts: olds.managerSshOpts ?? [] }, ["node", "rm", "--force", id]);
        if (!r.ok && !/not found|not a swarm manager|not part of a swarm/i.test(r.stderr))
            throw new Error(`removing node ${id} from the swarm: ${r.stderr}`);
    },
};

/**
 * Removes from the swarm's list the nodes that were this machine before: same
 * host name, same address as the manager sees them, another node id. A
 * replaced VM (same name, same static address) joins as a new node; its
 * predecessor left no word (its delete is skipped: deletedWith) and stays
 * listed as down, a manager among the raft's members, until removed here (a
 * manager is demoted first: Docker removes no manager).
 */
async function removeEarlierNodes(manager: NodeEngine, nodeId: string): Promise<void> {
    const ids = (await mustDocker(manager, ["node", "ls", "--quiet"], "listing the swarm's nodes")).split(/\s+/).filter(Boolean);
    const described = await mustDocker(
        manager,
        ["node", "inspect", "--format", "{{.ID}} {{.Description.Hostname}} {{.Status.Addr}} {{.Spec.Role}}", ...ids],
        "reading the swarm's nodes",
    );
    const nodes = described.split("\n").map(line => {
        const [id, hostname, addr, role] = line.trim().split(" ");
        return { id, hostname, addr, role };
    });
    const self = nodes.find(n => n.id === nodeId);
    if (!self) return;
    for (const earlier of nodes.filter(n => n.id !== nodeId && n.hostname === self.hostname && n.addr === self.addr)) {
        if (earlier.role === "manager")
            await mustDocker(manager, ["node", "demote", earlier.id], `demoting the earlier node ${earlier.id} of ${self.hostname}`);
        await mustDocker(manager, ["node", "rm", "--force", earlier.id], `removing the earlier node ${earlier.id} of ${self.hostname}`);
    }
}

export interface SwarmJoinArgs {
    engine: pulumi.Input<NodeEngine>;
    advertiseAddr: pulumi.Input<string>;
    role: "manager" | "worker";
    swarm: SwarmInit;
    managerEngine: pulumi.Input<NodeEngine>;
}

/** One more node in the swarm (`docker swarm join`); it leaves on destroy. */
export class SwarmJoin extends pulumi.dynamic.Resource {
    declare readonly nodeId: pulumi.Output<string>;

    constructor(name: string, args: SwarmJoinArgs, opts?: pulumi.CustomResourceOptions) {
        const engine = pulumi.output(args.engine);
        const manager = pulumi.output(args.managerEngine);
        super(
            swarmJoinProvider,
            name,
            {
                host: engine.host,
                sshOpts: engine.sshOpts,
                advertiseAddr: args.advertiseAddr,
                role: args.role,
                clusterId: args.swarm.clusterId,
                managerAddr: args.swarm.managerAddr,
                joinToken: args.role === "manager" ? args.swarm.managerToken : args.swarm.workerToken,
                managerHost: manager.host,
                managerSshOpts: manager.sshOpts,
                nodeId: undefined,
            },
            { ...opts, additionalSecretOutputs: ["joinToken"] },
            "dsenv",
            "SwarmJoin",
        );
    }
}

// ------------------------------------------------------------------ labels

interface NodeLabelsInputs {
    managerHost: string;
    managerSshOpts: string[];
    nodeId: string;
    labels: Record<string, string>;
}

/** Sets `labels` on the node and removes the ones `previous` had that `labels` has not. */
async function applyLabels(inputs: NodeLabelsInputs, previous: Record<string, string>): Promise<void> {
    const args = [
        ...Object.entries(inputs.labels).flatMap(([k, v]) => ["--label-add", `${k}=${v}`]),
        ...Object.keys(previous)
            .filter(k => !(k in inputs.labels))
            .flatMap(k => ["--label-rm", k]),
    ];
    if (args.length)
        await mustDocker(
            { host: inputs.managerHost, sshOpts: inputs.managerSshOpts ?? [] },
            ["node", "update", ...args, inputs.nodeId],
            `labelling node ${inputs.nodeId}`,
        );
}

const nodeLabelsProvider: pulumi.dynamic.ResourceProvider<NodeLabelsInputs> = {
    async diff(_id, olds: NodeLabelsInputs, news: NodeLabelsInputs) {
        // Another node (one that joined again) is a replacement: it has none of the labels yet.
        const replaces = olds.nodeId !== news.nodeId ? ["nodeId"] : [];
        const changes =
            replaces.length > 0 || JSON.stringify(olds.labels) !== JSON.stringify(news.labels) || olds.managerHost !== news.managerHost;
        return { changes, replaces };
    },
    async create(inputs: NodeLabelsInputs) {
        await applyLabels(inputs, {});
        return { id: inputs.nodeId, outs: inputs };
    },
    async update(_id, olds: NodeLabelsInputs, news: NodeLabelsInputs) {
        await applyLabels(news, olds.labels);
        return { outs: news };
    },
    async delete(_id, olds: NodeLabelsInputs) {
        // The node may have left already: then its labels went with it.
        await runDocker({ host: olds.managerHost, sshOpts: olds.managerSshOpts ?? [] }, [
            "node",
            "update",
            ...Object.keys(olds.labels).flatMap(k => ["--label-rm", k]),
            olds.nodeId,
        ]);
    },
};

export interface NodeLabelsArgs {
    managerEngine: pulumi.Input<NodeEngine>;
    nodeId: pulumi.Input<string>;
    labels: Record<string, string>;
}

/** A node's labels, which placement constraints match (`node.labels.<key>==<value>`). */
export class NodeLabels extends pulumi.dynamic.Resource {
    constructor(name: string, args: NodeLabelsArgs, opts?: pulumi.CustomResourceOptions) {
        const manager = pulumi.output(args.managerEngine);
        super(
            nodeLabelsProvider,
            name,
            { managerHost: manager.host, managerSshOpts: manager.sshOpts, nodeId: args.nodeId, labels: args.labels },
            opts,
            "dsenv",
            "SwarmNodeLabels",
        );
    }
}
