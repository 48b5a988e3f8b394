import type { HostFacts } from "../../config/host-facts";

/** A Docker new enough for GPU reservations on a swarm (config/swarm.ts SWARM_KEEPS_RESERVED_GPUS). */
export const CURRENT_DOCKER = "28.5.2";

/**
 * Swarm nodes (dsenv:swarmNodes entries) whose engines answer `docker -H <engine>
 * info --format {{json .}}` as Docker does: node i runs `versions[i]` (default
 * CURRENT_DOCKER) and advertises `capacity[i]` NVIDIA GPUs, by id
 * (`--node-generic-resource NVIDIA-GPU=<uuid>`, as the NVIDIA docs set it up)
 * or as a count; undefined: the node does not answer.
 */
export function nodesAdvertising(
    nodes: string[],
    capacity: (number | undefined)[],
    opts: { advertise?: "ids" | "count"; versions?: string[] } = {},
): HostFacts & { calls: string[][] } {
    const calls: string[][] = [];
    return {
        calls,
        runDocker: args => {
            calls.push(args);
            const i = nodes.findIndex(n => n.startsWith(`${args[1]} `));
            if (args[0] !== "-H" || i < 0 || args[2] !== "info") return { ok: false, error: `unexpected: docker ${args.join(" ")}` };
            if (capacity[i] === undefined) return { ok: false, error: "connection refused" };
            const gpus = capacity[i]!;
            const GenericResources =
                opts.advertise === "count"
                    ? [{ DiscreteResourceSpec: { Kind: "NVIDIA-GPU", Value: gpus } }]
                    : Array.from({ length: gpus }, (_, g) => ({ NamedResourceSpec: { Kind: "NVIDIA-GPU", Value: `GPU-${i}-${g}` } }));
            return { ok: true, stdout: JSON.stringify({ ServerVersion: opts.versions?.[i] ?? CURRENT_DOCKER, GenericResources }) };
        },
    };
}
