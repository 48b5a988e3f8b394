// Docker labels in the providers' list form, from a plain map. Every resource the
// project makes carries `dsenv.stack` so `docker ps --filter label=...` finds it.
export function toLabelList<V extends string | import("@pulumi/pulumi").Input<string>>(
    labels: Record<string, V>,
): { label: string; value: V }[] {
    return Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, value]) => ({ label, value }));
}
