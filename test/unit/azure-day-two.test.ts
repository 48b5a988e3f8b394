import { VM_REPLACED_ON } from "../../components/azure/gpu-vm";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { Declared, nameOf, Run, runWithMocks } from "./harness";
import "./azure-mocks";
import { azureStackConfig } from "./ssh-keys";

// Day two on Azure (issue 18, item 2): what a change of the stack's config does
// to its VMs and data disks, as the preview of the next `up` will say it. Two
// runs of the program under mocks, before and after the change; each resource
// the second declares is then what the engine makes of it: created, deleted,
// the same, updated in place, or replaced, where a changed input is one of its
// replaceOnChanges paths (or one its provider replaces on: FORCE_NEW) or a
// resource of its replaceWith is replaced (the engine's rules for these
// options, applied to what the program declared). A new VM has a new id
// (azure-mocks.ts).

const AZURE = azureStackConfig();
type Step = "create" | "delete" | "same" | "update" | "replace";

function run(config: Record<string, string> = {}): Promise<Run<unknown>> {
    return runWithMocks({ ...AZURE, ...config }, () => deploy(loadSettings(undefined, {})));
}

/** The leaf paths (a.b.c) where two input values differ. */
function changedPaths(before: unknown, after: unknown, at = ""): string[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const isObject = (v: unknown) => v !== null && typeof v === "object";
    if (!isObject(before) || !isObject(after) || Array.isArray(before) !== Array.isArray(after)) return [at];
    const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
    return [...keys].flatMap(k =>
        changedPaths((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k], at ? `${at}.${k}` : k),
    );
}

/** Inputs whose change a provider answers with a replacement, where the program relies on it. */
const FORCE_NEW: Record<string, string[]> = { "random:index/randomId:RandomId": ["keepers"] };

/** What the engine does with each custom resource, by name (azure-native and docker ones, and the swarm's and the VM's steps). */
function plan(before: Run<unknown>, after: Run<unknown>): Map<string, Step> {
    const custom = (r: Run<unknown>) => r.declared.filter(d => !d.type.startsWith("dsenv:") && d.type !== "pulumi:pulumi:Stack");
    const steps = new Map<string, Step>();
    const byResource = new Map<unknown, Declared>(custom(after).map(d => [d.resource, d]));
    const stepOf = (d: Declared): Step => {
        if (steps.has(d.name)) return steps.get(d.name)!;
        if (!before.inputs.has(d.name)) return "create";
        const changed = changedPaths(before.inputs.get(d.name), after.inputs.get(d.name));
        // Secret inputs travel wrapped ({ <sig>, value }): their paths are the wrapped value's.
        const unwrapped = changed.map(p => p.replace(/\.value(?=\.|$)/, ""));
        const replacedBy = (d.opts.replaceWith ?? []).some(r => byResource.has(r) && stepOf(byResource.get(r)!) === "replace");
        const replacePaths = [...(d.opts.replaceOnChanges ?? []), ...(FORCE_NEW[d.type] ?? [])];
        const step: Step =
            replacedBy || unwrapped.some(p => replacePaths.some(r => p === r || p.startsWith(`${r}.`)))
                ? "replace"
                : changed.length
                  ? "update"
                  : "same";
        steps.set(d.name, step);
        return step;
    };
    for (const d of custom(after)) steps.set(d.name, stepOf(d));
    for (const d of custom(before)) if (!after.inputs.has(d.name)) steps.set(d.name, "delete");
    return steps;
}

/** The VMs' and data disks' steps, in name order. */
function machines(steps: Map<string, Step>): Record<string, Step> {
    return Object.fromEntries([...steps].filter(([name]) => /^gpu\d*-(vm|data)$/.test(name)).sort(([a], [b]) => a.localeCompare(b)));
}

let baseline: Run<unknown>;
beforeAll(async () => {
    baseline = await run();
    expect(baseline.error).toBeUndefined();
}, 30_000);

test("the VM is replaced on what Azure cannot change in place, the old one first; its data disk is detached, never replaced", () => {
    const vm = baseline.declared.find(d => d.name === "gpu-vm")!;
    expect(vm.opts.replaceOnChanges).toEqual(VM_REPLACED_ON);
    expect(VM_REPLACED_ON).toEqual(expect.arrayContaining(["osProfile", "priority"]));
    expect(vm.opts.deleteBeforeReplace).toBe(true);
    expect(baseline.inputs.get("gpu-vm").storageProfile.dataDisks[0].deleteOption).toBe("Detach");
    const disk = baseline.declared.find(d => d.name === "gpu-data")!;
    expect([disk.opts.replaceOnChanges, disk.opts.deleteBeforeReplace]).toEqual([undefined, undefined]);
});

test("azureVmCount 1 -> 3 on a GPU size: VM 1 stays as it is (a GPU VM's boot script advertises its GPUs, one VM or several), its data disk too; VMs 2 and 3 are new", async () => {
    const grown = await run({ azureVmCount: "3" });
    expect(grown.error).toBeUndefined();
    const steps = plan(baseline, grown);
    expect(machines(steps)).toEqual({
        "gpu-data": "same",
        "gpu-vm": "same",
        "gpu2-data": "create",
        "gpu2-vm": "create",
        "gpu3-data": "create",
        "gpu3-vm": "create",
    });
    // VM 1's NIC and public address stay: the swarm's address and the ssh address are those of before.
    expect([steps.get("gpu-nic"), steps.get("gpu-ip")]).toEqual(["same", "same"]);
});

test("a boot-script change (azureContainersReachMetadata): the VM is replaced, the disk kept; what its engine kept on the OS disk is made again in the same up, the volumes not", async () => {
    const changed = await run({ azureContainersReachMetadata: "true" });
    expect(changed.error).toBeUndefined();
    const steps = plan(baseline, changed);
    expect(machines(steps)).toEqual({ "gpu-data": "same", "gpu-vm": "replace" });
    // The VM's incarnation (keyed on its id) goes with it: what is on the engine is deleted with it, without a connection.
    expect(steps.get("gpu-incarnation")).toBe("replace");
    const onVm = changed.declared.filter(d => nameOf(d.opts.provider) === "gpu-engine-docker");
    for (const d of onVm) expect(nameOf(d.opts.deletedWith)).toBe("gpu-incarnation");
    // Containers, networks and pulled images are made again on the new engine; the volumes are the data disk's.
    const byKind = (type: string) => onVm.filter(d => d.type === type).map(d => [d.name, steps.get(d.name)]);
    expect(byKind("docker:index/container:Container")).toEqual([
        ["workspace-mysql", "replace"],
        ["workspace-jupyter", "replace"],
    ]);
    expect(byKind("docker:index/network:Network")).toEqual([["workspace-net", "replace"]]);
    expect(byKind("docker:index/remoteImage:RemoteImage").every(([, step]) => step === "replace")).toBe(true);
    expect(byKind("docker:index/volume:Volume").every(([, step]) => step === "same")).toBe(true);
    expect(steps.get("workspace-mysql-data")).toBe("same");
    // What is built and pushed from here is not the VM's.
    expect(steps.get("workspace-jupyter-image")).toBe("same");
});

test("on a swarm (azureVmCount 3), a boot-script change replaces every VM; the same up makes the swarm again on them: init, joins, services, overlay network; the volumes not", async () => {
    const swarm = await run({ azureVmCount: "3" });
    const changed = await run({ azureVmCount: "3", azureContainersReachMetadata: "true" });
    expect([swarm.error, changed.error]).toEqual([undefined, undefined]);
    const steps = plan(swarm, changed);
    expect(machines(steps)).toEqual({
        "gpu-data": "same",
        "gpu-vm": "replace",
        "gpu2-data": "same",
        "gpu2-vm": "replace",
        "gpu3-data": "same",
        "gpu3-vm": "replace",
    });
    expect(["gpu-incarnation", "gpu2-incarnation", "gpu3-incarnation"].map(n => steps.get(n))).toEqual(["replace", "replace", "replace"]);
    // Each VM's membership goes with it, deleted without a connection (its incarnation), and is made again.
    const of = (type: string) => changed.declared.filter(d => d.type === type);
    for (const d of [...of("pulumi-nodejs:dynamic/dsenv:SwarmInit"), ...of("pulumi-nodejs:dynamic/dsenv:SwarmJoin")]) {
        expect([d.name, steps.get(d.name), nameOf(d.opts.deletedWith)]).toEqual([
            d.name,
            "replace",
            expect.stringMatching(/^gpu\d*-incarnation$/),
        ]);
    }
    // The services, their secrets and the overlay network are in the first manager's swarm state.
    const onManager = changed.declared.filter(d => nameOf(d.opts.provider) === "swarm-node1" && d.type !== "docker:index/volume:Volume");
    expect(onManager.map(d => d.type)).toEqual(expect.arrayContaining(["docker:index/service:Service", "docker:index/network:Network"]));
    for (const d of onManager) expect([d.name, steps.get(d.name)]).toEqual([d.name, "replace"]);
    const volumes = of("docker:index/volume:Volume");
    expect(volumes.length).toBeGreaterThan(0);
    for (const v of volumes) expect([v.name, steps.get(v.name)]).toEqual([v.name, "same"]);
});

test("an update the VM takes in place (azureDataDiskGb) replaces nothing on its engine", async () => {
    const grown = await run({ azureDataDiskGb: "512" });
    const steps = plan(baseline, grown);
    expect(steps.get("gpu-incarnation")).toBe("same");
    const onVm = grown.declared.filter(d => nameOf(d.opts.provider) === "gpu-engine-docker");
    expect(onVm.filter(d => steps.get(d.name) === "replace").map(d => d.name)).toEqual([]);
});

test("a volume on a VM's engine is never deleted, kept on destroy or not: it is the kept data disk's data, which a replaced VM finds there", async () => {
    const notKept = await run({ mysqlKeepData: "false" });
    expect(notKept.error).toBeUndefined();
    const volumes = notKept.declared.filter(d => d.type === "docker:index/volume:Volume");
    expect(volumes.map(v => v.name)).toContain("workspace-mysql-data");
    for (const v of volumes) expect([v.name, v.opts.retainOnDelete]).toEqual([v.name, true]);
});

test("azureSpot: the VM is replaced (Azure cannot change a VM's priority), the disk kept", async () => {
    const spot = await run({ azureSpot: "true" });
    expect(spot.error).toBeUndefined();
    expect(machines(plan(baseline, spot))).toEqual({ "gpu-data": "same", "gpu-vm": "replace" });
});

test("a larger data disk (azureDataDiskGb 256 -> 512): the disk is updated in place, the VM stays as it is", async () => {
    const grown = await run({ azureDataDiskGb: "512" });
    expect(grown.error).toBeUndefined();
    const steps = plan(baseline, grown);
    expect(machines(steps)).toEqual({ "gpu-data": "update", "gpu-vm": "same" });
    expect(changedPaths(baseline.inputs.get("gpu-data"), grown.inputs.get("gpu-data"))).toEqual(["diskSizeGB"]);
    expect(steps.get("workspace-mysql")).toBe("same");
});
