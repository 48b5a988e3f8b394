import { AzureSettings } from "../../config/azure";
import {
    ensureResourceProviders,
    findKeptResources,
    ManagedResources,
    managedResources,
    quotaNotice,
    resourceProvidersFor,
} from "../../targets/azure-survey";
import { azure, resetAzure } from "./azure-mocks";
import { runWithMocks } from "./harness";

// What the azure target asks Azure before it declares anything (targets/azure-survey.ts),
// against the Azure of azure-mocks.ts.
const SETTINGS = {
    location: "eastus",
    resourceGroup: "",
    useExistingResourceGroup: false,
    vmCount: 1,
    vm: { dataDiskGb: 256 },
    shutdown: { time: "1900", timeZone: "UTC" },
} as AzureSettings;
const GROUP = "/subscriptions/sub-1/resourceGroups/dsenv-unit-rg";
const DISK = `${GROUP}/providers/Microsoft.Compute/disks/dsenv-unit-data`;
const OURS = { "dsenv-stack": "dsenv/unit" };

async function kept(settings: AzureSettings = SETTINGS, managed: ManagedResources = {}) {
    return runWithMocks({}, () => findKeptResources(settings, "dsenv-unit", managed));
}

beforeEach(resetAzure);

describe("what an earlier destroy kept", () => {
    test("nothing there: everything is created", async () => {
        const r = await kept();
        expect(r.error).toBeUndefined();
        expect(r.result).toEqual({});
    });

    test("the group and data disk this stack made are adopted", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256, tags: OURS });
        expect((await kept()).result).toEqual({ resourceGroupId: GROUP, dataDiskIds: [DISK] });
    });

    test("an existing group the stack uses as it is is never adopted, its kept disk is", async () => {
        azure.groups.set("team-rg", { id: "/subscriptions/sub-1/resourceGroups/team-rg", location: "eastus", tags: { owner: "team" } });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256, tags: OURS });
        expect((await kept({ ...SETTINGS, resourceGroup: "team-rg", useExistingResourceGroup: true })).result).toEqual({
            dataDiskIds: [DISK],
        });
    });

    test("what another stack made is refused, with the ways out", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: { "dsenv-stack": "dsenv/other" } });
        expect((await kept()).error?.message).toBe(
            "the resource group dsenv-unit-rg exists, and stack dsenv/unit did not make it (tag dsenv-stack: dsenv/other): use it as it is (dsenv:azureUseExistingResourceGroup true, dsenv:azureResourceGroup dsenv-unit-rg), or choose another name (dsenv:azureResourceGroup or dsenv:namePrefix)",
        );
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256, tags: { "dsenv-stack": "dsenv/other" } });
        expect((await kept()).error?.message).toContain(
            "a disk dsenv-unit-data exists in dsenv-unit-rg, and stack dsenv/unit did not make it",
        );
    });

    test("untagged is not adopted (import would refuse the differing tags): refused with the command that tags it", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus" });
        expect((await kept()).error?.message).toBe(
            `the resource group dsenv-unit-rg exists without the dsenv-stack tag, so it is not known to be stack dsenv/unit's: if it is (kept by an earlier destroy), tag it and run again: az tag update --resource-id ${GROUP} --operation merge --tags dsenv-stack=dsenv/unit; if not, choose another dsenv:namePrefix or dsenv:azureResourceGroup`,
        );
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256 });
        expect((await kept()).error?.message).toContain(`the data disk dsenv-unit-data exists without the dsenv-stack tag`);
    });

    test("a kept disk is adopted at a larger size (imported, then grown); a smaller one is refused: a disk cannot shrink", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 128, tags: OURS });
        expect((await kept()).result).toEqual({ resourceGroupId: GROUP, dataDiskIds: [DISK] });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 512, tags: OURS });
        expect((await kept()).error?.message).toBe(
            "dsenv:azureDataDiskGb: got 256, expected 512 or more, the size of the data disk dsenv-unit-data (a disk cannot shrink; a larger size grows it, and its file system grows at the VM's next boot)",
        );
        expect((await kept({ ...SETTINGS, location: "westeurope" })).error?.message).toContain(
            "the resource group dsenv-unit-rg that an earlier destroy kept is in eastus, not in dsenv:azureLocation westeurope",
        );
    });
});

describe("what the stack manages already: never imported again, never checked as adoptable", () => {
    // The ids as the state holds them: ARM spells them differently from one answer to the next.
    const MANAGED = {
        resourceGroupId: "/subscriptions/sub-1/resourcegroups/dsenv-unit-rg",
        dataDiskIds: [`${GROUP}/providers/Microsoft.Compute/disks/DSENV-UNIT-DATA`],
    };

    test("the stack's own group and disk: nothing to import, on every later up", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256, tags: OURS });
        const r = await kept(SETTINGS, MANAGED);
        expect(r.error).toBeUndefined();
        expect(r.result).toEqual({});
    });

    test("its disk grows: a larger azureDataDiskGb than the disk has is no adoption problem (day two)", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256, tags: OURS });
        const r = await kept({ ...SETTINGS, vm: { dataDiskGb: 1024 } } as AzureSettings, MANAGED);
        expect(r.error).toBeUndefined();
        expect(r.result).toEqual({});
        // Shrinking it is refused all the same: Azure would.
        expect((await kept({ ...SETTINGS, vm: { dataDiskGb: 128 } } as AzureSettings, MANAGED)).error?.message).toContain(
            "got 128, expected 256 or more",
        );
    });

    test("the adoption checks (tag, region) are not asked of what the stack manages", async () => {
        // Someone removed the tags of the stack's own resources: still the stack's.
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus" });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256 });
        expect((await kept(SETTINGS, MANAGED)).result).toEqual({});
        // A managed group beside a kept disk of VM 2: only the disk is adopted.
        azure.disks.set("dsenv-unit-data2", { id: `${DISK}2`, location: "eastus", diskSizeGB: 256, tags: OURS });
        expect((await kept({ ...SETTINGS, vmCount: 2 }, MANAGED)).result).toEqual({ dataDiskIds: [undefined, `${DISK}2`] });
    });

    test("what the stack manages is what its last update exported: read through a reference to itself", async () => {
        azure.stackOutputs = { resourceGroupId: MANAGED.resourceGroupId, dataDiskIds: MANAGED.dataDiskIds, vmName: "dsenv-unit-vm" };
        const r = await runWithMocks({}, managedResources);
        expect(r.result).toEqual(MANAGED);
        expect(r.declared.map(d => [d.type, d.name, d.props.name])).toEqual([
            ["pulumi:pulumi:StackReference", "own-stack", "organization/dsenv/unit"],
        ]);
        // Never updated, or destroyed: nothing managed.
        azure.stackOutputs = {};
        expect((await runWithMocks({}, managedResources)).result).toEqual({});
    });
});

test("a Spot VM's quota is the region's Spot vCPUs, not its family's: said at preview", () => {
    expect(quotaNotice(SETTINGS)).toBeUndefined();
    expect(
        quotaNotice({
            ...SETTINGS,
            vmCount: 3,
            vm: { ...SETTINGS.vm, size: "Standard_NC4as_T4_v3", spot: { maxPrice: -1 } },
        } as AzureSettings),
    ).toBe(
        `dsenv:azureSpot: the 3 Spot VMs count against eastus's Spot vCPU quota ("Total Regional Spot vCPUs", lowPriorityCores), not the Standard_NC4as_T4_v3 family's: check it with az vm list-usage -l eastus -o table`,
    );
});

describe("resource providers of a fresh subscription", () => {
    const NEEDED = resourceProvidersFor(SETTINGS);

    test("the stack's resources need these; auto-shutdown adds DevTest Labs", () => {
        expect(NEEDED).toEqual(["Microsoft.Compute", "Microsoft.Network", "Microsoft.ContainerRegistry", "Microsoft.DevTestLab"]);
        expect(resourceProvidersFor({ ...SETTINGS, shutdown: undefined })).not.toContain("Microsoft.DevTestLab");
    });

    test("all registered: nothing to do", async () => {
        const r = await runWithMocks({}, () => ensureResourceProviders(NEEDED, { dryRun: false }));
        expect(r.result).toEqual([]);
        expect(azure.registered).toEqual([]);
    });

    test("a preview registers nothing; an up registers what is missing and waits until it is", async () => {
        azure.providers.set("Microsoft.ContainerRegistry", "NotRegistered");
        azure.providers.set("Microsoft.DevTestLab", "Registering");
        const preview = await runWithMocks({}, () => ensureResourceProviders(NEEDED, { dryRun: true }));
        expect(preview.result).toEqual(["Microsoft.ContainerRegistry", "Microsoft.DevTestLab"]);
        expect(azure.registered).toEqual([]);
        const up = await runWithMocks({}, () => ensureResourceProviders(NEEDED, { dryRun: false, sleep: async () => {} }));
        expect(up.error).toBeUndefined();
        expect(azure.registered).toEqual(["Microsoft.ContainerRegistry", "Microsoft.DevTestLab"]);
        expect(azure.providers.get("Microsoft.ContainerRegistry")).toBe("Registered");
    });

    test("an identity that may not register gets the command that does", async () => {
        azure.providers.set("Microsoft.ContainerRegistry", "NotRegistered");
        azure.registerStatus = 403;
        const r = await runWithMocks({}, () => ensureResourceProviders(NEEDED, { dryRun: false }));
        expect(r.error?.message).toBe(
            "resource provider Microsoft.ContainerRegistry is not registered in subscription sub-1, and this identity may not register it: ask an owner to run az provider register --namespace Microsoft.ContainerRegistry --wait",
        );
    });

    test("the stack path asks before it declares: a refusal leaves nothing declared", async () => {
        azure.providers.set("Microsoft.Network", "NotRegistered");
        azure.registerStatus = 403;
        const r = await runWithMocks({}, () => ensureResourceProviders(NEEDED, { dryRun: false }).then(() => "declared"));
        expect(r.declared).toEqual([]);
        expect(r.result).toBeUndefined();
    });
});
