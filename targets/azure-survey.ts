// What the azure target asks before it declares anything: what an earlier
// destroy kept (adopted, not created again) as against what the stack manages
// already, and whether the subscription has the resource providers registered
// that the stack uses.
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { azureNames } from "../components/azure/names";
import { AzureSettings, AzureTargetSettings } from "../config/azure";

/** The tag that says which stack made a resource a destroy may keep: only those are adopted. */
export const OWNER_TAG = "dsenv-stack";

export function ownerTags(): Record<string, string> {
    return { [OWNER_TAG]: `${pulumi.getProject()}/${pulumi.getStack()}` };
}

/** Resources a destroy kept (azureKeepDataDisk), found by name: their Azure ids, for Pulumi's import. */
export interface KeptResources {
    resourceGroupId?: string;
    /** Each VM's kept data disk, by the VM's index (0 for VM 1); none where there is none. */
    dataDiskIds?: (string | undefined)[];
}

/** What the stack manages already (its state): never imported again, never checked as something to adopt. */
export interface ManagedResources {
    resourceGroupId?: string;
    dataDiskIds?: string[];
}

/** The stack outputs that say what the stack manages (targets/azure.ts exports them). */
export const MANAGED_OUTPUTS = { resourceGroupId: "resourceGroupId", dataDiskIds: "dataDiskIds" } as const;

/**
 * What the stack manages, as its last update left it: its own outputs, read
 * through a reference to itself (a program cannot read its state otherwise).
 * A stack never updated, or destroyed, has none: everything found is then an
 * earlier destroy's.
 */
export async function managedResources(): Promise<ManagedResources> {
    const self = new pulumi.StackReference("own-stack", {
        name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
    });
    const [group, disks] = await Promise.all([
        self.getOutputDetails(MANAGED_OUTPUTS.resourceGroupId),
        self.getOutputDetails(MANAGED_OUTPUTS.dataDiskIds),
    ]);
    return {
        ...(typeof group.value === "string" ? { resourceGroupId: group.value } : {}),
        ...(Array.isArray(disks.value) ? { dataDiskIds: disks.value.filter((d): d is string => typeof d === "string") } : {}),
    };
}

/** Whether `id` (from the state) names the resource `name` of this kind: ARM's ids differ in case from one answer to the next. */
function isIdOf(id: string | undefined, kind: "resourceGroups" | "disks", name: string): boolean {
    return id !== undefined && id.toLowerCase().endsWith(`/${kind}/${name}`.toLowerCase());
}

/**
 * The resource group and data disks the stack would create, when they exist
 * already and the stack does not manage them (an earlier destroy kept them):
 * to be imported, after checks that refuse those another stack (or a person)
 * made. Those the stack manages are neither imported again nor checked as
 * adoptable; a size below a disk's present one is refused for both (a disk cannot shrink).
 */
export async function findKeptResources(
    settings: AzureSettings,
    namePrefix: string,
    managed: ManagedResources = {},
): Promise<KeptResources> {
    const groupName = settings.resourceGroup || azureNames(namePrefix).resourceGroup;
    const owner = ownerTags()[OWNER_TAG];
    const group = await orAbsent(resources.getResourceGroup({ resourceGroupName: groupName }));
    if (!group) return {};
    const kept: KeptResources = {};
    if (!settings.useExistingResourceGroup && !isIdOf(managed.resourceGroupId, "resourceGroups", groupName)) {
        const tag = group.tags?.[OWNER_TAG];
        if (tag === undefined) throw new Error(untagged(`the resource group ${groupName}`, group.id, owner));
        if (tag !== owner) {
            throw new Error(
                `the resource group ${groupName} exists, and stack ${owner} did not make it (tag ${OWNER_TAG}: ${tag}): use it as it is (dsenv:azureUseExistingResourceGroup true, dsenv:azureResourceGroup ${groupName}), or choose another name (dsenv:azureResourceGroup or dsenv:namePrefix)`,
            );
        }
        if (group.location !== settings.location) {
            throw new Error(
                `the resource group ${groupName} that an earlier destroy kept is in ${group.location}, not in dsenv:azureLocation ${settings.location}: set it back, or delete the group (az group delete -n ${groupName}) once its data disk is safe`,
            );
        }
        kept.resourceGroupId = group.id;
    }
    const disks: (string | undefined)[] = [];
    for (let vm = 1; vm <= settings.vmCount; vm++) {
        const diskName = azureNames(namePrefix, vm).dataDisk;
        disks.push(
            await keptDataDisk(
                settings,
                diskName,
                groupName,
                owner,
                (managed.dataDiskIds ?? []).some(id => isIdOf(id, "disks", diskName)),
            ),
        );
    }
    if (disks.some(id => id !== undefined)) kept.dataDiskIds = disks;
    return kept;
}

/** The data disk `diskName` when an earlier destroy kept it (its id), checked as the stack's and as adoptable; none when the stack manages it. */
async function keptDataDisk(
    settings: AzureSettings,
    diskName: string,
    groupName: string,
    owner: string,
    managed: boolean,
): Promise<string | undefined> {
    const disk = await orAbsent(compute.getDisk({ resourceGroupName: groupName, diskName }));
    if (!disk) return undefined;
    // Azure refuses to shrink a disk: said at preview, for a managed disk and a kept one alike.
    if ((disk.diskSizeGB ?? 0) > settings.vm.dataDiskGb) {
        throw new Error(
            `dsenv:azureDataDiskGb: got ${settings.vm.dataDiskGb}, expected ${disk.diskSizeGB} or more, the size of the data disk ${diskName} ` +
                `(a disk cannot shrink; a larger size grows it, and its file system grows at the VM's next boot)`,
        );
    }
    if (managed) return undefined;
    const tag = disk.tags?.[OWNER_TAG];
    if (tag === undefined) throw new Error(untagged(`the data disk ${diskName}`, disk.id, owner));
    if (tag !== owner) {
        throw new Error(
            `a disk ${diskName} exists in ${groupName}, and stack ${owner} did not make it (tag ${OWNER_TAG}: ${tag}): delete or rename it, or choose another dsenv:namePrefix`,
        );
    }
    if (disk.location !== settings.location) {
        throw new Error(
            `the data disk ${diskName} that an earlier destroy kept is in ${disk.location}, not in dsenv:azureLocation ${settings.location}: set it back (a disk cannot move)`,
        );
    }
    // A larger azureDataDiskGb is fine: Pulumi imports the disk as it is, then updates it to the declared size.
    return disk.id;
}

/**
 * What was kept without the owner tag (made before the tag, or by hand) is not
 * adopted: only the user knows it is this stack's (Pulumi would import it and
 * then tag it, taking a stranger's disk). Tagging it says so.
 */
function untagged(what: string, id: string, owner: string): string {
    return `${what} exists without the ${OWNER_TAG} tag, so it is not known to be stack ${owner}'s: if it is (kept by an earlier destroy), tag it and run again: az tag update --resource-id ${id} --operation merge --tags ${OWNER_TAG}=${owner}; if not, choose another dsenv:namePrefix or dsenv:azureResourceGroup`;
}

/** Azure answers a lookup of something that is not there with an error: that one means "absent", any other is thrown. */
async function orAbsent<T>(lookup: Promise<T>): Promise<T | undefined> {
    try {
        return await lookup;
    } catch (e) {
        if (/NotFound|could not be found|was not found|\b404\b/i.test(String((e as Error).message ?? e))) return undefined;
        throw e;
    }
}

/**
 * What a preview cannot check but a first `up` may fail on: a Spot VM counts
 * against the region's Spot vCPU quota (lowPriorityCores), not its family's,
 * and a subscription may have none of it.
 */
export function quotaNotice(settings: AzureSettings): string | undefined {
    if (!settings.vm.spot) return undefined;
    return `dsenv:azureSpot: the ${settings.vmCount > 1 ? `${settings.vmCount} Spot VMs count` : "Spot VM counts"} against ${settings.location}'s Spot vCPU quota ("Total Regional Spot vCPUs", lowPriorityCores), not the ${settings.vm.size} family's: check it with az vm list-usage -l ${settings.location} -o table`;
}

/** The resource providers (namespaces) the stack's resources belong to. */
export function resourceProvidersFor(settings: AzureTargetSettings): string[] {
    // AKS makes its nodes' scale sets, disks and load balancer in its node resource group.
    if (settings.runsOn === "aks")
        return ["Microsoft.ContainerService", "Microsoft.Compute", "Microsoft.Network", "Microsoft.ContainerRegistry"];
    return [
        "Microsoft.Compute",
        "Microsoft.Network",
        "Microsoft.ContainerRegistry",
        ...(settings.shutdown ? ["Microsoft.DevTestLab"] : []),
    ];
}

const ARM = "https://management.azure.com";
const PROVIDERS_API = "api-version=2021-04-01";

export interface RegistrationOptions {
    /** A preview only says what an up would register. */
    dryRun?: boolean;
    fetchFn?: typeof fetch;
    timeoutMs?: number;
    pollMs?: number;
    sleep?: (ms: number) => Promise<void>;
}

/**
 * A fresh subscription has some resource providers unregistered, and Azure
 * refuses their resources (MissingSubscriptionRegistration). A preview says
 * which ones `up` will register; `up` registers them (Contributor may) and
 * waits; where the identity may not, it fails with the command that does it.
 */
export async function ensureResourceProviders(namespaces: string[], opts: RegistrationOptions = {}): Promise<string[]> {
    const fetchFn = opts.fetchFn ?? fetch;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms)));
    const { subscriptionId } = await authorization.getClientConfig();
    const { token } = await authorization.getClientToken();
    const call = async (method: "GET" | "POST", namespace: string, action = "") => {
        const response = await fetchFn(`${ARM}/subscriptions/${subscriptionId}/providers/${namespace}${action}?${PROVIDERS_API}`, {
            method,
            headers: { Authorization: `Bearer ${token}` },
        });
        return { status: response.status, body: (await response.json().catch(() => ({}))) as { registrationState?: string } };
    };
    const command = (ns: string[]) => ns.map(n => `az provider register --namespace ${n} --wait`).join("; ");

    const missing: string[] = [];
    for (const namespace of namespaces) {
        const { status, body } = await call("GET", namespace);
        if (status !== 200)
            throw new Error(
                `could not read the registration of ${namespace} in subscription ${subscriptionId} (HTTP ${status}); check with: az provider show --namespace ${namespace}`,
            );
        if (body.registrationState !== "Registered") missing.push(namespace);
    }
    if (missing.length === 0) return [];
    if (opts.dryRun ?? pulumi.runtime.isDryRun()) {
        pulumi.log.warn(
            `resource providers not registered in subscription ${subscriptionId}: ${missing.join(", ")}; pulumi up registers them (or: ${command(missing)})`,
        );
        return missing;
    }
    for (const namespace of missing) {
        const { status } = await call("POST", namespace, "/register");
        if (status === 401 || status === 403) {
            throw new Error(
                `resource provider ${namespace} is not registered in subscription ${subscriptionId}, and this identity may not register it: ask an owner to run ${command(missing)}`,
            );
        }
        if (status >= 300) throw new Error(`registering ${namespace} failed (HTTP ${status}): ${command([namespace])}`);
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    for (const namespace of missing) {
        while ((await call("GET", namespace)).body.registrationState !== "Registered") {
            if (Date.now() >= deadline)
                throw new Error(
                    `${namespace} is still registering in subscription ${subscriptionId}; run again in a few minutes (az provider show --namespace ${namespace})`,
                );
            await sleep(opts.pollMs ?? 10_000);
        }
    }
    return missing;
}
