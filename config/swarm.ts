import { GPU_RESOURCE, type GpuRequest } from "../components/gpu";
import { isAllInterfaces, isHostIp, isNeverLocal } from "./addresses";
import { DockerRunner, EngineInfo, versionAtLeast } from "./gpu-check";
import { ConfigReader } from "./reader";
import type { ConfigKey } from "./defaults";
import * as rules from "./rules";
import { EngineSettings } from "./engine-settings";
import { WorkloadConfigKey } from "./workload-defaults";

// The swarm target's settings: the machines (their engines and addresses), who
// manages, where data lives, how ports are published.

export const PUBLISH_MODES = ["host", "ingress"] as const;

/** One machine, from one `dsenv:swarmNodes` entry: `<engine> <advertise-ip> [<label>=<value> ...]`. */
export interface SwarmNodeSettings {
    engine: Required<Pick<EngineSettings, "host" | "sshOpts">>;
    advertiseAddr: string;
    /** The node labels the entry lists (placement constraints match them). */
    labels: Record<string, string>;
}

/** How a swarm's machines are used, whoever lists them (dsenv:swarmNodes, or an azure stack's VMs). */
export interface SwarmLayout {
    /** How many of the first nodes are managers. */
    managers: number;
    /** Index into the nodes of the machine that keeps the data (MySQL, the notebook, work volumes). */
    dataNode: number;
    publishMode: (typeof PUBLISH_MODES)[number];
}

export interface SwarmSettings extends SwarmLayout {
    nodes: SwarmNodeSettings[];
}

/** Node labels as Docker allows them: a lowercase dotted key, a value without spaces or `=`. */
const LABEL = /^([a-z0-9][a-z0-9.-]*[a-z0-9]|[a-z0-9])=([^\s=]*)$/;

/** One `dsenv:swarmNodes` entry, or what is wrong with it. */
export function parseSwarmNode(entry: string, sshOpts: string[]): { node?: SwarmNodeSettings; problem?: string } {
    const [host, address, ...labels] = entry.trim().split(/\s+/);
    const grammar = '"<engine> <advertise-ip> [<label>=<value> ...]", e.g. "ssh://lab@gpu1 192.168.10.11 gpu=a100"';
    if (!host || !address) return { problem: grammar };
    const hostProblem = rules.dockerHost(host);
    if (hostProblem) return { problem: `${grammar}, with an engine that is ${hostProblem}` };
    if (!isHostIp(address) || isAllInterfaces(address) || isNeverLocal(address)) {
        return {
            problem: `${grammar}, with the IP address the other nodes reach this one at (swarm wants an address, not a name or 0.0.0.0; got ${JSON.stringify(address)})`,
        };
    }
    const parsed: Record<string, string> = {};
    for (const label of labels) {
        const m = LABEL.exec(label);
        if (!m)
            return {
                problem: `${grammar}, with labels as key=value, a lowercase key of letters, digits, dots and dashes (got ${JSON.stringify(label)})`,
            };
        if (m[1].startsWith("dsenv."))
            return { problem: `${grammar}, without labels under "dsenv." (the stack sets those; got ${JSON.stringify(label)})` };
        parsed[m[1]] = m[2];
    }
    return { node: { engine: { host, sshOpts }, advertiseAddr: address, labels: parsed } };
}

export function readSwarm(read: ConfigReader, sshOpts: string[]): SwarmSettings {
    const entries = read.strings("swarmNodes", v => parseSwarmNode(v, sshOpts).problem);
    const nodes = entries.map(e => parseSwarmNode(e, sshOpts).node).filter((n): n is SwarmNodeSettings => n !== undefined);
    if (entries.length === 0)
        read.reject(
            "swarmNodes",
            entries,
            'one entry per machine, the first the swarm\'s manager: ["<engine> <advertise-ip> [<label>=<value> ...]", ...]',
        );
    for (const [what, values] of [
        ["engine", nodes.map(n => n.engine.host)],
        ["advertise address", nodes.map(n => n.advertiseAddr)],
    ] as const) {
        const twice = values.filter((v, i) => values.indexOf(v) !== i);
        if (twice.length) read.reject("swarmNodes", entries, `each machine once (the ${what} ${JSON.stringify(twice[0])} is listed twice)`);
    }
    return { nodes, ...readSwarmLayout(read, Math.max(entries.length, 1), "dsenv:swarmNodes' order") };
}

/** swarmManagers, swarmDataNode and swarmPublishMode for `count` nodes, numbered from 1 in `order`. */
export function readSwarmLayout(read: ConfigReader, count: number, order: string): SwarmLayout {
    const managers = read.integer("swarmManagers", v =>
        Number.isInteger(v) && v >= 1 && v <= count && v !== 2 && v !== 4
            ? undefined
            : `an odd number of managers from 1 to the number of nodes (${count}): a swarm keeps working while a majority of its managers does`,
    );
    const dataNode = read.integer("swarmDataNode", v =>
        Number.isInteger(v) && v >= 1 && v <= count ? undefined : `the number of the node (1 to ${count}, in ${order}) that keeps the data`,
    );
    const publishMode = read.string("swarmPublishMode", rules.oneOf(PUBLISH_MODES)) as SwarmLayout["publishMode"];
    return { managers, dataNode: dataNode - 1, publishMode };
}

/** What a node's engine says of itself (`docker info`); undefined where it did not answer as docker info does. */
function nodeInfo(node: SwarmNodeSettings, run: DockerRunner): EngineInfo | undefined {
    const r = run(["-H", node.engine.host, "info", "--format", "{{json .}}"]);
    if (!r.ok) return undefined;
    try {
        const info = JSON.parse(r.stdout);
        return info && typeof info === "object" ? info : undefined;
    } catch {
        return undefined;
    }
}

/** The GPUs each node advertises (`NVIDIA-GPU` generic resources), as its engine says; undefined where it did not answer. */
export function gpuCapacity(nodes: SwarmNodeSettings[], run: DockerRunner): (number | undefined)[] {
    return nodes.map(node => {
        const info = nodeInfo(node, run);
        if (!info) return undefined;
        let gpus = 0;
        for (const res of info.GenericResources ?? []) {
            if (res?.NamedResourceSpec?.Kind === GPU_RESOURCE) gpus += 1;
            if (res?.DiscreteResourceSpec?.Kind === GPU_RESOURCE) gpus += Number(res.DiscreteResourceSpec.Value) || 0;
        }
        return gpus;
    });
}

/**
 * The first Docker whose swarm keeps a task that reserves generic resources
 * when a node changes. Before it, the managers' constraint enforcer removed
 * such a task whenever its node was updated (a label, a new network
 * attachment), its resources being available (swarmkit 770a4d305,
 * moby/moby#44378): on an overlay network it is rejected over and over.
 */
export const SWARM_KEEPS_RESERVED_GPUS = "23.0.2";

/**
 * Refuses the keys that reserve GPUs on a swarm whose managers run a Docker
 * older than SWARM_KEEPS_RESERVED_GPUS (the leader, one of them, places and
 * checks tasks). A manager that does not answer is left to the swarm.
 */
export function checkSwarmKeepsGpus(read: ConfigReader, swarm: SwarmSettings, gpuKeys: ConfigKey[], run: DockerRunner): void {
    if (gpuKeys.length === 0) return;
    const old = swarm.nodes.slice(0, swarm.managers).flatMap((node, i) => {
        const version = nodeInfo(node, run)?.ServerVersion;
        return version && !versionAtLeast(version, SWARM_KEEPS_RESERVED_GPUS)
            ? [`node ${i + 1} (${node.engine.host}) runs ${version}`]
            : [];
    });
    if (old.length === 0) return;
    for (const key of gpuKeys)
        read.reject(
            key,
            read.string(key),
            `"" (no GPUs) while a manager of the swarm runs Docker older than ${SWARM_KEEPS_RESERVED_GPUS} (${old.join(", ")}): ` +
                `its swarm stops a task that reserves ${GPU_RESOURCE} whenever the task's node changes (moby/moby#44378). ` +
                `Upgrade Docker Engine on the managers (docker-ce ${SWARM_KEEPS_RESERVED_GPUS} or newer) to reserve GPUs`,
        );
}

/** checkGpuReservations for a swarm of the stack's listed machines, asked for what they advertise. */
export function checkSwarmGpus(
    read: ConfigReader,
    swarm: SwarmSettings,
    requests: [WorkloadConfigKey, GpuRequest][],
    run: DockerRunner,
    notices: string[],
): void {
    if (requests.length === 0) return;
    const capacity = gpuCapacity(swarm.nodes, run);
    checkGpuReservations(
        read,
        requests,
        capacity,
        swarm.nodes.map((n, i) => `node ${i + 1} (${n.engine.host}): ${capacity[i] ?? "did not answer"}`).join(", "),
        notices,
    );
}

/**
 * GPU requests on a swarm are reservations of the nodes' `NVIDIA-GPU`
 * resources: a count, from one node. A request that no node can satisfy is
 * refused with every node's capacity (`listing` says it); a node whose
 * capacity is unknown leaves the check to the swarm (a notice).
 */
export function checkGpuReservations(
    read: ConfigReader,
    requests: [WorkloadConfigKey, GpuRequest][],
    capacity: (number | undefined)[],
    listing: string,
    notices: string[],
): void {
    const most = Math.max(0, ...capacity.filter((c): c is number => c !== undefined));
    for (const [key, request] of requests) {
        const value = read.string(key);
        if (request === "all" || "devices" in request) {
            read.reject(key, value, `a number of GPUs: a swarm reserves GPUs by count from what its nodes advertise (${listing})`);
        } else {
            const count = request.count;
            if (count > most && capacity.every(c => c !== undefined)) {
                read.reject(
                    key,
                    value,
                    `at most ${most} GPUs, what the best-equipped node advertises (${GPU_RESOURCE} generic resources; ${listing}): a task's GPUs come from one node`,
                );
            } else if (count > most) {
                notices.push(
                    `${read.key(key)}: ${count} GPUs; not every swarm node answered (${listing}), so the swarm decides at deploy time`,
                );
            }
        }
    }
}
