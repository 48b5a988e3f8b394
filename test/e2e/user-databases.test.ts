import { docker, freePort, inspect, TestStack } from "./harness";

// dsenv:jupyterUserDatabases own on the real program, CLI and engine: each
// user's notebook is handed a database and a MySQL account of their own, which
// reach nothing else, and which hold on the first start, on a kept data volume
// (new passwords after destroy and up) and for a user added later. MySQL is
// the stand-in (MariaDB with the official image's entrypoint contract); the
// accounts are checked with the mysql client inside its container. Each test
// builds on the state the previous one left.
jest.setTimeout(15 * 60_000);

const STANDINS = { mysqlImage: "dsenv/mysql-standin:test", jupyterBaseImage: "dsenv/jupyter-standin:test" };

let s: TestStack;
const mysqlContainer = () => `${s.prefix}-mysql`;
const notebook = (user: string) => `${s.prefix}-jupyter-${user}`;

interface Credentials {
    database: string;
    user: string;
    password: string;
}

/** The database credentials a user's notebook was handed (its container's environment). */
function handedTo(user: string): Credentials {
    const env = Object.fromEntries(
        (JSON.parse(inspect(notebook(user), "{{json .Config.Env}}")!) as string[]).map(e => [
            e.slice(0, e.indexOf("=")),
            e.slice(e.indexOf("=") + 1),
        ]),
    );
    return { database: env.MYSQL_DATABASE, user: env.MYSQL_USER, password: env.MYSQL_PASSWORD };
}

/** Runs `sql` with the mysql client in the MySQL container, over TCP as `as`; the rows tab-separated, or the error thrown. */
function sql(as: Credentials, statement: string): string {
    return docker(
        "exec",
        mysqlContainer(),
        "mysql",
        "-h",
        "127.0.0.1",
        "-u",
        as.user,
        `--password=${as.password}`,
        "-N",
        "-B",
        "-e",
        statement,
    );
}

/** The error the client prints for `statement`, or "" when it succeeds. */
function refused(as: Credentials, statement: string): string {
    try {
        sql(as, statement);
        return "";
    } catch (e) {
        return String((e as { stderr?: string }).stderr ?? e);
    }
}

/** The workspace's own (shared) credentials, from the stack's secret output. */
async function shared(): Promise<Credentials> {
    const url = new URL((await s.outputs()).mysqlConnectionString);
    return { database: url.pathname.slice(1), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

const healthy = (container: string) => inspect(container, "{{.State.Health.Status}}") === "healthy";

let alice: Credentials;
let bob: Credentials;

beforeAll(async () => {
    s = new TestStack();
    await s.init({ ...STANDINS, jupyterHostPort: String(await freePort()), jupyterUsers: ["alice", "bob"], jupyterUserDatabases: "own" });
});

afterAll(async () => {
    await s?.dispose();
});

test("1. up on an empty data volume: each notebook is handed a database and an account of its own, named in the outputs, passwords secret", async () => {
    await s.up();
    for (const c of [mysqlContainer(), notebook("alice"), notebook("bob")]) expect([c, healthy(c)]).toEqual([c, true]);
    alice = handedTo("alice");
    bob = handedTo("bob");
    expect([alice.database, alice.user]).toEqual(["analytics_alice", "analyst_alice"]);
    expect([bob.database, bob.user]).toEqual(["analytics_bob", "analyst_bob"]);
    const ws = await shared();
    expect([ws.database, ws.user]).toEqual(["analytics", "analyst"]);
    for (const p of [alice.password, bob.password]) expect(p).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set([alice.password, bob.password, ws.password]).size).toBe(3);

    const out = await s.outputs();
    expect(out.notebooks.alice.database).toBe("analytics_alice");
    expect(out.notebooks.bob.database).toBe("analytics_bob");
    expect(JSON.stringify(out.notebooks)).not.toContain(alice.password);
    const state = s.rawState();
    expect(state).not.toContain(alice.password);
    expect(state).not.toContain(bob.password);
});

test("2. alice's account creates a table in her database, and reads neither bob's database nor the shared one", async () => {
    const ws = await shared();
    sql(ws, "CREATE TABLE analytics.team (id INT); INSERT INTO analytics.team VALUES (1)");
    sql(bob, "CREATE TABLE analytics_bob.notes (id INT); INSERT INTO analytics_bob.notes VALUES (2)");

    sql(
        alice,
        "CREATE TABLE analytics_alice.results (id INT PRIMARY KEY, note VARCHAR(64)); INSERT INTO analytics_alice.results VALUES (1, 'alice was here')",
    );
    expect(sql(alice, "SELECT note FROM analytics_alice.results")).toBe("alice was here");
    // What she sees of the server: her database only.
    expect(sql(alice, "SHOW DATABASES").split("\n").sort()).toEqual(["analytics_alice", "information_schema"]);

    expect(refused(alice, "SELECT * FROM analytics_bob.notes")).toMatch(/denied/i);
    expect(refused(alice, "SELECT * FROM analytics.team")).toMatch(/denied/i);
    expect(refused(alice, "USE analytics_bob")).toMatch(/denied/i);
    expect(refused(bob, "SELECT * FROM analytics_alice.results")).toMatch(/denied/i);
    // The shared account does not reach the users' databases either.
    expect(refused(ws, "SELECT * FROM analytics_alice.results")).toMatch(/denied/i);

    // Her notebook's DATABASE_URL is her database, as SQLAlchemy uses it.
    const viaUrl = docker(
        "exec",
        notebook("alice"),
        "python",
        "-c",
        'import os, sqlalchemy as sa\nprint(sa.create_engine(os.environ["DATABASE_URL"]).connect().execute(sa.text("SELECT note FROM results")).scalar())',
    );
    expect(viaUrl).toBe("alice was here");
});

test("3. destroy keeps the data volume; a new up on it sets new passwords that work, the old ones do not, and alice's table is there", async () => {
    await s.stack.destroy();
    expect(inspect(mysqlContainer(), "{{.Id}}")).toBeUndefined();
    expect(inspect(`${s.prefix}-mysql-data`, "{{.Name}}", "volume")).toBe(`${s.prefix}-mysql-data`);

    await s.up();
    expect(healthy(mysqlContainer())).toBe(true);
    const before = alice;
    alice = handedTo("alice");
    bob = handedTo("bob");
    expect(alice.password).not.toBe(before.password);
    expect(refused(before, "SELECT 1")).toMatch(/denied/i);
    expect(sql(alice, "SELECT note FROM analytics_alice.results")).toBe("alice was here");
    expect(sql(bob, "SELECT id FROM analytics_bob.notes")).toBe("2");
    expect(refused(alice, "SELECT * FROM analytics_bob.notes")).toMatch(/denied/i);
    expect(sql(await shared(), "SELECT id FROM analytics.team")).toBe("1");
});

test("4. a user added later gets their database and account on the kept database, next to the others'", async () => {
    await s.set({ jupyterUsers: ["alice", "bob", "carol"] });
    await s.up();
    expect(healthy(notebook("carol"))).toBe(true);
    const carol = handedTo("carol");
    expect([carol.database, carol.user]).toEqual(["analytics_carol", "analyst_carol"]);
    sql(carol, "CREATE TABLE analytics_carol.t (id INT); INSERT INTO analytics_carol.t VALUES (3)");
    expect(sql(carol, "SELECT id FROM analytics_carol.t")).toBe("3");
    expect(refused(carol, "SELECT * FROM analytics_alice.results")).toMatch(/denied/i);
    expect((await s.outputs()).notebooks.carol.database).toBe("analytics_carol");
    // The others are as they were.
    expect(sql(handedTo("alice"), "SELECT note FROM analytics_alice.results")).toBe("alice was here");
});

test("5. a user removed from the middle of the list loses their notebook; the others keep theirs and their URLs; the database stays (data is kept) until dropped as docs/notebook.md says", async () => {
    const before = (await s.outputs()).notebooks;
    const carolsContainer = inspect(notebook("carol"), "{{.Id}}");
    // A shorter list: set --path would leave the old last entry in place.
    await s.stack.removeConfig("dsenv:jupyterUsers");
    await s.set({ jupyterUsers: ["alice", "carol"] });
    await s.up();
    expect(inspect(notebook("bob"), "{{.Id}}")).toBeUndefined();
    // Ports follow names: carol, after bob in the list, is where she was, in the same container.
    expect(inspect(notebook("carol"), "{{.Id}}")).toBe(carolsContainer);
    const after = (await s.outputs()).notebooks;
    expect([after.alice.url, after.carol.url]).toEqual([before.alice.url, before.carol.url]);
    expect(sql(bob, "SELECT id FROM analytics_bob.notes")).toBe("2");
    expect(sql(handedTo("carol"), "SELECT id FROM analytics_carol.t")).toBe("3");

    // docs/notebook.md's command to drop a removed user's database and account.
    docker(
        "exec",
        mysqlContainer(),
        "sh",
        "-c",
        'mysql -uroot -p"${MYSQL_ROOT_PASSWORD:-$(cat "$MYSQL_ROOT_PASSWORD_FILE")}" -e "DROP DATABASE analytics_bob; DROP USER analyst_bob"',
    );
    expect(refused(bob, "SELECT 1")).toMatch(/denied/i);
    expect(docker("exec", mysqlContainer(), "ls", "/var/lib/mysql")).not.toContain("analytics_bob");
});
