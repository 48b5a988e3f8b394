import { DRIVER_SCRIPT } from "../../config/cuda-check";
import { FIND_HOOK_SCRIPT } from "../../config/gpu-check";
import { HostFacts } from "../../config/host-facts";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import * as fs from "fs";
import * as path from "path";
import { azureStackConfig } from "./ssh-keys";
import { byType, Declared, isSecret, leaves, one, Run, runWithMocks, valueOf } from "./harness";
import { nodesAdvertising } from "./swarm-nodes";

// dsenv:jupyterHub under mocks: the users log in to one JupyterHub instead of
// an always-on notebook each. What the hub is handed (DSENV_HUB_CONFIG, plain;
// DSENV_HUB_SECRETS, secret) is what images/hub/jupyterhub_config.py reads;
// the hub itself is run for real by test/e2e/jupyter-hub.test.ts.

const CONTAINER = "docker:index/container:Container";
const SERVICE = "docker:index/service:Service";
const SECRET = "docker:index/secret:Secret";
const USERS = '["alice:1001:1001", "bob:1002:1002"]';
const HUB = { jupyterUsers: USERS, jupyterHub: "true", jupyterHubAdmins: '["alice"]', namePrefix: "lab" };
const NOT_ASKED: HostFacts = { runDocker: () => ({ ok: false, error: "not asked" }) };

function run(config: Record<string, string>, host: HostFacts = NOT_ASKED, secretKeys: string[] = []): Promise<Run<any>> {
    return runWithMocks(config, () => deploy(loadSettings(undefined, {}, host)), secretKeys);
}

async function envOf(container: Declared): Promise<Record<string, string>> {
    const envs = (await valueOf(container.props.envs)) as unknown[];
    const pairs = await Promise.all(envs.map(e => valueOf(e as string)));
    return Object.fromEntries(pairs.map(p => [p!.slice(0, p!.indexOf("=")), p!.slice(p!.indexOf("=") + 1)]));
}

describe("a hub on one engine", () => {
    let r: Run<any>;
    let env: Record<string, string>;
    let config: any;
    beforeAll(async () => {
        r = await run(
            {
                ...HUB,
                jupyterUserDatabases: "own",
                jupyterUserEnv: '{"alice": {"WANDB_PROJECT": "alice-runs"}}',
                jupyterUserSecretEnv: '{"bob": {"HF_TOKEN": "hf_bob"}}',
            },
            NOT_ASKED,
            ["jupyterUserSecretEnv"],
        );
        expect(r.error).toBeUndefined();
        env = await envOf(one(r, CONTAINER, "workspace-hub"));
        config = JSON.parse(env.DSENV_HUB_CONFIG);
    });

    test("one hub container at jupyterHostPort instead of a notebook each; it talks to the engine's socket and keeps its state on a volume", async () => {
        const containers = byType(r, CONTAINER)
            .map(c => c.name)
            .sort();
        expect(containers).toEqual(["workspace-hub", "workspace-mysql"]);
        const hub = one(r, CONTAINER, "workspace-hub");
        expect(await valueOf(hub.props.name)).toBe("lab-jupyterhub");
        expect(await valueOf(hub.props.ports)).toEqual([{ internal: 8000, external: 8888, ip: "127.0.0.1", protocol: "tcp" }]);
        const mounts = await Promise.all(
            ((await valueOf(hub.props.mounts)) as any[]).map(async m => [m.type, await valueOf(m.source), m.target]),
        );
        expect(mounts).toEqual([
            ["bind", "/var/run/docker.sock", "/var/run/docker.sock"],
            ["volume", "lab-jupyterhub-state", "/srv/jupyterhub"],
        ]);
        expect(r.result.jupyterHubUrl).toBeDefined();
        expect(await valueOf(r.result.jupyterHubUrl)).toBe("http://127.0.0.1:8888/");
        expect(r.result.notebooks).toBeUndefined();
    });

    test("the hub is told how to run each user's server: their uid/gid, their database, their variables, the notebook image, the network", async () => {
        expect(config).toMatchObject({
            spawner: "docker",
            hubConnectHost: "lab-jupyterhub",
            network: "lab-net",
            serverName: "lab-jupyter-{username}",
            workVolume: "lab-jupyter-{username}-work",
            workDir: "/home/jovyan/work",
            userFolder: null,
            shmSizeMb: 2048,
            gpuCapable: false,
            engineGpus: [],
            idleMinutes: 60,
            admins: ["alice"],
            auth: { kind: "password" },
        });
        expect(config.image).toBe(await valueOf(r.result.jupyterImage));
        expect(config.users.alice).toEqual({
            uid: 1001,
            gid: 1001,
            constraint: null,
            gpus: 0,
            env: {
                WANDB_PROJECT: "alice-runs",
                MYSQL_HOST: "mysql",
                MYSQL_PORT: "3306",
                MYSQL_DATABASE: "analytics_alice",
                MYSQL_USER: "analyst_alice",
                NB_UID: "1001",
                NB_GID: "1001",
                CHOWN_HOME: "yes",
                CHOWN_HOME_OPTS: "-R",
            },
        });
        expect(config.users.bob.env).toMatchObject({ MYSQL_DATABASE: "analytics_bob", NB_UID: "1002" });
    });

    test("its secrets are one secret value: generated passwords, the cookie secret, the proxy token, each user's database password and secret variables", async () => {
        const hub = one(r, CONTAINER, "workspace-hub");
        const secretLeaves = (await leaves(hub.props.envs)).filter(l => l.value.startsWith("DSENV_HUB_SECRETS="));
        expect(secretLeaves.map(l => l.secret)).toEqual([true]);
        const secrets = JSON.parse(env.DSENV_HUB_SECRETS);
        expect(secrets.cookieSecret).toMatch(/^[0-9a-f]{64}$/);
        expect(secrets.proxyToken).toBe("secret-workspace-hub-proxy-token-xxxxxxxx");
        expect(secrets.passwords).toEqual({
            alice: "secret-workspace-hub-password-alice-xxxxxxxx",
            bob: "secret-workspace-hub-password-bob-xxxxxxxx",
        });
        expect(secrets.users.alice.secretEnv).toEqual({
            MYSQL_PASSWORD: "secret-workspace-mysql-account-alice-password-xxxxxxxx",
            DATABASE_URL: expect.stringContaining("analyst_alice:secret-workspace-mysql-account-alice-password"),
        });
        expect(secrets.users.bob.secretEnv).toMatchObject({ HF_TOKEN: "hf_bob" });
        // Nothing secret in the plain part.
        expect(env.DSENV_HUB_CONFIG).not.toMatch(/secret-|hf_bob/);
        expect(await isSecret(r.result.jupyterHubPasswords)).toBe(true);
        expect(await valueOf(r.result.jupyterHubPasswords)).toEqual(secrets.passwords);
    });

    test("the cookie secret is random bytes whose outputs the provider keeps secret", () => {
        const bytes = one(r, "random:index/randomBytes:RandomBytes", "workspace-hub-cookie-secret");
        expect(bytes.props.length).toBe(32);
    });
});

describe("a hub on a swarm", () => {
    const NODES = ["unix:///run/lab/n1.sock 10.0.0.11", "ssh://lab@gpu2 10.0.0.12", "ssh://lab@gpu3 10.0.0.13"];
    const capacity = [0, 1, 2];
    const swarmHost = nodesAdvertising(NODES, capacity, { advertise: "count" });
    let r: Run<any>;
    let config: any;
    beforeAll(async () => {
        r = await run(
            {
                ...HUB,
                target: "swarm",
                swarmNodes: JSON.stringify(NODES),
                registryServer: "http://10.0.0.11:5000",
                jupyterUsers: '["alice:1001:1001@2", "bob:1002:1002@2", "carol@1"]',
            },
            swarmHost,
        );
        expect(r.error).toBeUndefined();
        const spec = await valueOf(one(r, SERVICE, "workspace-hub").props.taskSpec);
        config = JSON.parse(((await valueOf((spec as any).containerSpec.env)) as any).DSENV_HUB_CONFIG);
    });

    test("the hub runs on the first node (a manager) through its socket, and reads its secrets from a Docker secret", async () => {
        const spec = (await valueOf(one(r, SERVICE, "workspace-hub").props.taskSpec)) as any;
        expect(await valueOf(spec.placement.constraints)).toEqual(["node.labels.dsenv.place.hub==true"]);
        const mounts = await Promise.all(
            ((await valueOf(spec.containerSpec.mounts)) as any[]).map(async m => [m.type, await valueOf(m.source), m.target]),
        );
        expect(mounts).toEqual([
            ["bind", "/run/lab/n1.sock", "/var/run/docker.sock"],
            ["volume", "lab-jupyterhub-state", "/srv/jupyterhub"],
        ]);
        const env = (await valueOf(spec.containerSpec.env)) as Record<string, string>;
        expect(env.DSENV_HUB_SECRETS_FILE).toBe("/run/secrets/dsenv_hub_secrets");
        expect(Object.keys(env)).not.toContain("DSENV_HUB_SECRETS");
        expect(await isSecret(one(r, SECRET, "workspace-hub-dsenv_hub_secrets").props.data)).toBe(true);
        const nodes = await valueOf(r.result.swarmNodes);
        expect((nodes as any[])[0].labels).toMatchObject({ "dsenv.place.hub": "true" });
    });

    test("each user's server is spawned as a service on their node, with a GPU of their own where it advertises one (auto), however many users share it", () => {
        expect(config.spawner).toBe("swarm");
        expect(config.users.alice).toMatchObject({ constraint: "node.labels.dsenv.place.user-alice==true", gpus: 1 });
        expect(config.users.bob).toMatchObject({ constraint: "node.labels.dsenv.place.user-bob==true", gpus: 1 });
        expect(config.users.carol).toMatchObject({ constraint: "node.labels.dsenv.place.user-carol==true", gpus: 0 });
        expect(config.gpuCapable).toBe(true);
        expect(config.engineGpus).toEqual([]);
    });

    test("no service for any user: the hub starts them", () => {
        expect(
            byType(r, SERVICE)
                .map(s => s.name)
                .sort(),
        ).toEqual(["workspace-hub", "workspace-mysql"]);
    });
});

describe("GPUs of their own on one GPU engine", () => {
    const fixture = (name: string) => fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8");
    const gpuHost = (indexes: string): HostFacts => ({
        runDocker: args =>
            args.includes("info")
                ? { ok: true, stdout: fixture("docker-info/nvidia-runtime.json") }
                : { ok: false, error: "No such image" },
        runHost: (_engine, script) => {
            if (script === FIND_HOOK_SCRIPT) return { ok: true, stdout: "/usr/bin/nvidia-container-runtime-hook\n" };
            if (script === DRIVER_SCRIPT) return { ok: true, stdout: fixture("nvidia-driver/proc-535.129.03.txt") };
            if (script.startsWith("nvidia-smi --query-gpu=index")) return { ok: true, stdout: indexes };
            return { ok: false, error: "unexpected script" };
        },
    });

    test("auto: one GPU each, handed out from the GPUs the machine lists, and said at up", async () => {
        const r = await runWithMocks(HUB, () => loadSettings(undefined, {}, gpuHost("0\n1\n")));
        expect(r.error).toBeUndefined();
        expect(r.result.jupyter.users.map((u: any) => u.gpus)).toEqual([{ count: 1 }, { count: 1 }]);
        expect(r.result.jupyter.hub?.engineGpus).toEqual(["0", "1"]);
        expect(r.result.workloads.notices).toContain(
            "dsenv:jupyterHub: each server gets 1 GPU of its own while it runs, from GPUs 0, 1; a spawn is refused while they are taken",
        );
    });

    test("a number more than the machine has is refused at preview; device= names the GPUs handed out one each; all is shared", async () => {
        const many = await runWithMocks({ ...HUB, jupyterGpus: "3" }, () => loadSettings(undefined, {}, gpuHost("0\n1\n")));
        expect(many.error?.message).toContain(
            'dsenv:jupyterGpus: got "3", expected at most 2 GPUs per server: the hub gives each server GPUs of its own from the 2 the machine has (0, 1)',
        );
        const devices = await runWithMocks({ ...HUB, jupyterGpus: "device=1" }, () => loadSettings(undefined, {}, gpuHost("0\n1\n")));
        expect(devices.result.jupyter.hub?.engineGpus).toEqual(["1"]);
        expect(devices.result.jupyter.users.map((u: any) => u.gpus)).toEqual([{ count: 1 }, { count: 1 }]);
        const all = await runWithMocks({ ...HUB, jupyterGpus: "all" }, () => loadSettings(undefined, {}, gpuHost("0\n1\n")));
        expect([all.result.jupyter.users[0].gpus, all.result.jupyter.hub?.engineGpus]).toEqual(["all", []]);
    });
});

describe("GPUs of their own on one Azure VM", () => {
    test("auto: one GPU each, from the GPUs of the VM size (no engine asked: the VM may not exist yet)", async () => {
        const azure = {
            ...azureStackConfig(),
        };
        const r = await runWithMocks({ ...HUB, ...azure, azureVmSize: "Standard_NC64as_T4_v3" }, () =>
            loadSettings(undefined, {}, NOT_ASKED),
        );
        expect(r.error).toBeUndefined();
        expect(r.result.jupyter.users.map((u: any) => u.gpus)).toEqual([{ count: 1 }, { count: 1 }]);
        expect(r.result.jupyter.hub?.engineGpus).toEqual(["0", "1", "2", "3"]);
    });
});

describe("the hub's keys are checked before anything is declared", () => {
    const errorOf = async (config: Record<string, string>, secretKeys: string[] = []) =>
        (await runWithMocks(config, () => loadSettings(undefined, {}, NOT_ASKED), secretKeys)).error?.message ?? "";

    test.each<[string, Record<string, string>, string]>([
        ["no users", { jupyterHub: "true" }, "dsenv:jupyterHub: got true, expected users to log in: list them in dsenv:jupyterUsers"],
        [
            "an admin who is not a user",
            { ...HUB, jupyterHubAdmins: '["mallory"]' },
            'dsenv:jupyterHubAdmins: got "mallory", expected names from dsenv:jupyterUsers (alice, bob)',
        ],
        [
            "a negative idle time",
            { ...HUB, jupyterHubIdleMinutes: "-5" },
            "dsenv:jupyterHubIdleMinutes: got -5, expected minutes from 1 to 10080 (a week), or 0 for never",
        ],
        [
            "an unknown way to log in",
            { ...HUB, jupyterHubAuth: "none" },
            'dsenv:jupyterHubAuth: got "none", expected one of password, github, entra',
        ],
        [
            "a folder without {username}",
            { ...HUB, jupyterHubUserFolder: "/mnt/nas/shared" },
            'dsenv:jupyterHubUserFolder: got "/mnt/nas/shared", expected an absolute host path with {username} in it',
        ],
        [
            "a folder with another field",
            { ...HUB, jupyterHubUserFolder: "/mnt/{group}/{username}" },
            "expected an absolute host path with {username} in it and no other {field}",
        ],
        [
            "a host work directory",
            { ...HUB, jupyterWorkDir: "/srv/work" },
            'dsenv:jupyterWorkDir: got "/srv/work", expected it unset with dsenv:jupyterHub',
        ],
        [
            "a hub key without the hub",
            { jupyterUsers: USERS, jupyterHubIdleMinutes: "30" },
            "dsenv:jupyterHubIdleMinutes: got 30, expected it unset, since dsenv:jupyterHub is off (it has no effect)",
        ],
        [
            "OAuth keys with passwords",
            { ...HUB, jupyterHubOAuthClientId: "abc" },
            'dsenv:jupyterHubOAuthClientId: got "abc", expected it unset, since dsenv:jupyterHubAuth is password, not github or entra',
        ],
        [
            "github without its app",
            { ...HUB, jupyterHubAuth: "github" },
            'dsenv:jupyterHubOAuthClientId: got "", expected the OAuth app\'s client id, with dsenv:jupyterHubAuth github',
        ],
        [
            "a callback that is not the hub's",
            {
                ...HUB,
                jupyterHubAuth: "github",
                jupyterHubOAuthClientId: "abc",
                jupyterHubOAuthCallbackUrl: "https://lab.example.org/callback",
            },
            'dsenv:jupyterHubOAuthCallbackUrl: got "https://lab.example.org/callback", expected the hub\'s address followed by /hub/oauth_callback',
        ],
        [
            "entra with a tenant that is not a GUID",
            {
                ...HUB,
                jupyterHubAuth: "entra",
                jupyterHubOAuthClientId: "abc",
                jupyterHubOAuthTenant: "contoso",
                jupyterHubOAuthCallbackUrl: "https://lab.example.org/hub/oauth_callback",
            },
            'dsenv:jupyterHubOAuthTenant: got "contoso", expected the Microsoft Entra tenant id, a GUID',
        ],
        [
            "a login mapped to someone not listed",
            {
                ...HUB,
                jupyterHubAuth: "github",
                jupyterHubOAuthClientId: "abc",
                jupyterHubOAuthCallbackUrl: "https://lab.example.org/hub/oauth_callback",
                jupyterHubLogins: '{"Alice-GH": "mallory"}',
            },
            'dsenv:jupyterHubLogins: got {"Alice-GH":"mallory"}, expected an object of the provider\'s user names and names from dsenv:jupyterUsers',
        ],
    ])("%s", async (_, config, message) => {
        expect(await errorOf(config)).toContain(message);
    });

    test("the OAuth client secret must be set, and set as a secret", async () => {
        const base = {
            ...HUB,
            jupyterHubAuth: "github",
            jupyterHubOAuthClientId: "abc",
            jupyterHubOAuthCallbackUrl: "https://lab.example.org/hub/oauth_callback",
        };
        expect(await errorOf(base)).toContain(
            'dsenv:jupyterHubOAuthClientSecret: got "", expected the OAuth app\'s client secret, with dsenv:jupyterHubAuth github: pulumi config set --secret',
        );
        expect(await errorOf({ ...base, jupyterHubOAuthClientSecret: "s3cr3t" })).toContain(
            "dsenv:jupyterHubOAuthClientSecret: got [secret] in plain text, expected a secret",
        );
        expect(await errorOf({ ...base, jupyterHubOAuthClientSecret: "s3cr3t" }, ["jupyterHubOAuthClientSecret"])).toBe("");
    });
});

describe("OAuth through Microsoft Entra ID", () => {
    test("the hub is told the app and the tenant in plain, the client secret only in its secrets", async () => {
        const r = await run(
            {
                ...HUB,
                jupyterHubAuth: "entra",
                jupyterHubOAuthClientId: "0f1e2d3c-aaaa-bbbb-cccc-111122223333",
                jupyterHubOAuthTenant: "72f988bf-86f1-41af-91ab-2d7cd011db47",
                jupyterHubOAuthCallbackUrl: "https://lab.example.org/hub/oauth_callback",
                jupyterHubOAuthClientSecret: "entra-client-secret",
                jupyterHubLogins: '{"alice@contoso.com": "alice"}',
            },
            NOT_ASKED,
            ["jupyterHubOAuthClientSecret"],
        );
        expect(r.error).toBeUndefined();
        const env = await envOf(one(r, CONTAINER, "workspace-hub"));
        const config = JSON.parse(env.DSENV_HUB_CONFIG);
        expect(config.auth).toEqual({
            kind: "entra",
            clientId: "0f1e2d3c-aaaa-bbbb-cccc-111122223333",
            tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
            callbackUrl: "https://lab.example.org/hub/oauth_callback",
        });
        expect(config.logins).toEqual({ "alice@contoso.com": "alice" });
        expect(env.DSENV_HUB_CONFIG).not.toContain("entra-client-secret");
        expect(JSON.parse(env.DSENV_HUB_SECRETS)).toMatchObject({ oauthClientSecret: "entra-client-secret", passwords: {} });
        expect(byType(r, "random:index/randomPassword:RandomPassword").map(p => p.name)).not.toContain("workspace-hub-password-alice");
        expect(r.result.jupyterHubPasswords).toBeUndefined();
    });
});
