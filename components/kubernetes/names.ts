// Names and labels as Kubernetes takes them.

/** The longest DNS label (RFC 1123), what Services and namespaces are named by. */
const MAX_LABEL = 63;

/**
 * A name made a DNS label: lower case, '_' and '.' (which Docker names allow)
 * as '-'. Too long a name is cut and ends in a hash of the whole, so two long
 * names stay apart.
 */
export function kubeName(name: string): string {
    const label = name
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .replace(/^-+|-+$/g, "");
    if (label.length <= MAX_LABEL) return label;
    const hash = require("crypto").createHash("sha256").update(name).digest("hex").slice(0, 8);
    return `${label.slice(0, MAX_LABEL - 9).replace(/-+$/, "")}-${hash}`;
}

/** The labels every object of the stack carries (the recommended app.kubernetes.io set); `name` is the workload's. */
export function stackLabels(partOf: string, name?: string): Record<string, string> {
    return {
        ...(name !== undefined && { "app.kubernetes.io/name": kubeName(name) }),
        "app.kubernetes.io/part-of": kubeName(partOf),
        "app.kubernetes.io/managed-by": "dsenv",
    };
}

/** Docker's durations as a healthcheck gives them ("5s", "1m30s", "500ms") in whole seconds, at least `min`. */
export function durationSeconds(duration: string | undefined, fallback: number, min = 1): number {
    if (duration === undefined) return fallback;
    const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };
    let total = 0;
    for (const [, n, unit] of duration.matchAll(/([0-9.]+)(h|ms|us|µs|ns|m|s)/g)) total += Number(n) * units[unit];
    return Math.max(min, Math.round(total));
}
