import { Rule } from "./rules";

// What each Azure config value accepts, in the style of rules.ts: a rule returns
// nothing when the value is fine, or the words "what would be accepted".

/** GPU sizes are Azure's N-series (NC, ND, NV, NG...): the only sizes with NVIDIA GPUs attached. */
export function isGpuSize(size: string): boolean {
    return /^Standard_N[A-Z]/i.test(size);
}

export const region: Rule<string> = v =>
    /^[a-z][a-z0-9]{2,29}$/.test(v) ? undefined : "an Azure region name: lower case, no spaces, e.g. eastus, westeurope, swedencentral (az account list-locations -o table)";

export const resourceGroup: Rule<string> = v =>
    /^[-\w.()]{1,90}$/.test(v) && !v.endsWith(".") ? undefined : "1 to 90 letters, digits, '-', '_', '.', '(' or ')', not ending with '.'";

export const vmSize: Rule<string> = v =>
    /^Standard_[A-Za-z0-9_]+$/.test(v) ? undefined : "an Azure VM size like Standard_NC4as_T4_v3 (T4), Standard_NC24ads_A100_v4 (A100) or Standard_NC40ads_H100_v5 (H100)";

// Names Azure refuses as the admin of a Linux VM, plus root.
const RESERVED_USERS = ["administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1", "1", "123", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david", "guest", "john", "owner", "root", "server", "sql", "support", "support_388945a0", "sys", "test2", "test3", "user4", "user5"];

export const adminUser: Rule<string> = v =>
    /^[a-z_][a-z0-9_-]{0,31}$/.test(v) && !RESERVED_USERS.includes(v)
        ? undefined
        : "a Linux user name (lower case, up to 32 characters) that Azure does not reserve (not root, admin, user, test, ...)";

export const sshPublicKey: Rule<string> = v =>
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/.test(v.trim())
        ? undefined
        : "an SSH public key, the one line of e.g. ~/.ssh/id_ed25519.pub (the VM accepts keys only, no passwords)";

/** An IPv4 network in CIDR form; the whole internet is not one (azureOpenToInternet says that explicitly). */
export const cidr: Rule<string> = v => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
    const valid = m !== null && m.slice(1, 5).every(o => Number(o) <= 255) && Number(m[5]) <= 32;
    if (!valid) return "an IPv4 network in CIDR form, e.g. 203.0.113.7/32 for one address (curl -s https://ifconfig.me)";
    if (Number(m![5]) === 0) return "a network narrower than /0 (to open to the whole internet set dsenv:azureOpenToInternet to true)";
    return undefined;
};

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
    v === "" || /^([01][0-9]|2[0-3]):[0-5][0-9]$/.test(v) ? undefined : 'a time of day as HH:MM (24 h, e.g. 19:00), or "" for no automatic shutdown';

export const timeZone: Rule<string> = v =>
    /^[A-Za-z][A-Za-z0-9 .+()-]{1,63}$/.test(v) ? undefined : 'a Windows time zone id, e.g. UTC, "W. Europe Standard Time", "Pacific Standard Time" (tzutil /l)';

export const spotMaxPrice: Rule<string> = v =>
    v === "-1" || (/^[0-9]+(\.[0-9]+)?$/.test(v) && Number(v) > 0)
        ? undefined
        : '-1 (pay up to the on-demand price, never evicted for price) or a price above 0 in US dollars per hour, e.g. "0.25"';

export const registryName: Rule<string> = v =>
    /^[a-z0-9]{5,50}$/.test(v) ? undefined : "5 to 50 lower-case letters and digits, unique across Azure (it becomes <name>.azurecr.io)";

export const imageTag: Rule<string> = v =>
    v === "" || /^[\w][\w.-]{0,127}$/.test(v) ? undefined : 'an image tag (letters, digits, "_", "." or "-", up to 128), or "" for the git commit';
