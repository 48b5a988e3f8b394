import type { GpuRequest } from "../components/gpu";
import type { HubAuth } from "../components/jupyter-hub";
import { gpuSize } from "./azure-gpu-sizes";
import { HostFacts } from "./host-facts";
import { ConfigReader } from "./reader";
import * as rules from "./rules";
import { EngineSettings, HubSettings, JupyterSettings, Target } from "./settings";

// dsenv:jupyterHub and its keys: the users of dsenv:jupyterUsers log in to one
// JupyterHub and get their servers on demand (components/jupyter-hub.ts).

const AUTHS = ["password", "github", "entra"] as const;
const OAUTH_KEYS = [
    "jupyterHubOAuthClientId",
    "jupyterHubOAuthClientSecret",
    "jupyterHubOAuthTenant",
    "jupyterHubOAuthCallbackUrl",
    "jupyterHubLogins",
] as const;
const HUB_KEYS = [
    "jupyterHubBaseImage",
    "jupyterHubAdmins",
    "jupyterHubIdleMinutes",
    "jupyterHubAuth",
    "jupyterHubUserFolder",
    ...OAUTH_KEYS,
] as const;
/** A week: a longer idle time is a server nobody stops. */
const MAX_IDLE_MINUTES = 7 * 24 * 60;
/** An Entra tenant id: a GUID (Azure portal, Microsoft Entra ID, Overview). */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The host folder pattern: absolute, with {username} (JupyterHub's own template field), no other field, no "..". */
function userFolderProblem(v: string): string | undefined {
    if (v === "") return undefined;
    const ok =
        v.startsWith("/") && v.includes("{username}") && !/[{}]/.test(v.replaceAll("{username}", "")) && !v.split("/").includes("..");
    return ok ? undefined : 'an absolute host path with {username} in it and no other {field} nor "..", e.g. /mnt/nas/{username}';
}

function callbackUrlProblem(v: string): string | undefined {
    let url: URL | undefined;
    try {
        url = new URL(v);
    } catch {
        url = undefined;
    }
    const ok =
        url &&
        (url.protocol === "https:" || url.protocol === "http:") &&
        url.pathname.endsWith("/hub/oauth_callback") &&
        !url.search &&
        !url.hash;
    return ok
        ? undefined
        : "the hub's address followed by /hub/oauth_callback, as registered with the OAuth app (e.g. https://lab.example.org/hub/oauth_callback)";
}

/**
 * Reads the hub's keys; undefined when dsenv:jupyterHub is off, and then every
 * other hub key set is refused as having no effect.
 */
export function readJupyterHub(
    read: ConfigReader,
    jupyter: Pick<JupyterSettings, "users" | "workDir">,
    target: Target["kind"],
): Omit<HubSettings, "engineGpus"> | undefined {
    const on = read.boolean("jupyterHub");
    if (!on || target === "ci-push") {
        if (on) read.rejectOrphan("jupyterHub", "the ci-push target runs no notebook");
        for (const key of HUB_KEYS) read.rejectOrphan(key, "dsenv:jupyterHub is off");
        return undefined;
    }
    const names = jupyter.users.map(u => u.name);
    if (names.length === 0)
        read.reject("jupyterHub", true, 'users to log in: list them in dsenv:jupyterUsers (e.g. ["alice:1001:1001", "bob:1002:1002"])');
    if (jupyter.workDir.kind === "bind")
        read.reject(
            "jupyterWorkDir",
            jupyter.workDir.hostPath,
            "it unset with dsenv:jupyterHub: each user's work is a volume of their own (a host folder per user is dsenv:jupyterHubUserFolder)",
        );
    const admins = read.strings("jupyterHubAdmins", v =>
        names.includes(v) ? undefined : `names from dsenv:jupyterUsers (${names.join(", ") || "none"})`,
    );
    const idleMinutes = read.integer("jupyterHubIdleMinutes", v =>
        Number.isInteger(v) && v >= 0 && v <= MAX_IDLE_MINUTES
            ? undefined
            : `minutes from 1 to ${MAX_IDLE_MINUTES} (a week), or 0 for never`,
    );
    const userFolder = read.string("jupyterHubUserFolder", userFolderProblem);
    const kind = read.string("jupyterHubAuth", rules.oneOf(AUTHS)) as HubAuth["kind"];
    const baseImage = read.string("jupyterHubBaseImage", v =>
        v.trim() === ""
            ? "an image with the official jupyterhub image's contract (jupyterhub and configurable-http-proxy on PATH)"
            : undefined,
    );
    return { baseImage, admins, idleMinutes, userFolder: userFolder || undefined, ...readAuth(read, kind, names) };
}

function readAuth(read: ConfigReader, kind: HubAuth["kind"], names: string[]): { auth: HubAuth; logins: Record<string, string> } {
    if (kind === "password" || !(AUTHS as readonly string[]).includes(kind)) {
        for (const key of OAUTH_KEYS) read.rejectOrphan(key, `dsenv:jupyterHubAuth is ${kind}, not github or entra`);
        return { auth: { kind: "password" }, logins: {} };
    }
    const required = (key: (typeof OAUTH_KEYS)[number], what: string) => {
        const v = read.string(key);
        if (v === "") read.reject(key, v, `${what}, with dsenv:jupyterHubAuth ${kind}`);
        return v;
    };
    const clientId = required("jupyterHubOAuthClientId", "the OAuth app's client id");
    const callbackUrl = read.string("jupyterHubOAuthCallbackUrl", callbackUrlProblem);
    const clientSecret = read.secret("jupyterHubOAuthClientSecret");
    if (!clientSecret)
        read.reject(
            "jupyterHubOAuthClientSecret",
            "",
            `the OAuth app's client secret, with dsenv:jupyterHubAuth ${kind}: pulumi config set --secret ${read.key("jupyterHubOAuthClientSecret")} <secret>`,
        );
    const logins = readLogins(read, names);
    if (kind === "github") {
        read.rejectOrphan("jupyterHubOAuthTenant", "GitHub has no tenant (it is for dsenv:jupyterHubAuth entra)");
        return { auth: { kind, clientId, clientSecret: clientSecret ?? "", callbackUrl }, logins };
    }
    const tenantId = read.string("jupyterHubOAuthTenant", v =>
        GUID.test(v)
            ? undefined
            : "the Microsoft Entra tenant id, a GUID (Azure portal, Microsoft Entra ID, Overview), with dsenv:jupyterHubAuth entra",
    );
    return { auth: { kind, clientId, clientSecret: clientSecret ?? "", tenantId, callbackUrl }, logins };
}

/** Provider user name -> a user of dsenv:jupyterUsers, each user at most once. */
function readLogins(read: ConfigReader, names: string[]): Record<string, string> {
    const raw = read.json("jupyterHubLogins");
    const accepted = `an object of the provider's user names and names from dsenv:jupyterUsers (${names.join(", ")}), each user once (pulumi config set --path 'dsenv:jupyterHubLogins["alice@contoso.com"]' alice)`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        read.reject("jupyterHubLogins", raw, accepted);
        return {};
    }
    const logins: Record<string, string> = {};
    for (const [login, user] of Object.entries(raw)) {
        if (typeof user !== "string" || !names.includes(user) || Object.values(logins).includes(user) || login.trim() === "")
            read.reject("jupyterHubLogins", { [login]: user }, accepted);
        else logins[login] = user;
    }
    return logins;
}

/** Where the hub's servers take GPUs from, for hubServerGpus. */
export type HubGpuPlace = { kind: "engine"; engine: EngineSettings } | { kind: "azure"; vmSize: string } | { kind: "swarm" };

/**
 * The users' GPUs as a hub hands them out, and the GPU ids it hands them from
 * on one engine. A server's GPUs are its own while it runs, so `auto` (which
 * gives an always-on notebook every GPU) comes to one GPU per server here, and
 * "device=0,2" names the GPUs servers get one each from; "all" is every GPU,
 * shared. A swarm's nodes advertise their GPUs; the hub checks them at spawn.
 */
export function hubServerGpus(
    read: ConfigReader,
    jupyter: JupyterSettings,
    fromAuto: boolean,
    place: HubGpuPlace,
    host: HostFacts,
    notices: string[],
): JupyterSettings {
    const hub = jupyter.hub;
    const wanted = jupyter.users.map(u => u.gpus).filter((g): g is GpuRequest => g !== undefined);
    if (!hub || place.kind === "swarm" || wanted.length === 0) return hub ? { ...jupyter, hub: { ...hub, engineGpus: [] } } : jupyter;
    const first = wanted[0];
    if (first === "all" && !fromAuto) return { ...jupyter, hub: { ...hub, engineGpus: [] } };
    let ids: string[] | undefined;
    if (typeof first !== "string" && "devices" in first) ids = first.devices;
    else if (place.kind === "azure") ids = Array.from({ length: gpuSize(place.vmSize)?.gpus ?? 0 }, (_, i) => String(i));
    else ids = engineGpuIds(place.engine, host);
    const each = first === "all" || "devices" in first ? 1 : first.count;
    if (ids === undefined) {
        read.reject(
            "jupyterGpus",
            read.string("jupyterGpus"),
            `"all" (every GPU, shared by the servers) with dsenv:jupyterHub where the engine's machine cannot list its GPUs (nvidia-smi --query-gpu=index did not answer), or "device=0,1" naming them`,
        );
        ids = [];
    } else if (each > ids.length) {
        read.reject(
            "jupyterGpus",
            read.string("jupyterGpus"),
            `at most ${ids.length} GPUs per server: the hub gives each server GPUs of its own from the ${ids.length} the machine has (${ids.join(", ") || "none"})`,
        );
    }
    notices.push(
        `dsenv:jupyterHub: each server gets ${each} GPU${each > 1 ? "s" : ""} of its own while it runs, from GPUs ${ids.join(", ")}; a spawn is refused while they are taken`,
    );
    return { ...jupyter, users: jupyter.users.map(u => ({ ...u, gpus: u.gpus && { count: each } })), hub: { ...hub, engineGpus: ids } };
}

/** The engine machine's GPU indexes (nvidia-smi), or undefined where it cannot be asked or does not answer. */
function engineGpuIds(engine: EngineSettings, host: HostFacts): string[] | undefined {
    const r = host.runHost?.(engine, "nvidia-smi --query-gpu=index --format=csv,noheader 2>/dev/null");
    if (!r || !r.ok) return undefined;
    const ids = r.stdout
        .split("\n")
        .map(l => l.trim())
        .filter(l => /^\d+$/.test(l));
    return ids.length ? ids : undefined;
}
