import { AzureKey } from "./azure-defaults";
import { gpuSize, gpuSizeList, isGpuFamily } from "./azure-gpu-sizes";
import * as rules from "./azure-rules";
import { expandHome, notAFile } from "./host-paths";
import { KubePlacement, readKubePlacement } from "./kubernetes";
import { ConfigReader } from "./reader";
import { imageRef, oneOf } from "./rules";
import { KUBE_GPU_RESOURCE, type GpuRequest } from "../components/gpu";
import { checkGpuReservations, SwarmLayout } from "./swarm";
import type { WorkloadConfigKey } from "./workload-defaults";

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
    /** On a size with NVIDIA GPUs (GPU_SIZES): the branch of Ubuntu's signed NVIDIA server driver the VM gets. */
    nvidiaDriverBranch?: string;
    /** Trusted Launch with Secure Boot: on unless the GPU size's row says Azure does not offer it. */
    trustedLaunch: boolean;
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
    /** Containers may reach the instance metadata service (and mint the VM identity's tokens); blocked unless true. */
    containersReachMetadata: boolean;
}

export interface AzureNetworkSettings {
    /** Sources allowed to reach SSH and the app ports. */
    allowedCidrs: string[];
    /** Allow every internet address instead: only when the stack says so explicitly. */
    openToInternet: boolean;
    /** Ports besides SSH opened to those sources; none by default (Jupyter goes through an SSH tunnel). */
    appPorts: number[];
}

/** dsenv:azureRunsOn: GPU VMs with Docker, or an AKS cluster. */
export const AZURE_RUNS_ON = ["vms", "aks"] as const;

/** How kubelogin gets the Entra ID token the AKS kubeconfig presents (its --login modes). */
export const KUBELOGIN_MODES = ["azurecli", "workloadidentity", "spn", "msi", "azd", "devicecode", "interactive"] as const;
export type KubeloginMode = (typeof KUBELOGIN_MODES)[number];

/** The AKS cluster of dsenv:azureRunsOn aks: a system pool, and a GPU pool that scales to zero. */
export interface AzureAksSettings {
    /** The system pool's one node: the cluster's own pods and the workloads without GPUs. */
    systemVmSize: string;
    /** The GPU pool: a row of GPU_SIZES (its GPUs per node known), 0 to `maxNodes` nodes. */
    gpuPool: { vmSize: string; gpusPerNode: number; maxNodes: number };
    /** NVIDIA's device plugin, which makes the GPU nodes advertise nvidia.com/gpu. */
    devicePluginImage: string;
    kubeloginMode: KubeloginMode;
}

/** What both ways of running on Azure have: where, and the registry images are pushed to. */
interface AzurePlace {
    location: string;
    /** Resource group name; empty means one is created as <namePrefix>-rg. */
    resourceGroup: string;
    /** Use `resourceGroup` as it is instead of creating it. */
    useExistingResourceGroup: boolean;
    registry: AzureRegistrySettings;
}

/** dsenv:azureRunsOn aks: the workloads on an AKS cluster the stack makes. */
export interface AksOnAzureSettings extends AzurePlace {
    runsOn: "aks";
    aks: AzureAksSettings;
    /** The namespace, claims and Services on the cluster: the kube* keys, as on the kubernetes target. */
    kube: KubePlacement;
}

/** The azure target's settings: GPU VMs (AzureSettings) or an AKS cluster. */
export type AzureTargetSettings = AzureSettings | AksOnAzureSettings;

/** dsenv:azureRunsOn vms: the workloads on GPU VMs with Docker. */
export interface AzureSettings extends AzurePlace {
    runsOn: "vms";
    /** Every VM is made to this one description, numbered from 1. */
    vm: AzureVmSettings;
    /** dsenv:azureVmCount: 1, or several made one swarm (`swarm`). */
    vmCount: number;
    /** How the VMs are used as a swarm, when there are several. */
    swarm?: SwarmLayout;
    network: AzureNetworkSettings;
    /** Daily deallocation, or undefined for none. */
    shutdown?: { time: string; timeZone: string };
}

export interface CiPushSettings {
    registry: AzureRegistrySettings;
    /** Resource group of the registry; needed only to read admin credentials. */
    resourceGroup: string;
    /** Tag of pushed images: dsenv:azureImageTag, else the checkout's git commit. */
    imageTag: string;
}

/**
 * Reads the keys of the `azure` target. Problems are recorded on `read` (the
 * caller throws them all at once); `gpuWorkloads` are the config keys of GPU
 * workloads the stack enables, which need an N-series size.
 */
export function readAzure(
    read: ConfigReader,
    gpuWorkloads: string[] = [],
    namePrefix?: string,
    vms: { count: number; swarm?: SwarmLayout } = { count: 1 },
): AzureTargetSettings {
    const runsOn = read.string("azureRunsOn", oneOf(AZURE_RUNS_ON)) as AzureTargetSettings["runsOn"];
    const onAks = runsOn === "aks";
    const prefixProblem = namePrefix === undefined ? undefined : rules.azureNamePrefix(namePrefix, vms.count, onAks);
    if (prefixProblem) read.reject("namePrefix", namePrefix, prefixProblem);
    const allowed = read.strings("azureAllowUnlisted", v =>
        /^[A-Za-z0-9][A-Za-z0-9 _.+()-]{0,63}$/.test(v) ? undefined : "a region, VM size or time zone id",
    );
    const resourceGroup = read.string("azureResourceGroup", v => (v === "" ? undefined : rules.resourceGroup(v)));
    const useExistingResourceGroup = read.boolean("azureUseExistingResourceGroup");
    if (useExistingResourceGroup && resourceGroup === "")
        read.reject(
            "azureResourceGroup",
            resourceGroup,
            `the name of the existing resource group, since ${read.key("azureUseExistingResourceGroup")} is true`,
        );

    const size = read.string("azureVmSize", rules.vmSize(allowed));
    const location = read.string("azureLocation", rules.region(allowed));
    // Read last, so that problems are listed in the order of Pulumi.yaml's keys.
    const place = () => ({ location, resourceGroup, useExistingResourceGroup, registry: readRegistry(read) });
    if (onAks) {
        for (const key of VM_KEYS) read.rejectOrphan(key, "dsenv:azureRunsOn is aks (the stack makes no VMs)");
        const aks = readAks(read, size, allowed);
        rejectUnusedAllowed(read, allowed, [location, size, aks.systemVmSize], "dsenv:azureAksSystemVmSize");
        const kube = readKubePlacement(read, namePrefix ?? "");
        return { runsOn, aks, kube, ...place() };
    }
    for (const key of AKS_KEYS.filter(k => k !== "azureRunsOn"))
        read.rejectOrphan(key, "dsenv:azureRunsOn is vms (the stack makes no AKS cluster)");
    rejectGpuWorkloadsOnCpuSize(read, size, gpuWorkloads, allowed);

    const spot = read.boolean("azureSpot");
    const maxPrice = read.string("azureSpotMaxPrice", rules.spotMaxPrice);
    if (!spot) read.rejectOrphan("azureSpotMaxPrice", "dsenv:azureSpot is false");
    const shutdownTime = read.string("azureShutdownTime", rules.shutdownTime);
    const shutdownTimeZone = read.string("azureShutdownTimeZone", rules.timeZone(allowed));
    if (shutdownTime === "") read.rejectOrphan("azureShutdownTimeZone", 'dsenv:azureShutdownTime is "" (no automatic shutdown)');
    rejectUnusedAllowed(read, allowed, [location, size, shutdownTimeZone], "dsenv:azureShutdownTimeZone");

    return {
        runsOn,
        vm: {
            size,
            nvidiaDriverBranch: gpuSize(size)?.driver.branch,
            trustedLaunch: gpuSize(size)?.trustedLaunch ?? true,
            adminUser: read.string("azureAdminUser", rules.adminUser),
            sshPublicKey: readSshPublicKey(read),
            sshPrivateKeyPath: readPrivateKeyPath(read),
            osDiskGb: read.integer("azureOsDiskGb", rules.osDiskGb),
            dataDiskGb: read.integer("azureDataDiskGb", rules.dataDiskGb),
            keepDataDisk: read.boolean("azureKeepDataDisk"),
            spot: spot ? { maxPrice: Number(maxPrice) } : undefined,
            containersReachMetadata: read.boolean("azureContainersReachMetadata"),
        },
        vmCount: vms.count,
        swarm: vms.swarm,
        network: readNetwork(read),
        shutdown: shutdownTime === "" ? undefined : { time: shutdownTime.replace(":", ""), timeZone: shutdownTimeZone },
        ...place(),
    };
}

/** The keys only VMs use: refused on an AKS stack, where they would have no effect. */
const VM_KEYS: AzureKey[] = [
    "azureAdminUser",
    "azureSshPublicKey",
    "azureSshPrivateKeyPath",
    "azureAllowedCidrs",
    "azureOpenToInternet",
    "azureAppPorts",
    "azureOsDiskGb",
    "azureVmCount",
    "azureDataDiskGb",
    "azureKeepDataDisk",
    "azureShutdownTime",
    "azureShutdownTimeZone",
    "azureSpot",
    "azureSpotMaxPrice",
    "azureContainersReachMetadata",
];

/** The keys of dsenv:azureRunsOn aks. */
const AKS_KEYS: AzureKey[] = [
    "azureRunsOn",
    "azureAksSystemVmSize",
    "azureAksGpuNodesMax",
    "azureAksDevicePluginImage",
    "azureAksKubeloginMode",
];

/** The most nodes dsenv:azureAksGpuNodesMax allows: a lab's GPU pool, far below AKS's own limit per pool. */
export const MAX_AKS_GPU_NODES = 100;

/**
 * The AKS cluster's keys. The GPU pool's size is dsenv:azureVmSize, a row of
 * the GPU table (its GPUs per node are known at preview, as on VMs); the
 * system pool's is a size without GPUs.
 */
function readAks(read: ConfigReader, gpuVmSize: string, allowed: string[]): AzureAksSettings {
    const gpu = gpuSize(gpuVmSize);
    if (!gpu && rules.vmSize(allowed)(gpuVmSize) === undefined)
        read.reject("azureVmSize", gpuVmSize, `a GPU size for the AKS GPU pool (dsenv:azureRunsOn is aks), one of ${gpuSizeList()}`);
    const systemVmSize = read.string(
        "azureAksSystemVmSize",
        v =>
            rules.vmSize(allowed)(v) ??
            (isGpuFamily(v) ? "a size without GPUs for the system pool (GPUs are the GPU pool's: dsenv:azureVmSize)" : undefined),
    );
    const maxNodes = read.integer("azureAksGpuNodesMax", v =>
        Number.isInteger(v) && v >= 1 && v <= MAX_AKS_GPU_NODES
            ? undefined
            : `a number of GPU nodes from 1 to ${MAX_AKS_GPU_NODES}: the GPU pool scales between 0 and it`,
    );
    const devicePluginImage = read.string("azureAksDevicePluginImage", v =>
        v === ""
            ? `the image of NVIDIA's Kubernetes device plugin (k8s-device-plugin), e.g. mirrored into the stack's registry: without it the GPU nodes advertise no ${KUBE_GPU_RESOURCE} and GPU pods are never placed`
            : imageRef(v),
    );
    return {
        systemVmSize,
        gpuPool: { vmSize: gpuVmSize, gpusPerNode: gpu?.gpus ?? 0, maxNodes },
        devicePluginImage,
        kubeloginMode: read.string("azureAksKubeloginMode", oneOf(KUBELOGIN_MODES)) as KubeloginMode,
    };
}

/** An entry of dsenv:azureAllowUnlisted that no key uses has no effect. */
function rejectUnusedAllowed(read: ConfigReader, allowed: string[], used: string[], lastKey: string): void {
    for (const name of allowed.filter(a => !used.includes(a))) {
        read.reject(
            "azureAllowUnlisted",
            name,
            `a name that dsenv:azureLocation, dsenv:azureVmSize or ${lastKey} uses (it has no effect otherwise)`,
        );
    }
}

/**
 * GPUs on the AKS GPU pool are nvidia.com/gpu, asked for by count and given
 * from one node: a request for more than one node of azureVmSize has, or for
 * "all" or device ids, is refused at preview.
 */
export function checkAksGpus(read: ConfigReader, aks: AzureAksSettings, requests: [WorkloadConfigKey, GpuRequest][]): void {
    const { vmSize, gpusPerNode } = aks.gpuPool;
    for (const [key, request] of requests) {
        const value = read.string(key);
        if (request === "all" || "devices" in request)
            read.reject(
                key,
                value,
                `a number of GPUs: a pod on AKS asks for ${KUBE_GPU_RESOURCE} by count (a node of ${vmSize} has ${gpusPerNode})`,
            );
        else if (request.count > gpusPerNode)
            read.reject(
                key,
                value,
                `at most ${gpusPerNode} GPUs, what one node of the AKS GPU pool (${vmSize}) has: a pod's GPUs come from one node`,
            );
    }
}

/** Reads the keys of the `ci-push` target: only the registry and the tag, no VM. */
/** `projectCommit`: the checkout's commit, the images' tag when dsenv:azureImageTag is empty. */
export function readCiPush(read: ConfigReader, projectCommit: () => string | undefined): CiPushSettings {
    const registry = readRegistry(read);
    const resourceGroup = read.string("azureResourceGroup", v => (v === "" ? undefined : rules.resourceGroup(v)));
    if (registry.adminEnabled && resourceGroup === "")
        read.reject(
            "azureResourceGroup",
            resourceGroup,
            `the registry's resource group, to read the admin credentials ${read.key("azureRegistryAdmin")} asks for`,
        );
    const given = read.string("azureImageTag", rules.imageTag);
    // A tag that names no commit would defeat the point of tagging by commit.
    const commit = given === "" ? projectCommit() : undefined;
    if (given === "" && commit === undefined)
        read.reject(
            "azureImageTag",
            given,
            "a tag for the pushed images: without one they are tagged with the git commit, and this project is not a git checkout",
        );
    return { registry, resourceGroup, imageTag: given || commit || "" };
}

/** How the nodes of an azure stack's swarm are numbered, in messages (swarmDataNode, jupyterUsers' @<node>). */
export const AZURE_VM_ORDER = "the VMs' numbers";

/**
 * checkGpuReservations for an azure stack's swarm. The VMs may not exist at
 * preview: what each will advertise is its size's GPUs (the size table).
 */
export function checkAzureSwarmGpus(
    read: ConfigReader,
    azure: AzureTargetSettings,
    requests: [WorkloadConfigKey, GpuRequest][],
    notices: string[],
): void {
    if (azure.runsOn !== "vms" || !azure.swarm || requests.length === 0) return;
    const gpus = gpuSize(azure.vm.size)?.gpus ?? 0;
    checkGpuReservations(
        read,
        requests,
        Array(azure.vmCount).fill(gpus),
        `each of the ${azure.vmCount} VMs (${azure.vm.size}): ${gpus}`,
        notices,
    );
}

/** A GPU workload on a size without an NVIDIA GPU would only fail at `docker run --gpus`: say so up front. */
export function rejectGpuWorkloadsOnCpuSize(read: ConfigReader, size: string, gpuWorkloads: string[], allowed: string[] = []): void {
    if (gpuWorkloads.length === 0 || rules.isNvidiaGpuSize(size) || rules.vmSize(allowed)(size) !== undefined) return;
    read.reject(
        "azureVmSize",
        size,
        `a size with NVIDIA GPUs, one of ${gpuSizeList()}, because GPU workloads are enabled: ${gpuWorkloads.map(k => read.key(k)).join(", ")}`,
    );
}

/** The key itself is public; a private key pasted by mistake is not, and is not shown. */
function readSshPublicKey(read: ConfigReader): string {
    const value = read.string("azureSshPublicKey");
    const problem = rules.sshPublicKey(value);
    if (problem)
        read.reject(
            "azureSshPublicKey",
            rules.looksPrivate(value) ? "[secret]" : value,
            rules.looksPrivate(value) ? `${problem} (this is a private key: keep it to yourself and paste the .pub file)` : problem,
        );
    return value.trim();
}

/** Pulumi's ssh client reads this file: it must be one, here. */
function readPrivateKeyPath(read: ConfigReader): string {
    const value = read.string("azureSshPrivateKeyPath", v =>
        v.startsWith("/") || v.startsWith("~/")
            ? undefined
            : "an absolute path (/...) or one under your home (~/...) of the private key that goes with dsenv:azureSshPublicKey",
    );
    const full = expandHome(value);
    const problem = value.startsWith("/") || value.startsWith("~/") ? notAFile(full, "private key file") : undefined;
    if (problem) read.reject("azureSshPrivateKeyPath", value, `${problem}, the one that goes with dsenv:azureSshPublicKey`);
    return full;
}

function readNetwork(read: ConfigReader): AzureNetworkSettings {
    const allowedCidrs = read.strings("azureAllowedCidrs", rules.cidr);
    const openToInternet = read.boolean("azureOpenToInternet");
    if (openToInternet) read.rejectOrphan("azureAllowedCidrs", "dsenv:azureOpenToInternet is true (every address is let in)");
    else if (allowedCidrs.length > 1 && allowedCidrs.every(c => rules.cidr(c) === undefined) && rules.coversInternet(allowedCidrs)) {
        read.reject(
            "azureAllowedCidrs",
            allowedCidrs,
            "networks that leave out most of the internet (together these let in every internet address; to do that say so: dsenv:azureOpenToInternet set to true)",
        );
    }
    if (allowedCidrs.length === 0 && !openToInternet) {
        read.reject(
            "azureAllowedCidrs",
            allowedCidrs,
            `at least one IPv4 network in CIDR form allowed to reach SSH, e.g. your public address as <address>/32 (or ${read.key("azureOpenToInternet")} set to true)`,
        );
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
