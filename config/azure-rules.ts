import * as ipaddr from "ipaddr.js";
import * as sshpk from "sshpk";
import { AzureNames, azureNames } from "../components/azure/names";
import { AZURE_LOCATIONS, AZURE_VM_SIZES, WINDOWS_TIME_ZONES } from "./azure-known";
import { gpuSize, gpuSizeList, isGpuFamily } from "./azure-gpu-sizes";
import { nearest } from "./nearest";
import { Rule } from "./rules";

// What each Azure config value accepts, in the style of rules.ts: a rule returns
// nothing when the value is fine, or the words "what would be accepted".
// Regions, sizes and time zones are checked against azure-known.ts; `allowed`
// are the names the stack lists in dsenv:azureAllowUnlisted.

/** A name from `known`, or one the stack allows; else the nearest known one as a hint. */
function knownOrAllowed(v: string, known: readonly string[], allowed: readonly string[], what: string): string | undefined {
    if (known.includes(v) || allowed.includes(v)) return undefined;
    return `${what} that Azure has; the nearest dsenv knows is ${nearest(v, known)} (one newer than this release: list it in dsenv:azureAllowUnlisted)`;
}

/** Sizes with NVIDIA GPUs that dsenv installs a driver on: the rows of GPU_SIZES (config/azure-gpu-sizes.ts). */
export function isNvidiaGpuSize(size: string): boolean {
    return gpuSize(size) !== undefined;
}

export const region =
    (allowed: readonly string[]): Rule<string> =>
    v =>
        /^[a-z][a-z0-9]{2,29}$/.test(v)
            ? knownOrAllowed(v, AZURE_LOCATIONS, allowed, "a region")
            : "an Azure region name: lower case, no spaces, e.g. eastus, westeurope, swedencentral (az account list-locations -o table)";

export const resourceGroup: Rule<string> = v =>
    /^[-\w.()]{1,90}$/.test(v) && !v.endsWith(".") ? undefined : "1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.'";

/**
 * A size Azure has; a GPU (N-series) size only when GPU_SIZES has a driver path
 * for it, listed or not: AMD, FPGA, vGPU (GRID) and NVSwitch sizes need drivers
 * this release does not install.
 */
export const vmSize =
    (allowed: readonly string[]): Rule<string> =>
    v => {
        if (!/^Standard_[A-Za-z0-9_]+$/.test(v))
            return "an Azure VM size like Standard_NC4as_T4_v3 (T4), Standard_NC24ads_A100_v4 (A100) or Standard_NC40ads_H100_v5 (H100)";
        const unknown = knownOrAllowed(v, AZURE_VM_SIZES, allowed, "a VM size");
        if (unknown) return unknown;
        if (isGpuFamily(v) && !gpuSize(v))
            return `a GPU size dsenv installs the NVIDIA driver on: ${gpuSizeList()} (or a size without GPUs)`;
        return undefined;
    };

// Names Azure refuses as the admin of a Linux VM, plus root.
const RESERVED_USERS = [
    "administrator",
    "admin",
    "user",
    "user1",
    "test",
    "user2",
    "test1",
    "user3",
    "admin1",
    "1",
    "123",
    "a",
    "actuser",
    "adm",
    "admin2",
    "aspnet",
    "backup",
    "console",
    "david",
    "guest",
    "john",
    "owner",
    "root",
    "server",
    "sql",
    "support",
    "support_388945a0",
    "sys",
    "test2",
    "test3",
    "user4",
    "user5",
];

export const adminUser: Rule<string> = v =>
    /^[a-z_][a-z0-9_-]{0,31}$/.test(v) && !RESERVED_USERS.includes(v)
        ? undefined
        : "a Linux user name (lower case, up to 32 characters) that Azure does not reserve (not root, admin, user, test, ...)";

/** What the example stack files hold where the user must put their own value. */
const PLACEHOLDER = /replace/i;

const SSH_KEY = "an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords)";
/** What Azure takes for a Linux VM's admin: RSA of 2048 bits or more, and Ed25519. */
const MIN_RSA_BITS = 2048;

/** Parsed by sshpk: the type word must match the key inside, and Azure must take the type and size. */
export const sshPublicKey: Rule<string> = v => {
    const line = v.trim();
    if (PLACEHOLDER.test(line) && !looksPrivate(line))
        return `${SSH_KEY}: this is the example value of stacks/Pulumi.azure.yaml, paste your own`;
    if (line.includes("\n")) return `${SSH_KEY}: one key on one line`;
    let key: sshpk.Key;
    try {
        key = sshpk.parseKey(line, "ssh");
    } catch {
        return SSH_KEY;
    }
    const typeWord = key.toString("ssh").split(" ")[0];
    if (line.split(/\s+/)[0] !== typeWord) return SSH_KEY;
    if (key.type !== "rsa" && key.type !== "ed25519")
        return `an ssh-ed25519 or ssh-rsa key: Azure takes no other type for a Linux VM (this is ${typeWord})`;
    if (key.type === "rsa" && key.size < MIN_RSA_BITS)
        return `an RSA key of at least ${MIN_RSA_BITS} bits (this one has ${key.size}; ssh-keygen -t ed25519 makes a shorter, stronger one)`;
    return undefined;
};

/** A pasted private key is a secret: it must not reach an error message. */
export function looksPrivate(v: string): boolean {
    return /PRIVATE KEY/.test(v);
}

/** An IPv4 network in CIDR form, written as its network address; the whole internet is not one (azureOpenToInternet says that explicitly). */
export const cidr: Rule<string> = v => {
    const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(v);
    const valid = m !== null && ipaddr.IPv4.isValidFourPartDecimal(m[1]) && !/(^|\.)0[0-9]/.test(m[1]) && Number(m[2]) <= 32;
    if (!valid) return "an IPv4 network in CIDR form, e.g. <your public address>/32 for one address (curl -s https://ifconfig.me)";
    if (Number(m![2]) === 0) return "a network narrower than /0 (to open to the whole internet set dsenv:azureOpenToInternet to true)";
    const network = ipaddr.IPv4.networkAddressFromCIDR(v).toString();
    if (network !== m![1]) return `a network written as its own address, ${network}/${m![2]} (the bits after the first ${m![2]} must be 0)`;
    const example = documentationNetwork(v);
    if (example)
        return `your own network: ${example} is reserved for documentation (RFC 5737), no client has an address in it, so this is still an example value (stacks/Pulumi.azure.yaml has 203.0.113.7/32); set your public address as /32 (curl -s https://ifconfig.me)`;
    return undefined;
};

/** RFC 5737's networks for examples: a stack that lists one of them (or a part) still has an example value. */
const DOCUMENTATION_NETWORKS = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"];

function documentationNetwork(cidrText: string): string | undefined {
    const [ip, bits] = ipaddr.IPv4.parseCIDR(cidrText);
    return DOCUMENTATION_NETWORKS.find(d => {
        const range = ipaddr.IPv4.parseCIDR(d);
        return bits >= range[1] && ip.match(range);
    });
}

/** Addresses no internet host has (RFC 6890): a list that leaves out only these lets in the whole internet. */
const NOT_INTERNET = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
];

/** Whether valid CIDRs together let in every internet address, however they are split up. */
export function coversInternet(cidrs: string[]): boolean {
    const ranges = [...cidrs, ...NOT_INTERNET]
        .map(c => ipaddr.IPv4.parseCIDR(c))
        .map(([ip, bits]) => {
            const start = ip.toByteArray().reduce((n, b) => n * 256 + b, 0);
            return [start, start + 2 ** (32 - bits) - 1] as const;
        })
        .sort((a, b) => a[0] - b[0]);
    let next = 0;
    for (const [start, end] of ranges) {
        if (start > next) return false;
        next = Math.max(next, end + 1);
    }
    return next > 0xffffffff;
}

export const appPort: Rule<string> = v => {
    const n = /^[0-9]{1,5}$/.test(v) ? Number(v) : NaN;
    if (n === 22) return "a port other than 22 (SSH is always allowed from dsenv:azureAllowedCidrs)";
    return n >= 1 && n <= 65535 ? undefined : "a port number from 1 to 65535, as a string";
};

export const osDiskGb: Rule<number> = v =>
    Number.isInteger(v) && v >= 30 && v <= 4095 ? undefined : "an OS disk size in GiB from 30 (the image's size) to 4095";

export const dataDiskGb: Rule<number> = v =>
    Number.isInteger(v) && v >= 4 && v <= 32767 ? undefined : "a data disk size in GiB from 4 to 32767";

export const shutdownTime: Rule<string> = v =>
    v === "" || /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(v)
        ? undefined
        : 'a time of day as HH:MM (24 h, e.g. 19:00), or "" for no automatic shutdown';

export const timeZone =
    (allowed: readonly string[]): Rule<string> =>
    v =>
        /^[A-Za-z][A-Za-z0-9 .+()-]{1,63}$/.test(v)
            ? knownOrAllowed(v, WINDOWS_TIME_ZONES, allowed, "a Windows time zone id")
            : 'a Windows time zone id, e.g. UTC, "W. Europe Standard Time", "Pacific Standard Time" (tzutil /l)';

/** Azure's naming rules (learn.microsoft.com, "Naming rules and restrictions for Azure resources"), for the names a prefix makes. */
interface NameRule {
    max: number;
    min?: number;
    pattern: RegExp;
    accepts: string;
}
// Network resources and disks: start with a letter or digit, end with one or '_'.
const NETWORK_NAME = {
    max: 80,
    pattern: /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/,
    accepts: "letters, digits, '_', '.' and '-', starting with a letter or digit and ending with one or '_'",
};
// The shutdown schedule's name is not ours to choose: Azure takes only shutdown-computevm-<vm>.
const NAME_RULES: Record<Exclude<keyof AzureNames, "shutdownSchedule">, NameRule> = {
    resourceGroup: { max: 90, pattern: /^[-\w.()]*[-\w()]$/, accepts: "letters, digits, '-', '_', '.', '(' and ')', not ending with '.'" },
    vm: {
        max: 64,
        pattern: /^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/,
        accepts: "letters, digits, '_', '.' and '-', not ending with '.' or '-'",
    },
    // A Linux host name: no '_' nor '.', not only digits.
    computerName: {
        max: 64,
        pattern: /^(?![0-9]+$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/,
        accepts: "letters, digits and '-' (no '_' or '.'), not ending with '-' and not only digits",
    },
    vnet: { ...NETWORK_NAME, min: 2, max: 64 },
    nsg: NETWORK_NAME,
    publicIp: NETWORK_NAME,
    nic: NETWORK_NAME,
    dataDisk: NETWORK_NAME,
    registryPullToken: { min: 5, max: 50, pattern: /^[A-Za-z0-9-]+$/, accepts: "letters, digits and '-'" },
    aksCluster: {
        max: 63,
        pattern: /^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/,
        accepts: "letters, digits, '_' and '-', starting and ending with a letter or digit",
    },
    aksDnsPrefix: {
        max: 54,
        pattern: /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/,
        accepts: "letters, digits and '-', starting and ending with a letter or digit",
    },
};

/** Names a stack makes only on AKS (dsenv:azureRunsOn aks). */
const AKS_NAMES: (keyof typeof NAME_RULES)[] = ["aksCluster", "aksDnsPrefix"];

/** What is wrong with one Azure name, by the rule of its kind. */
export function azureNameProblem(kind: keyof typeof NAME_RULES, name: string): string | undefined {
    const rule = NAME_RULES[kind];
    if (name.length < (rule.min ?? 1) || name.length > rule.max) return `${rule.min ?? 1} to ${rule.max} characters`;
    return rule.pattern.test(name) ? undefined : rule.accepts;
}

/**
 * The prefix (dsenv:namePrefix, or dsenv-<stack> when that is empty) is
 * checked through every Azure name it makes, so a stack name Pulumi allows but
 * Azure does not is refused at preview. Lower case: Azure compares names
 * without case, and Docker's names made from the same prefix need it.
 */
export function azureNamePrefix(v: string, vmCount = 1, aks = false): string | undefined {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(v))
        return `a prefix of Azure names: lower-case letters, digits and '-' (the VM's host name ${v}-vm allows nothing else)`;
    // The last VM's names are the longest; the pull token exists only on a swarm of VMs.
    const names = azureNames(v, vmCount);
    const kinds = (Object.keys(NAME_RULES) as (keyof typeof NAME_RULES)[])
        .filter(k => k !== "registryPullToken" || vmCount > 1)
        .filter(k => aks || !AKS_NAMES.includes(k));
    for (const kind of kinds) {
        const problem = azureNameProblem(kind, names[kind]);
        if (problem) return `a prefix whose Azure names are valid; ${kind} ${names[kind]} must have ${problem}`;
    }
    return undefined;
}

/** The most VMs one stack makes (dsenv:azureVmCount): a swarm of a lab's size; beyond that, a managed cluster (docs/swarm.md). */
export const MAX_VM_COUNT = 10;

export const vmCount: Rule<number> = v =>
    Number.isInteger(v) && v >= 1 && v <= MAX_VM_COUNT
        ? undefined
        : `a number of VMs from 1 to ${MAX_VM_COUNT}: 1 runs the workspace on one VM's engine, more make the VMs one Docker swarm`;

export const spotMaxPrice: Rule<string> = v =>
    v === "-1" || (/^[0-9]+(\.[0-9]+)?$/.test(v) && Number(v) > 0)
        ? undefined
        : '-1 (pay up to the on-demand price, never evicted for price) or a price above 0 in US dollars per hour, e.g. "0.25"';

export const registryName: Rule<string> = v => {
    if (!/^[a-z0-9]{5,50}$/.test(v)) return "5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)";
    if (PLACEHOLDER.test(v))
        return "a registry name of your own, unique across Azure: this is the example value of stacks/Pulumi.azure.yaml (check one with az acr check-name -n <name>)";
    return undefined;
};

export const imageTag: Rule<string> = v =>
    v === "" || /^[\w][\w.-]{0,127}$/.test(v)
        ? undefined
        : 'an image tag (letters, digits, "_", "." or "-", up to 128), or "" for the git commit';
