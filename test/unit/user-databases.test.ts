import { loadSettings } from "../../settings/load";
import { deploy } from "../../targets";
import { byType, configProblem, Declared, isSecret, leaves, one, Run, runWithMocks, valueOf } from "./harness";

// dsenv:jupyterUserDatabases under mocks: with `own`, each user's notebook is
// handed a database and a MySQL account of their own, whose generated
// password travels as a secret (a Docker secret on a swarm) to both MySQL and
// that notebook only; with `shared`, the graph is the one without the key.

const CONTAINER = "docker:index/container:Container";
const SERVICE = "docker:index/service:Service";
const SECRET = "docker:index/secret:Secret";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const USERS = '["alice:1001", "bob-x"]';

function run(config: Record<string, string>): Promise<Run<any>> {
    return runWithMocks(config, () => deploy(loadSettings(undefined, {})));
}

async function envOf(container: Declared): Promise<Record<string, string>> {
    const envs = (await valueOf(container.props.envs)) as unknown[];
    const pairs = await Promise.all(envs.map(e => valueOf(e as string)));
    return Object.fromEntries(pairs.map(p => [p!.slice(0, p!.indexOf("=")), p!.slice(p!.indexOf("=") + 1)]));
}

const pw = (name: string) => `secret-${name}-xxxxxxxx`;

describe("own databases on one engine", () => {
    let r: Run<any>;
    beforeAll(async () => {
        r = await run({ jupyterUsers: USERS, jupyterUserDatabases: "own" });
        expect(r.error).toBeUndefined();
    });

    test("one generated password per account, besides root's and the workspace user's", () => {
        expect(
            byType(r, PASSWORD)
                .map(d => d.name)
                .sort(),
        ).toEqual([
            "workspace-jupyter-alice-token",
            "workspace-jupyter-bob-x-token",
            "workspace-mysql-account-alice-password",
            "workspace-mysql-account-bob-x-password",
            "workspace-mysql-password",
            "workspace-mysql-root-password",
        ]);
        for (const p of byType(r, PASSWORD)) expect([p.name, p.props.special, p.props.length >= 32]).toEqual([p.name, false, true]);
    });

    test("each notebook is handed its user's own database and account, '-' in the name as '_'", async () => {
        expect(await envOf(one(r, CONTAINER, "workspace-jupyter-alice"))).toMatchObject({
            MYSQL_HOST: "mysql",
            MYSQL_PORT: "3306",
            MYSQL_DATABASE: "analytics_alice",
            MYSQL_USER: "analyst_alice",
            MYSQL_PASSWORD: pw("workspace-mysql-account-alice-password"),
            DATABASE_URL: `mysql+pymysql://analyst_alice:${pw("workspace-mysql-account-alice-password")}@mysql:3306/analytics_alice`,
        });
        expect(await envOf(one(r, CONTAINER, "workspace-jupyter-bob-x"))).toMatchObject({
            MYSQL_DATABASE: "analytics_bob_x",
            MYSQL_USER: "analyst_bob_x",
            MYSQL_PASSWORD: pw("workspace-mysql-account-bob-x-password"),
            DATABASE_URL: `mysql+pymysql://analyst_bob_x:${pw("workspace-mysql-account-bob-x-password")}@mysql:3306/analytics_bob_x`,
        });
    });

    test("MySQL keeps the workspace's database and user, and is given every account with its password", async () => {
        const mysql = one(r, CONTAINER, "workspace-mysql");
        expect(await envOf(mysql)).toEqual({
            MYSQL_DATABASE: "analytics",
            MYSQL_USER: "analyst",
            MYSQL_ROOT_PASSWORD: pw("workspace-mysql-root-password"),
            MYSQL_PASSWORD: pw("workspace-mysql-password"),
            DSENV_ACCOUNTS: "analytics_alice:analyst_alice analytics_bob_x:analyst_bob_x",
            DSENV_ACCOUNT_0_PASSWORD: pw("workspace-mysql-account-alice-password"),
            DSENV_ACCOUNT_1_PASSWORD: pw("workspace-mysql-account-bob-x-password"),
        });
        const script = mysql.props.entrypoints[2] as string;
        expect(script).toContain('accounts_sql >>"$f"');
        expect(script).toContain('accounts_sql >"$initdb"');
        expect(script).toMatch(/exec docker-entrypoint.sh "\$@"$/);
    });

    test("no account password is in a plain input; each is secret where it is carried (MySQL and its user's notebook only)", async () => {
        const accountPasswords = [pw("workspace-mysql-account-alice-password"), pw("workspace-mysql-account-bob-x-password")];
        const carriers: string[] = [];
        for (const d of r.declared) {
            for (const leaf of await leaves(d.props)) {
                const which = accountPasswords.find(p => leaf.value.includes(p));
                if (!which) continue;
                expect([d.name, leaf.path, leaf.secret]).toEqual([d.name, leaf.path, true]);
                carriers.push(`${d.name} ${which.includes("alice") ? "alice" : "bob-x"}`);
            }
        }
        // MySQL: its DSENV_ACCOUNT_<i>_PASSWORD; a notebook: MYSQL_PASSWORD and DATABASE_URL.
        expect(carriers.sort()).toEqual([
            "workspace-jupyter-alice alice",
            "workspace-jupyter-alice alice",
            "workspace-jupyter-bob-x bob-x",
            "workspace-jupyter-bob-x bob-x",
            "workspace-mysql alice",
            "workspace-mysql bob-x",
        ]);
    });

    test("the notebooks output names each user's database, in plain text, and no password", async () => {
        const notebooks = r.result.notebooks;
        expect(notebooks.alice.database).toBe("analytics_alice");
        expect(notebooks["bob-x"].database).toBe("analytics_bob_x");
        for (const leaf of await leaves(notebooks)) {
            expect(leaf.secret).toBe(false);
            expect(leaf.value).not.toMatch(/secret-/);
        }
        expect(await isSecret(r.result.notebookLoginUrls)).toBe(true);
    });
});

describe("own databases on a swarm", () => {
    const NODES = ["unix:///run/lab/n1.sock 10.0.0.11", "ssh://lab@gpu2 10.0.0.12"];
    let r: Run<any>;
    beforeAll(async () => {
        r = await runWithMocks(
            {
                target: "swarm",
                swarmNodes: JSON.stringify(NODES),
                registryServer: "http://10.0.0.11:5000",
                namePrefix: "p",
                jupyterUsers: '["alice@2", "bob"]',
                jupyterUserDatabases: "own",
            },
            () => deploy(loadSettings(undefined, {}, { runDocker: () => ({ ok: false, error: "not asked" }) })),
        );
        expect(r.error).toBeUndefined();
    });

    test("the accounts' passwords reach MySQL and each notebook as Docker secrets, named by *_FILE", async () => {
        const mysqlEnv = await valueOf((await valueOf(one(r, SERVICE, "workspace-mysql").props.taskSpec)).containerSpec.env);
        expect(mysqlEnv).toMatchObject({
            DSENV_ACCOUNTS: "analytics_alice:analyst_alice analytics_bob:analyst_bob",
            DSENV_ACCOUNT_0_PASSWORD_FILE: "/run/secrets/dsenv_account_0_password",
            DSENV_ACCOUNT_1_PASSWORD_FILE: "/run/secrets/dsenv_account_1_password",
        });
        expect(Object.keys(mysqlEnv as object)).not.toContain("DSENV_ACCOUNT_0_PASSWORD");
        const secrets = byType(r, SECRET).filter(s => s.name.startsWith("workspace-mysql-"));
        expect(secrets.map(s => s.name).sort()).toEqual([
            "workspace-mysql-dsenv_account_0_password",
            "workspace-mysql-dsenv_account_1_password",
            "workspace-mysql-mysql_password",
            "workspace-mysql-mysql_root_password",
        ]);
        const data = one(r, SECRET, "workspace-mysql-dsenv_account_0_password").props.data;
        expect(await isSecret(data)).toBe(true);
        expect(Buffer.from((await valueOf(data)) as string, "base64").toString()).toBe(pw("workspace-mysql-account-alice-password"));
        const aliceEnv = await valueOf((await valueOf(one(r, SERVICE, "workspace-jupyter-alice").props.taskSpec)).containerSpec.env);
        expect(aliceEnv).toMatchObject({
            MYSQL_DATABASE: "analytics_alice",
            MYSQL_USER: "analyst_alice",
            MYSQL_PASSWORD_FILE: "/run/secrets/mysql_password",
        });
        const alicePassword = one(r, SECRET, "workspace-jupyter-alice-mysql_password").props.data;
        expect(Buffer.from((await valueOf(alicePassword)) as string, "base64").toString()).toBe(
            pw("workspace-mysql-account-alice-password"),
        );
    });
});

describe("shared (the default) is the graph without the key", () => {
    /** Every resource with its inputs as plain leaves, to compare two graphs. */
    async function graph(r: Run<unknown>): Promise<unknown[]> {
        return Promise.all(r.declared.map(async d => ({ type: d.type, name: d.name, props: await leaves(d.props) })));
    }

    test("with users: the same resources and inputs; MySQL is given no accounts and runs the entrypoint without them", async () => {
        const unset = await run({ jupyterUsers: USERS });
        const set = await run({ jupyterUsers: USERS, jupyterUserDatabases: "shared" });
        expect(set.error).toBeUndefined();
        expect(await graph(set)).toEqual(await graph(unset));
        expect(byType(set, PASSWORD)).toHaveLength(4);
        const mysql = one(set, CONTAINER, "workspace-mysql");
        expect(Object.keys(await envOf(mysql)).filter(k => k.startsWith("DSENV_"))).toEqual([]);
        expect(mysql.props.entrypoints[2]).not.toContain("DSENV_ACCOUNTS");
        expect(mysql.props.entrypoints[2]).not.toContain("docker-entrypoint-initdb.d");
        expect(await envOf(one(set, CONTAINER, "workspace-jupyter-alice"))).toMatchObject({
            MYSQL_DATABASE: "analytics",
            MYSQL_USER: "analyst",
            MYSQL_PASSWORD: pw("workspace-mysql-password"),
        });
        expect(set.result.notebooks.alice.database).toBe("analytics");
    });
});

describe("dsenv:jupyterUserDatabases is checked before anything is declared", () => {
    async function rejected(config: Record<string, string>): Promise<string> {
        const r = await run(config);
        expect(r.declared).toEqual([]);
        expect(r.error?.name).toBe("ConfigError");
        return r.error!.message;
    }

    test.each<[string, Record<string, string>, string]>([
        [
            "a value it does not know",
            { jupyterUsers: USERS, jupyterUserDatabases: "each" },
            'dsenv:jupyterUserDatabases: got "each", expected one of shared, own',
        ],
        [
            "own without users (an orphan)",
            { jupyterUserDatabases: "own" },
            "dsenv:jupyterUserDatabases: got \"own\", expected it unset, since dsenv:jupyterUsers is empty: the workspace's one notebook has the workspace's database (it has no effect)",
        ],
        [
            "a name whose account would be longer than MySQL's 32 characters",
            { jupyterUsers: '["alice", "a-very-long-user-name-0123:1001"]', jupyterUserDatabases: "own" },
            'dsenv:jupyterUsers: got "a-very-long-user-name-0123:1001", expected a name of at most 24 characters: with dsenv:jupyterUserDatabases own it makes the MySQL account "analyst_a_very_long_user_name_0123" (34 characters, MySQL allows 32) and the database "analytics_a_very_long_user_name_0123" (36, MySQL allows 64)',
        ],
        [
            "a name whose database would be longer than MySQL's 64 characters",
            { mysqlDatabase: "d".repeat(60), jupyterUsers: '["bob", "alice"]', jupyterUserDatabases: "own" },
            `dsenv:jupyterUsers: got "alice", expected a name of at most 3 characters: with dsenv:jupyterUserDatabases own it makes the MySQL account "analyst_alice" (13 characters, MySQL allows 32) and the database "${"d".repeat(60)}_alice" (66, MySQL allows 64)`,
        ],
        [
            "a dsenv:mysqlUser that leaves no room for any name",
            { mysqlUser: "u".repeat(31), jupyterUsers: '["a"]', jupyterUserDatabases: "own" },
            `dsenv:jupyterUsers: got "a", expected a shorter dsenv:mysqlUser or dsenv:mysqlDatabase: with dsenv:jupyterUserDatabases own it makes the MySQL account "${"u".repeat(31)}_a" (33 characters, MySQL allows 32) and the database "analytics_a" (11, MySQL allows 64)`,
        ],
        // '-' maps to '_', so "a-b" and "a_b" would share a database: "a_b" is no name (names have no '_').
        [
            "a name with '_', which could share a database with its '-' twin",
            { jupyterUsers: '["a-b", "a_b"]', jupyterUserDatabases: "own" },
            'dsenv:jupyterUsers: got "a_b", expected "<name>[:<uid>[:<gid>]][@<node>][=<port>]" with a lowercase name (letters, digits, dashes), e.g. "alice:1001:1001@2=8901"',
        ],
        // An invalid dsenv:mysqlUser is reported once, by its own rule, not again for every user.
        [
            "an invalid dsenv:mysqlUser",
            { mysqlUser: "u".repeat(40), jupyterUsers: '["alice"]', jupyterUserDatabases: "own" },
            `dsenv:mysqlUser: got "${"u".repeat(40)}", expected 1 to 32 letters, digits or underscores, not root`,
        ],
    ])("%s", async (_, config, message) => {
        expect(await rejected(config)).toBe(configProblem(message));
    });

    test("the same long name is fine with the shared database", async () => {
        const r = await run({ jupyterUsers: '["a-very-long-user-name-0123"]' });
        expect(r.error).toBeUndefined();
    });
});
