import * as pulumi from "@pulumi/pulumi";
import { DockerEngine } from "../components/engine";
import { OverlayNetwork } from "../components/swarm/overlay-network";
import { Swarm } from "../components/swarm/swarm";
import { placementLabel, SwarmRuntime } from "../components/swarm/swarm-runtime";
import { Workspace } from "../components/workspace";
import { Settings } from "../config/settings";
import { SwarmSettings } from "../config/swarm";
import { deployWorkloads } from "./workloads";
import { workspaceOutputs } from "./workspace-outputs";
import { userPlacementKey, workspaceUsers } from "./workspace-users";

/** The key of the data node's placement: MySQL, the workspace's notebook, and every pinned workload without a node of its own. */
const DATA = "data";

/**
 * The swarm target: the stack's machines made one swarm, and the workspace and
 * enabled workloads on it as services. Images are built on buildDockerHost (by
 * default the first node) and pushed to registryServer, where every node pulls
 * them from.
 */
export function deploySwarm(settings: Settings, swarmSettings: SwarmSettings): Record<string, unknown> {
    const registryLogins = settings.registry ? [settings.registry] : [];
    const users = settings.jupyter.users;

    // Which machine each placement key lives on: the data node, and each user's.
    const placements: Record<string, number> = { [DATA]: swarmSettings.dataNode };
    for (const u of users) placements[userPlacementKey(u.name)] = u.node ?? swarmSettings.dataNode;
    const labelsOf = (i: number) => ({
        ...swarmSettings.nodes[i].labels,
        ...Object.fromEntries(Object.entries(placements).filter(([, node]) => node === i).map(([key]) => [placementLabel(key), "true"])),
        ...(i === swarmSettings.dataNode ? { [placementLabel("default")]: "true" } : {}),
    });

    const swarm = new Swarm("swarm", {
        nodes: swarmSettings.nodes.map((n, i) => ({ engine: n.engine, advertiseAddr: n.advertiseAddr, labels: labelsOf(i) })),
        managers: swarmSettings.managers,
    });
    const network = new OverlayNetwork("workspace-net", { manager: swarm.manager, networkName: `${settings.namePrefix}-net`, dependsOn: swarm.ready });
    const buildEngine = new DockerEngine("build-engine", { ...settings.buildEngine, registryLogins });
    const runtime = new SwarmRuntime({
        swarm,
        network,
        buildEngine,
        push: settings.registry && { server: settings.registry.server },
        placements,
        defaultNode: swarmSettings.dataNode,
        publishMode: swarmSettings.publishMode,
    });

    const ws = new Workspace("workspace", { runtime, namePrefix: settings.namePrefix, mysql: settings.mysql, jupyter: settings.jupyter, users: workspaceUsers(users) });
    const workloads = deployWorkloads({ runtime, namePrefix: settings.namePrefix, settings: settings.workloads });
    return {
        ...workspaceOutputs(ws, network.name, settings.mysql.image, settings.mysql.publish),
        ...workloads.outputs,
        swarmClusterId: swarm.clusterId,
        swarmNodes: swarm.nodes.map((n, i) => ({ address: n.advertiseAddr, nodeId: n.nodeId, labels: labelsOf(i) })),
        swarmDataNode: pulumi.output(swarmSettings.nodes[swarmSettings.dataNode].advertiseAddr),
    };
}
