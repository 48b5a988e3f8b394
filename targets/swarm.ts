import * as pulumi from "@pulumi/pulumi";
import { DockerEngine, RegistryLogin } from "../components/engine";
import { PushTarget } from "../components/image";
import { OverlayNetwork } from "../components/swarm/overlay-network";
import { Swarm, SwarmNodeArgs } from "../components/swarm/swarm";
import { placementLabel, SwarmRuntime } from "../components/swarm/swarm-runtime";
import { Settings } from "../settings";
import { SwarmLayout, SwarmSettings } from "../config/swarm";
import { deployWorkspace } from "./deploy-workspace";
import { workspaceOutputs, WorkspaceOutputs } from "./workspace-outputs";
import { engineSocket, HUB_PLACEMENT_KEY, userPlacementKey } from "./workspace-users";

/** The key of the data node's placement: MySQL, the workspace's notebook, and every pinned workload without a node of its own. */
const DATA = "data";

/** A swarm's machines as a target has them: each one's engine and addresses, without the labels the stack sets. */
export type SwarmMachine = Omit<SwarmNodeArgs, "labels"> & { labels?: Record<string, string> };

/** What the workspace and workloads run on when the stack's machines are one swarm. */
export interface SwarmTarget {
    machines: SwarmMachine[];
    layout: SwarmLayout;
    /** Where images are built, logged in to the registry they are pushed to. */
    buildEngine: DockerEngine;
    /** The registry every node pulls the built images from. */
    push?: PushTarget;
    /** What the manager hands the services to pull with (SwarmArgs.registryLogins). */
    pullLogins: RegistryLogin[];
    /** Changes with the pull credential (SwarmRuntimeArgs.pullCredentialVersion). */
    pullCredentialVersion?: pulumi.Input<string>;
    /** The engine's socket on the first machine's host, where the hub runs and spawns (dsenv:jupyterHub). */
    firstNodeSocket: string;
}

export interface SwarmDeployment {
    outputs: WorkspaceOutputs & Record<string, unknown>;
    swarm: Swarm;
    runtime: SwarmRuntime;
}

/**
 * The stack's machines made one swarm, and the workspace and enabled
 * workloads on it as services: the data on the data node, each user's
 * notebook on theirs. Used by the swarm target (machines listed in
 * swarmNodes) and by an azure stack of several VMs.
 */
export function deployOnSwarm(
    settings: Pick<Settings, "namePrefix" | "mysql" | "jupyter" | "workloads">,
    target: SwarmTarget,
): SwarmDeployment {
    const { layout } = target;
    const users = settings.jupyter.users;

    // Which machine each placement key lives on: the data node, and each user's.
    const placements: Record<string, number> = { [DATA]: layout.dataNode };
    for (const u of users) placements[userPlacementKey(u.name)] = u.node ?? layout.dataNode;
    // The hub spawns its users' servers through a manager's API: the first node is one.
    if (settings.jupyter.hub) placements[HUB_PLACEMENT_KEY] = 0;
    const labelsOf = (i: number) => ({
        ...target.machines[i].labels,
        ...Object.fromEntries(
            Object.entries(placements)
                .filter(([, node]) => node === i)
                .map(([key]) => [placementLabel(key), "true"]),
        ),
        ...(i === layout.dataNode ? { [placementLabel("default")]: "true" } : {}),
    });

    const swarm = new Swarm("swarm", {
        nodes: target.machines.map((m, i) => ({ ...m, labels: labelsOf(i) })),
        managers: layout.managers,
        registryLogins: target.pullLogins,
    });
    const network = new OverlayNetwork("workspace-net", {
        manager: swarm.manager,
        networkName: `${settings.namePrefix}-net`,
        dependsOn: swarm.ready,
    });
    const runtime = new SwarmRuntime({
        swarm,
        network,
        buildEngine: target.buildEngine,
        push: target.push,
        placements,
        defaultNode: layout.dataNode,
        publishMode: layout.publishMode,
        pullCredentialVersion: target.pullCredentialVersion,
    });

    const { workspace: ws, workloads } = deployWorkspace(runtime, settings, target.firstNodeSocket);
    return {
        swarm,
        runtime,
        outputs: {
            ...workspaceOutputs(ws, network.name, settings.mysql.image, settings.mysql.publish),
            jupyterGpus: settings.jupyter.gpuChoice,
            ...workloads,
            swarmClusterId: swarm.clusterId,
            swarmNodes: swarm.nodes.map((n, i) => ({ address: n.advertiseAddr, nodeId: n.nodeId, labels: labelsOf(i) })),
            swarmDataNode: swarm.nodes[layout.dataNode].advertiseAddr,
        },
    };
}

/**
 * The swarm target: the machines listed in swarmNodes. Images are built on
 * buildDockerHost (by default the first node) and pushed to registryServer,
 * where every node pulls them from, with the registry's login if it has one.
 */
export function deploySwarm(settings: Settings, swarmSettings: SwarmSettings): Record<string, unknown> {
    const registryLogins = settings.registry ? [settings.registry] : [];
    return deployOnSwarm(settings, {
        machines: swarmSettings.nodes.map(n => ({ engine: n.engine, advertiseAddr: n.advertiseAddr, labels: n.labels })),
        layout: swarmSettings,
        buildEngine: new DockerEngine("build-engine", { ...settings.buildEngine, registryLogins }),
        push: settings.registry && { server: settings.registry.server },
        // Only a registry with a login: the others want none, and the provider must not look for one.
        pullLogins: settings.registry?.username ? [settings.registry] : [],
        firstNodeSocket: engineSocket(swarmSettings.nodes[0].engine.host),
    }).outputs;
}
