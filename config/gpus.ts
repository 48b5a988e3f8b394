import type { GpuRequest } from "../components/gpu";

// A GPU key's value, read the way `docker run --gpus` reads its argument
// (docker/cli opts.GpuOpts), restricted to the three forms a workspace needs.

const INDEX = /^(0|[1-9][0-9]{0,2})(:(0|[1-9][0-9]{0,2}))?$/; // 0, 3, or a MIG device 0:1
const UUID = /^(GPU|MIG)-[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/;
/** More GPUs than any host has (a DGX has 8, an HGX 16): a bigger count is a typo. */
const MAX_COUNT = 128;

export const GPUS_ACCEPTED =
    '"" (no GPUs), "all", a number of GPUs such as "2", or "device=" with GPU indexes or UUIDs separated by commas, e.g. "device=0,2" (the forms of docker run --gpus)';
/** What a GPU key takes: the forms of docker run --gpus, or `auto`, which the target resolves (settings/notebook-gpus.ts, config/gpus-auto.ts). */
export const GPUS_OR_AUTO_ACCEPTED = `"auto" (GPUs where the engine can give them, none elsewhere), or ${GPUS_ACCEPTED}`;

/** The rule of a GPU key that takes `auto` too: what parseGpus says, with `auto` among what is accepted. */
export function gpusOrAutoProblem(value: string): string | undefined {
    const problem = value === "auto" ? undefined : parseGpus(value).problem;
    return problem && `${GPUS_OR_AUTO_ACCEPTED}${problem.slice(GPUS_ACCEPTED.length)}`;
}

/** undefined for "" (no GPUs); a problem when the value is none of the accepted forms. */
export function parseGpus(value: string): { request?: GpuRequest; problem?: string } {
    if (value === "") return {};
    if (value === "all") return { request: "all" };
    if (/^[0-9]+$/.test(value)) {
        const count = Number(value);
        return count >= 1 && count <= MAX_COUNT ? { request: { count } } : { problem: GPUS_ACCEPTED };
    }
    // Docker reads a CSV field list, so on its command line a list is quoted ('"device=0,2"');
    // both spellings mean the list here, and gpusFlag quotes it for Docker.
    const field = /^"device=[^"]*"$/.test(value) ? value.slice(1, -1) : value;
    if (!field.startsWith("device=")) return { problem: GPUS_ACCEPTED };
    const ids = field.slice("device=".length).split(",");
    if (!ids.every(id => INDEX.test(id) || UUID.test(id))) return { problem: GPUS_ACCEPTED };
    if (new Set(ids).size !== ids.length) return { problem: `${GPUS_ACCEPTED}, each device once` };
    return { request: { devices: ids } };
}
