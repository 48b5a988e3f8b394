import { NOTEBOOK_RESERVED_ENV } from "../../components/jupyter";
import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { byType, configProblem, Declared, isSecret, leaves, one, Run, runWithMocks, valueOf } from "./harness";

// The user's own variables in the notebooks (jupyterEnv, jupyterSecretEnv,
// jupyterUserEnv, jupyterUserSecretEnv) under mocks: plain ones as plain
// environment, secret ones secret wherever they are carried (the container's
// env on one engine, a Docker secret on a swarm), each user's over the shared
// ones, and every bad name or value refused before anything is declared.

const CONTAINER = "docker:index/container:Container";
const SERVICE = "docker:index/service:Service";
const SECRET = "docker:index/secret:Secret";
const MARK = "hf_S3cr3tMark";
const SWARM_NODES = JSON.stringify(["unix:///run/lab/n1.sock 10.0.0.11", "ssh://lab@gpu2 10.0.0.12"]);
const NOT_ASKED = { runDocker: () => ({ ok: false as const, error: "not asked" }) };

function run(config: Record<string, string>, secretKeys: string[] = []): Promise<Run<any>> {
    return runWithMocks(config, () => deploy(loadSettings(undefined, {}, NOT_ASKED)), secretKeys);
}

async function envOf(container: Declared): Promise<Record<string, string>> {
    const envs = (await valueOf(container.props.envs)) as unknown[];
    const pairs = await Promise.all(envs.map(e => valueOf(e as string)));
    return Object.fromEntries(pairs.map(p => [p!.slice(0, p!.indexOf("=")), p!.slice(p!.indexOf("=") + 1)]));
}

/** Each env entry of a container, NAME -> whether it is secret. */
async function envSecrecy(container: Declared): Promise<Record<string, boolean>> {
    const envs = (await valueOf(container.props.envs)) as unknown[];
    return Object.fromEntries(
        await Promise.all(envs.map(async e => [((await valueOf(e as string)) as string).split("=")[0], await isSecret(e)])),
    );
}

async function serviceEnv(r: Run<unknown>, name: string): Promise<Record<string, string>> {
    return (await valueOf((await valueOf(one(r, SERVICE, name).props.taskSpec)).containerSpec.env)) as Record<string, string>;
}

/** No input of any resource and no stack output holds `mark` unless it is secret there. */
async function expectOnlySecret(r: Run<any>, mark: string): Promise<number> {
    let carried = 0;
    for (const d of r.declared) {
        for (const leaf of await leaves(d.props)) {
            if (!leaf.value.includes(mark) && !Buffer.from(leaf.value, "base64").toString().includes(mark)) continue;
            expect([d.name, leaf.path, leaf.secret]).toEqual([d.name, leaf.path, true]);
            carried++;
        }
    }
    for (const leaf of await leaves(r.result)) if (leaf.value.includes(mark)) expect([leaf.path, leaf.secret]).toEqual([leaf.path, true]);
    return carried;
}

describe("the workspace's notebook on one engine", () => {
    let r: Run<any>;
    beforeAll(async () => {
        r = await run(
            { jupyterEnv: '{"WANDB_PROJECT":"demo","BATCH":32,"DEBUG":true,"EMPTY":""}', jupyterSecretEnv: `{"HF_TOKEN":"${MARK}"}` },
            ["jupyterSecretEnv"],
        );
        expect(r.error).toBeUndefined();
    });

    test("plain values are plain env (an integer or boolean as written), secret ones secret env, beside dsenv's own", async () => {
        const notebook = one(r, CONTAINER, "workspace-jupyter");
        expect(await envOf(notebook)).toMatchObject({
            WANDB_PROJECT: "demo",
            BATCH: "32",
            DEBUG: "true",
            EMPTY: "",
            HF_TOKEN: MARK,
            MYSQL_HOST: "mysql",
        });
        expect(await envSecrecy(notebook)).toMatchObject({ WANDB_PROJECT: false, BATCH: false, HF_TOKEN: true, JUPYTER_TOKEN: true });
    });

    test("the secret is carried by the notebook only, and secret wherever it is", async () => {
        expect(await expectOnlySecret(r, MARK)).toBe(1);
        expect(one(r, CONTAINER, "workspace-jupyter").opts.additionalSecretOutputs).toContain("envs");
    });

    test("MySQL gets none of them", async () => {
        expect(Object.keys(await envOf(one(r, CONTAINER, "workspace-mysql")))).not.toEqual(expect.arrayContaining(["WANDB_PROJECT"]));
    });
});

describe("per-user notebooks: each user's variables over the shared ones", () => {
    const config = {
        jupyterUsers: '["alice", "bob"]',
        jupyterEnv: '{"WANDB_PROJECT":"shared","HF_HOME":"/data/hf"}',
        jupyterSecretEnv: `{"HF_TOKEN":"${MARK}-shared"}`,
        jupyterUserEnv: '{"alice":{"WANDB_PROJECT":"alice-proj"}}',
        jupyterUserSecretEnv: `{"bob":{"HF_TOKEN":"${MARK}-bob","AWS_SECRET_ACCESS_KEY":"${MARK}-aws"}}`,
    };
    let r: Run<any>;
    beforeAll(async () => {
        r = await run(config, ["jupyterSecretEnv", "jupyterUserSecretEnv"]);
        expect(r.error).toBeUndefined();
    });

    test("alice: her plain value replaces the shared one; the shared secret", async () => {
        const env = await envOf(one(r, CONTAINER, "workspace-jupyter-alice"));
        expect(env).toMatchObject({ WANDB_PROJECT: "alice-proj", HF_HOME: "/data/hf", HF_TOKEN: `${MARK}-shared` });
        expect(env).not.toHaveProperty("AWS_SECRET_ACCESS_KEY");
    });

    test("bob: the shared plain values; his secrets, one replacing the shared one", async () => {
        const bob = one(r, CONTAINER, "workspace-jupyter-bob");
        expect(await envOf(bob)).toMatchObject({
            WANDB_PROJECT: "shared",
            HF_HOME: "/data/hf",
            HF_TOKEN: `${MARK}-bob`,
            AWS_SECRET_ACCESS_KEY: `${MARK}-aws`,
        });
        expect(await envSecrecy(bob)).toMatchObject({ HF_TOKEN: true, AWS_SECRET_ACCESS_KEY: true, WANDB_PROJECT: false });
    });

    test("no secret value is plain anywhere", async () => {
        // The shared token in alice's notebook; bob's token and key in his.
        expect(await expectOnlySecret(r, MARK)).toBe(3);
    });
});

describe("on a swarm, a user's secrets are Docker secrets, named by *_FILE", () => {
    let r: Run<any>;
    beforeAll(async () => {
        r = await run(
            {
                target: "swarm",
                swarmNodes: SWARM_NODES,
                registryServer: "http://10.0.0.11:5000",
                namePrefix: "p",
                jupyterUsers: '["alice@2", "bob"]',
                jupyterUserEnv: '{"alice":{"WANDB_PROJECT":"alice-proj"}}',
                jupyterUserSecretEnv: `{"alice":{"HF_TOKEN":"${MARK}"}}`,
            },
            ["jupyterUserSecretEnv"],
        );
        expect(r.error).toBeUndefined();
    });

    test("the plain value is in the service's env; the secret only as a file", async () => {
        const env = await serviceEnv(r, "workspace-jupyter-alice");
        expect(env).toMatchObject({ WANDB_PROJECT: "alice-proj", HF_TOKEN_FILE: "/run/secrets/hf_token" });
        expect(env).not.toHaveProperty("HF_TOKEN");
        expect(await serviceEnv(r, "workspace-jupyter-bob")).not.toHaveProperty("HF_TOKEN_FILE");
    });

    test("the Docker secret holds the value, secret, and the service mounts it", async () => {
        const secret = one(r, SECRET, "workspace-jupyter-alice-hf_token");
        expect(await isSecret(secret.props.data)).toBe(true);
        expect(Buffer.from((await valueOf(secret.props.data)) as string, "base64").toString()).toBe(MARK);
        const mounted = (await valueOf(
            (await valueOf(one(r, SERVICE, "workspace-jupyter-alice").props.taskSpec)).containerSpec.secrets,
        )) as { fileName: string }[];
        expect(mounted.map(s => s.fileName)).toContain("hf_token");
        expect(
            byType(r, SECRET)
                .filter(s => s.name.startsWith("workspace-jupyter-bob-"))
                .map(s => s.name),
        ).not.toContain("workspace-jupyter-bob-hf_token");
        await expectOnlySecret(r, MARK);
    });
});

test("on a swarm, a long variable name still makes a Docker secret name Docker takes (64 characters at most), one per variable", async () => {
    const long = "AZURE_STORAGE_CONNECTION_STRING_FOR_THE_TEAM_BUCKET";
    const r = await run(
        {
            target: "swarm",
            swarmNodes: SWARM_NODES,
            registryServer: "http://10.0.0.11:5000",
            namePrefix: "a-long-name-prefix-for-the-lab",
            jupyterUsers: '["alice-with-a-long-name@2"]',
            jupyterSecretEnv: `{"${long}_1":"${MARK}","${long}_2":"${MARK}"}`,
        },
        ["jupyterSecretEnv"],
    );
    expect(r.error).toBeUndefined();
    const names = await Promise.all(byType(r, SECRET).map(d => valueOf(d.props.name) as Promise<string>));
    // MySQL's two; the notebook's token, database password and URL, and the two long ones.
    expect(names.length).toBe(7);
    for (const name of names)
        expect([name, name.length <= 64, /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9]$/.test(name)]).toEqual([name, true, true]);
    expect(new Set(names).size).toBe(7);
    expect(names.filter(n => n.startsWith("a-long-name-prefix-for-the-lab-jupyter-"))).toHaveLength(5);
});

describe("NOTEBOOK_RESERVED_ENV names every variable dsenv sets in a notebook", () => {
    /** The env names of every notebook in a run, without the _FILE of a swarm's secrets. */
    async function notebookEnvNames(r: Run<any>): Promise<string[]> {
        const names: string[] = [];
        for (const d of r.declared.filter(d => d.name.startsWith("workspace-jupyter") && (d.type === CONTAINER || d.type === SERVICE))) {
            const env = d.type === CONTAINER ? await envOf(d) : await serviceEnv(r, d.name);
            names.push(...Object.keys(env).map(n => n.replace(/_FILE$/, "")));
        }
        return names;
    }

    test.each<[string, Record<string, string>]>([
        ["the workspace's notebook", {}],
        ["users' notebooks with their own databases", { jupyterUsers: '["alice:1001:1001"]', jupyterUserDatabases: "own" }],
        [
            "users' notebooks on a swarm",
            { target: "swarm", swarmNodes: SWARM_NODES, registryServer: "http://10.0.0.11:5000", jupyterUsers: '["alice@2"]' },
        ],
    ])("%s", async (_, config) => {
        const r = await run(config);
        expect(r.error).toBeUndefined();
        const names = await notebookEnvNames(r);
        expect(names.length).toBeGreaterThan(4);
        for (const name of names) expect([name, NOTEBOOK_RESERVED_ENV.includes(name)]).toEqual([name, true]);
    });
});

describe("bad names and values are refused before any resource, naming key, value and what is accepted", () => {
    async function rejected(config: Record<string, string>, secretKeys: string[] = []): Promise<string> {
        const r = await run(config, secretKeys);
        expect(r.declared).toEqual([]);
        expect(r.error?.name).toBe("ConfigError");
        expect(r.error!.message).not.toContain(MARK);
        return r.error!.message;
    }
    const RESERVED = `a name dsenv does not set itself (${NOTEBOOK_RESERVED_ENV.join(", ")}, in any case)`;
    const VALUE =
        "a string (an integer or true/false is taken as written; quote anything else: pulumi config set --path --type string ...)";
    const USERS = { jupyterUsers: '["alice", "bob"]' };

    test.each<[string, Record<string, string>, string]>([
        [
            "a name dsenv sets",
            { jupyterEnv: '{"MYSQL_HOST":"elsewhere"}' },
            `dsenv:jupyterEnv: got {"MYSQL_HOST":"elsewhere"}, expected ${RESERVED}; got the name "MYSQL_HOST"`,
        ],
        [
            "a name the start script reads",
            { jupyterEnv: '{"GRANT_SUDO":"yes"}' },
            `dsenv:jupyterEnv: got {"GRANT_SUDO":"yes"}, expected ${RESERVED}; got the name "GRANT_SUDO"`,
        ],
        [
            "the NVIDIA runtime's",
            { jupyterEnv: '{"NVIDIA_VISIBLE_DEVICES":"all"}' },
            `dsenv:jupyterEnv: got {"NVIDIA_VISIBLE_DEVICES":"all"}, expected ${RESERVED}; got the name "NVIDIA_VISIBLE_DEVICES"`,
        ],
        [
            "a name ending in _FILE",
            { jupyterEnv: '{"DATA_FILE":"/x"}' },
            'dsenv:jupyterEnv: got {"DATA_FILE":"/x"}, expected a name that does not end in _FILE (the notebook image reads VAR_FILE as the file holding VAR); got the name "DATA_FILE"',
        ],
        [
            "no variable name",
            { jupyterEnv: '{"MY-VAR":"x"}' },
            'dsenv:jupyterEnv: got {"MY-VAR":"x"}, expected an environment variable name: letters, digits and underscores, not starting with a digit; got the name "MY-VAR"',
        ],
        [
            "an object as a value",
            { jupyterEnv: '{"OPTS":{"a":1}}' },
            `dsenv:jupyterEnv: got {"OPTS":{"a":1}}, expected ${VALUE} as the value of OPTS, without NUL characters`,
        ],
        [
            "a fraction (stored typed only by hand)",
            { jupyterEnv: '{"RATE":1.5}' },
            `dsenv:jupyterEnv: got {"RATE":1.5}, expected ${VALUE} as the value of RATE, without NUL characters`,
        ],
        [
            "null",
            { jupyterEnv: '{"X":null}' },
            `dsenv:jupyterEnv: got {"X":null}, expected ${VALUE} as the value of X, without NUL characters`,
        ],
        [
            "a list for the whole key",
            { jupyterEnv: '["A=b"]' },
            "dsenv:jupyterEnv: got [\"A=b\"], expected an object of variable names and values (pulumi config set --path 'dsenv:jupyterEnv.NAME' value)",
        ],
        [
            "two names that differ only in case",
            { jupyterEnv: '{"Foo":"1","FOO":"2"}' },
            'dsenv:jupyterEnv: got {"FOO":"2"}, expected names that differ in more than case ("Foo" and "FOO")',
        ],
        [
            "a user that is not in jupyterUsers",
            { ...USERS, jupyterUserEnv: '{"carol":{"A":"b"}}' },
            'dsenv:jupyterUserEnv: got {"carol":{"A":"b"}}, expected users of dsenv:jupyterUsers (alice, bob); got the user "carol"',
        ],
        [
            "user variables without users",
            { jupyterUserEnv: '{"alice":{"A":"b"}}' },
            'dsenv:jupyterUserEnv: got {"alice":{"A":"b"}}, expected it unset, since dsenv:jupyterUsers is empty (got the user "alice")',
        ],
        [
            "a user's reserved name",
            { ...USERS, jupyterUserEnv: '{"bob":{"jupyter_token":"x"}}' },
            `dsenv:jupyterUserEnv: got {"bob":{"jupyter_token":"x"}}, expected ${RESERVED}; got the name "jupyter_token"`,
        ],
        [
            "a user's name in another case than the shared one",
            { ...USERS, jupyterEnv: '{"HF_HOME":"/a"}', jupyterUserEnv: '{"bob":{"hf_home":"/b"}}' },
            'dsenv:jupyterUserEnv: got {"bob":{"hf_home":"/b"}}, expected HF_HOME for bob, as dsenv:jupyterEnv spells it (a name that differs only in case is another variable); got hf_home',
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test.each<[string, Record<string, string>, string[], string]>([
        [
            "a secret value stored in plain text",
            { jupyterSecretEnv: `{"HF_TOKEN":"${MARK}"}` },
            [],
            "dsenv:jupyterSecretEnv: got [secret], expected values set with --secret: pulumi config set --secret --path 'dsenv:jupyterSecretEnv.NAME' value",
        ],
        [
            "a plain key stored as a secret",
            { jupyterEnv: `{"HF_TOKEN":"${MARK}"}` },
            ["jupyterEnv"],
            "dsenv:jupyterEnv: got [secret], expected plain values only; secret ones go in dsenv:jupyterSecretEnv",
        ],
        [
            "a name both plain and secret",
            { jupyterEnv: '{"HF_TOKEN":"x"}', jupyterSecretEnv: `{"HF_TOKEN":"${MARK}"}` },
            ["jupyterSecretEnv"],
            "dsenv:jupyterSecretEnv: got [secret], expected names that are not both plain and secret: HF_TOKEN is in dsenv:jupyterEnv too",
        ],
        [
            "a secret's reserved name, its value unseen",
            { jupyterSecretEnv: `{"MYSQL_PASSWORD":"${MARK}"}` },
            ["jupyterSecretEnv"],
            `dsenv:jupyterSecretEnv: got [secret], expected ${RESERVED}; got the name "MYSQL_PASSWORD"`,
        ],
        [
            "a secret that is no string",
            { jupyterSecretEnv: `{"KEY":["${MARK}"]}` },
            ["jupyterSecretEnv"],
            `dsenv:jupyterSecretEnv: got [secret], expected ${VALUE} as the value of KEY, without NUL characters`,
        ],
        [
            "a user's secret that is plain in the shared key",
            { ...USERS, jupyterEnv: '{"WANDB_API_KEY":"x"}', jupyterUserSecretEnv: `{"alice":{"WANDB_API_KEY":"${MARK}"}}` },
            ["jupyterUserSecretEnv"],
            "dsenv:jupyterUserSecretEnv: got [secret], expected names that are not both plain and secret for alice: WANDB_API_KEY is in dsenv:jupyterEnv too",
        ],
        [
            "a user's secret for someone unknown",
            { ...USERS, jupyterUserSecretEnv: `{"mallory":{"K":"${MARK}"}}` },
            ["jupyterUserSecretEnv"],
            'dsenv:jupyterUserSecretEnv: got [secret], expected users of dsenv:jupyterUsers (alice, bob); got the user "mallory"',
        ],
    ])("%s", async (_, config, secretKeys, message) => {
        expect(await rejected(config, secretKeys)).toBe(configProblem(message));
    });
});
