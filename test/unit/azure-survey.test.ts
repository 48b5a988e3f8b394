import { AzureSettings } from "../../config/azure";
import { ensureResourceProviders, findKeptResources, resourceProvidersFor } from "../../targets/azure-survey";
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

async function kept(settings: AzureSettings = SETTINGS) {
    return runWithMocks({}, () => findKeptResources(settings, "dsenv-unit"));
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
        expect((await kept({ ...SETTINGS, resourceGroup: "team-rg", useExistingResourceGroup: true })).result).toEqual({ dataDiskIds: [DISK] });
    });

    test("what another stack made is refused, with the ways out", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: { "dsenv-stack": "dsenv/other" } });
        expect((await kept()).error?.message).toBe(
            "the resource group dsenv-unit-rg exists, and stack dsenv/unit did not make it (tag dsenv-stack: dsenv/other): use it as it is (dsenv:azureUseExistingResourceGroup true, dsenv:azureResourceGroup dsenv-unit-rg), or choose another name (dsenv:azureResourceGroup or dsenv:namePrefix)",
        );
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 256, tags: { "dsenv-stack": "dsenv/other" } });
        expect((await kept()).error?.message).toContain("a disk dsenv-unit-data exists in dsenv-unit-rg, and stack dsenv/unit did not make it");
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

    test("a kept disk that adoption would replace or shrink is refused before anything changes", async () => {
        azure.groups.set("dsenv-unit-rg", { id: GROUP, location: "eastus", tags: OURS });
        azure.disks.set("dsenv-unit-data", { id: DISK, location: "eastus", diskSizeGB: 512, tags: OURS });
        expect((await kept()).error?.message).toBe(
            "dsenv:azureDataDiskGb: got 256, expected 512, the size of the data disk dsenv-unit-data that an earlier destroy kept (it is adopted as it is; a disk cannot shrink, and to grow it set the larger size on a later up)",
        );
        // Larger is refused too: import takes the disk as it is.
        expect((await kept({ ...SETTINGS, vm: { dataDiskGb: 1024 } } as AzureSettings)).error?.message).toContain("dsenv:azureDataDiskGb: got 1024, expected 512");
        expect((await kept({ ...SETTINGS, location: "westeurope" })).error?.message).toContain("the resource group dsenv-unit-rg that an earlier destroy kept is in eastus, not in dsenv:azureLocation westeurope");
    });
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
