// Docker labels in the providers' list form, from a plain map. Every resource the
// project makes carries `dsenv.stack` so `docker ps --filter label=...` finds it.
export function toLabelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, value]) => ({ label, value }));
}
