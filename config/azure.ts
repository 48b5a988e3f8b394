import { AzureKey } from "./azure-defaults";
import * as rules from "./azure-rules";
import { expandHome } from "./host-paths";
import { ConfigReader } from "./reader";
import { oneOf } from "./rules";

export const REGISTRY_SKUS = ["Basic", "Standard", "Premium"] as const;
export type RegistrySku = (typeof REGISTRY_SKUS)[number];

export interface AzureRegistrySettings {
    /** Globally unique; the login server is <name>.azurecr.io. */
    name: string;
    sku: RegistrySku;
    /** The shared admin user: off unless asked for (see docs/azure.md, "Credentials"). */
    adminEnabled: boolean;
}

export interface AzureVmSettings {
    size: string;
    /** The size has NVIDIA GPUs (the driver extension and the GPU workloads need them). */
    nvidiaGpu: boolean;
    adminUser: string;
    sshPublicKey: string;
    /** Absolute path of the private key Pulumi's ssh client uses (readiness check, Docker over ssh). */
    sshPrivateKeyPath: string;
    osDiskGb: number;
    dataDiskGb: number;
    /** Keep the data disk (databases, notebooks, Docker's volumes) on `pulumi destroy`. */
    keepDataDisk: boolean;
    /** Run as a Spot VM: cheaper, evicted (deallocated) when Azure needs the capacity. */
    spot?: { maxPrice: number };
}

export interface AzureNetworkSettings {
    /** Sources allowed to reach SSH and the app ports. */
    allowedCidrs: string[];
    /** Allow every internet address instead: only when the stack says so explicitly. */
    openToInternet: boolean;
    /** Ports besides SSH opened to those sources; none by default (Jupyter goes through an SSH tunnel). */
    appPorts: number[];
}

export interface AzureSettings {
    location: string;
    /** Resource group name; empty means one is created as <namePrefix>-rg. */
    resourceGroup: string;
    /** Use `resourceGroup` as it is instead of creating it. */
    useExistingResourceGroup: boolean;
    vm: AzureVmSettings;
    network: AzureNetworkSettings;
    /** Daily deallocation, or undefined for none. */
    shutdown?: { time: string; timeZone: string };
    registry: AzureRegistrySettings;
}

export interface CiPushSettings {
    registry: AzureRegistrySettings;
    /** Resource group of the registry; needed only to read admin credentials. */
    resourceGroup: string;
    /** Tag of pushed images; empty means the git commit. */
    imageTag: string;
}

/**
 * Reads the keys of the `azure` target. Problems are recorded on `read` (the
 * caller throws them all at once); `gpuWorkloads` are the config keys of GPU
 * workloads the stack enables, which need an N-series size.
 */
export function readAzure(read: ConfigReader, gpuWorkloads: string[] = []): AzureSettings {
    const resourceGroup = read.string("azureResourceGroup", v => (v === "" ? undefined : rules.resourceGroup(v)));
    const useExistingResourceGroup = read.boolean("azureUseExistingResourceGroup");
    if (useExistingResourceGroup && resourceGroup === "") read.reject("azureResourceGroup", resourceGroup, `the name of the existing resource group, since ${read.key("azureUseExistingResourceGroup")} is true`);

    const size = read.string("azureVmSize", rules.vmSize);
    rejectGpuWorkloadsOnCpuSize(read, size, gpuWorkloads);

    const spot = read.boolean("azureSpot");
    const maxPrice = read.string("azureSpotMaxPrice", rules.spotMaxPrice);
    const shutdownTime = read.string("azureShutdownTime", rules.shutdownTime);
    const shutdownTimeZone = read.string("azureShutdownTimeZone", rules.timeZone);

    return {
        location: read.string("azureLocation", rules.region),
        resourceGroup,
        useExistingResourceGroup,
        vm: {
            size,
            nvidiaGpu: rules.isGpuSize(size),
            adminUser: read.string("azureAdminUser", rules.adminUser),
            sshPublicKey: read.string("azureSshPublicKey", rules.sshPublicKey).trim(),
            sshPrivateKeyPath: expandHome(read.string("azureSshPrivateKeyPath", v => (v.startsWith("/") || v.startsWith("~/") ? undefined : "an absolute path (/...) or one under your home (~/...) of the private key that goes with dsenv:azureSshPublicKey"))),
            osDiskGb: read.integer("azureOsDiskGb", rules.osDiskGb),
            dataDiskGb: read.integer("azureDataDiskGb", rules.dataDiskGb),
            keepDataDisk: read.boolean("azureKeepDataDisk"),
            spot: spot ? { maxPrice: Number(maxPrice) } : undefined,
        },
        network: readNetwork(read),
        shutdown: shutdownTime === "" ? undefined : { time: shutdownTime.replace(":", ""), timeZone: shutdownTimeZone },
        registry: readRegistry(read),
    };
}

/** Reads the keys of the `ci-push` target: only the registry and the tag, no VM. */
export function readCiPush(read: ConfigReader): CiPushSettings {
    const registry = readRegistry(read);
    const resourceGroup = read.string("azureResourceGroup", v => (v === "" ? undefined : rules.resourceGroup(v)));
    if (registry.adminEnabled && resourceGroup === "") read.reject("azureResourceGroup", resourceGroup, `the registry's resource group, to read the admin credentials ${read.key("azureRegistryAdmin")} asks for`);
    return { registry, resourceGroup, imageTag: read.string("azureImageTag", rules.imageTag) };
}

/** A GPU workload on a size without a GPU would only fail at `docker run --gpus`: say so up front. */
export function rejectGpuWorkloadsOnCpuSize(read: ConfigReader, size: string, gpuWorkloads: string[]): void {
    if (gpuWorkloads.length === 0 || rules.isGpuSize(size) || rules.vmSize(size) !== undefined) return;
    read.reject("azureVmSize", size, `an N-series GPU size (e.g. Standard_NC4as_T4_v3), because GPU workloads are enabled: ${gpuWorkloads.map(k => read.key(k)).join(", ")}`);
}

function readNetwork(read: ConfigReader): AzureNetworkSettings {
    const allowedCidrs = read.strings("azureAllowedCidrs", rules.cidr);
    const openToInternet = read.boolean("azureOpenToInternet");
    if (allowedCidrs.length === 0 && !openToInternet) {
        read.reject("azureAllowedCidrs", allowedCidrs, `at least one IPv4 network in CIDR form allowed to reach SSH, e.g. your address as 203.0.113.7/32 (or ${read.key("azureOpenToInternet")} set to true)`);
    }
    const appPorts = read.strings("azureAppPorts", rules.appPort).map(Number);
    return { allowedCidrs, openToInternet, appPorts };
}

function readRegistry(read: ConfigReader): AzureRegistrySettings {
    return {
        name: read.string("azureRegistryName", rules.registryName),
        sku: read.string("azureRegistrySku", oneOf(REGISTRY_SKUS)) as RegistrySku,
        adminEnabled: read.boolean("azureRegistryAdmin"),
    };
}
