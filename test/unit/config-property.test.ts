import fc from "fast-check";
import { AZURE_DEFAULTS } from "../../config/azure-defaults";
import { ConfigKey, DEFAULTS } from "../../config/defaults";
import { loadSettings } from "../../settings/load";
import { ConfigError } from "../../config/reader";
import { HostFacts } from "../../workloads/read";
import { WORKLOAD_DEFAULTS } from "../../config/workload-defaults";
import { deploy } from "../../targets";
import "./azure-mocks";
import { leaves, runWithMocks } from "./harness";
import { privateKeyFile, sshPublicKeyLine } from "./ssh-keys";

// Whatever a stack sets, the program either runs or stops with a ConfigError
// before declaring anything: never a crash, never half a graph, never a secret
// in the message. Values are generated for every key Pulumi.yaml declares.
jest.setTimeout(240_000);

const KEYS = Object.keys(DEFAULTS) as ConfigKey[];
/** An engine with the NVIDIA runtime, so GPU requests go as far as they can. */
const HOST: HostFacts = { runDocker: () => ({ ok: true, stdout: '{"Runtimes":{"nvidia":{},"runc":{}}}' }), user: { uid: 1000, gid: 1000 } };
/** A valid Azure base, so that Azure keys are read on the azure target. */
const AZURE = {
    target: "azure",
    azureSshPublicKey: sshPublicKeyLine(),
    azureSshPrivateKeyPath: privateKeyFile(),
    azureAllowedCidrs: '["10.20.30.40/32"]',
    azureRegistryName: "dsenvprop01",
};
const PASSWORD_MARK = "S3cr3tMark";

/** Values users and attackers write: edges of every rule's class, and anything at all. */
const nasty = fc.constantFrom(
    "",
    " ",
    "\u0000",
    "\r\n",
    "\u001b[31m",
    "/dev/zero",
    "/proc/self/environ",
    "/etc",
    "/",
    "~",
    "~/",
    "../..",
    "::",
    "0.0.0.0",
    "::ffff:0.0.0.0",
    "fe80::1%eth0",
    "-1",
    "0",
    "1",
    "65536",
    "99999999999999999999",
    "1e3",
    "true",
    "null",
    "[]",
    "{}",
    '["a"]',
    "[1]",
    '[""]',
    "all",
    "2",
    "device=0,1",
    '"device=0,1"',
    "ssh://x@[::1]:22",
    "tcp://h:0",
    "http://u:p@h:3128",
    "http://[::1]:99999",
    "mysql",
    "root",
    "a".repeat(300),
    "${HOME}",
    "$(id)",
    "Standard_NC4as_T4_v3",
    "0.0.0.0/0",
    '["0.0.0.0/1","128.0.0.0/1"]',
    "ssh-rsa AAAA",
    "-----BEGIN OPENSSH PRIVATE KEY-----",
);
const anyValue = fc.oneof(
    nasty,
    fc.string(),
    fc.string({ unit: "grapheme" }),
    fc.integer().map(String),
    fc.array(fc.oneof(nasty, fc.string()), { maxLength: 3 }).map(a => JSON.stringify(a)),
);

/** What makes a key read at all: its workload on, or the azure target. */
function contextOf(key: ConfigKey): Record<string, string> {
    if (key in AZURE_DEFAULTS) return AZURE;
    const workload = ["rstudio", "pytorch", "lab", "site", "app"].find(w => key.startsWith(w));
    if (workload && key in WORKLOAD_DEFAULTS)
        return { [`${workload}Enabled`]: "true", ...(workload === "rstudio" ? { rstudioDownloadUrl: "https://example.com/r.deb" } : {}) };
    return {};
}

/** The same machine with the project outside git: what a target needs of it (ci-push's commit tag) is config too. */
const OUTSIDE_GIT: HostFacts = { ...HOST, projectCommit: () => undefined };

async function expectConfigErrorOrRun(config: Record<string, string>, host = HOST): Promise<void> {
    const secretKeys = "registryPassword" in config ? ["registryPassword"] : [];
    const run = await runWithMocks(config, () => deploy(loadSettings(undefined, {}, host)), secretKeys);
    if (run.error === undefined) return;
    expect([run.error.name, run.error instanceof ConfigError]).toEqual(["ConfigError", true]);
    expect(run.declared).toEqual([]);
    expect([...run.inputs.keys()].filter(n => !n.startsWith("dsenv-"))).toEqual([]);
    expect(run.error.message).not.toContain(PASSWORD_MARK);
}

describe("generated config: a ConfigError and nothing declared, or a run", () => {
    test.each(KEYS)("%s", async key => {
        await fc.assert(
            fc.asyncProperty(anyValue, async value => {
                const password: Record<string, string> = key === "registryPassword" ? { registryPassword: `${PASSWORD_MARK}${value}` } : {};
                await expectConfigErrorOrRun({ ...contextOf(key), [key]: value, ...password });
            }),
            { numRuns: 8 },
        );
    });

    test.each(["ci-push", "local", "swarm", "azure"])("target %s outside a git checkout", async target => {
        await fc.assert(
            fc.asyncProperty(fc.dictionary(fc.constantFrom(...KEYS), anyValue, { maxKeys: 4 }), async values => {
                await expectConfigErrorOrRun(
                    { ...(target === "azure" ? AZURE : {}), ...values, target, azureRegistryName: "dsenvprop01" },
                    OUTSIDE_GIT,
                );
            }),
            { numRuns: 10 },
        );
    });

    test("many keys at once, a secret among them", async () => {
        const config = fc.dictionary(fc.constantFrom(...KEYS), anyValue, { maxKeys: 12 });
        await fc.assert(
            fc.asyncProperty(config, fc.string(), fc.boolean(), async (values, password, inGit) => {
                await expectConfigErrorOrRun(
                    {
                        ...values,
                        registryServer: "127.0.0.1:5000",
                        registryUsername: "ci",
                        registryPassword: `${PASSWORD_MARK}${password}`,
                    },
                    inGit ? HOST : OUTSIDE_GIT,
                );
            }),
            { numRuns: 60 },
        );
    });

    test("the notebooks' own variables: any names and values, secret ones never shown nor plain in a declared input", async () => {
        // Mostly what a user would write, so that many runs get through; the rest anything.
        const name = fc.oneof(
            { arbitrary: fc.constantFrom("HF_TOKEN", "WANDB_API_KEY", "A", "x_1"), weight: 6 },
            nasty,
            fc.string(),
            fc.constantFrom("hf_token", "JUPYTER_TOKEN", "DATA_FILE", "PATH"),
        );
        const plainValue = fc.oneof(
            { arbitrary: fc.string(), weight: 6 },
            fc.integer(),
            fc.boolean(),
            fc.constant(null),
            fc.double(),
            fc.array(fc.string(), { maxLength: 2 }),
        );
        const marked = fc.string().map(v => `${PASSWORD_MARK}${v}`);
        const secretValue = fc.oneof({ arbitrary: marked, weight: 6 }, fc.array(marked, { maxLength: 2 }), fc.constant(null));
        const users = (vars: fc.Arbitrary<Record<string, unknown>>) =>
            fc.dictionary(fc.oneof({ arbitrary: fc.constantFrom("alice", "bob"), weight: 6 }, fc.constant("carol")), vars, { maxKeys: 2 });
        const plain = fc.dictionary(name, plainValue, { maxKeys: 2 });
        const secret = fc.dictionary(name, secretValue, { maxKeys: 2 });
        await fc.assert(
            fc.asyncProperty(plain, secret, users(plain), users(secret), async (env, secretEnv, userEnv, userSecretEnv) => {
                const config = {
                    jupyterUsers: '["alice", "bob"]',
                    jupyterEnv: JSON.stringify(env),
                    jupyterSecretEnv: JSON.stringify(secretEnv),
                    jupyterUserEnv: JSON.stringify(userEnv),
                    jupyterUserSecretEnv: JSON.stringify(userSecretEnv),
                };
                const run = await runWithMocks(config, () => deploy(loadSettings(undefined, {}, HOST)), [
                    "jupyterSecretEnv",
                    "jupyterUserSecretEnv",
                ]);
                if (run.error !== undefined) {
                    expect([run.error.name, run.declared]).toEqual(["ConfigError", []]);
                    expect(run.error.message).not.toContain(PASSWORD_MARK);
                    return;
                }
                for (const d of run.declared)
                    for (const leaf of await leaves(d.props))
                        if (leaf.value.includes(PASSWORD_MARK)) expect([d.name, leaf.path, leaf.secret]).toEqual([d.name, leaf.path, true]);
            }),
            { numRuns: 60 },
        );
    });
});
