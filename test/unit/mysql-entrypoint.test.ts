import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ACCOUNTS_INITDB_FILE, mysqlEntrypoint } from "../../components/mysql-entrypoint";

// The MySQL container's entrypoint script, both variants (with and without
// accounts): parsed and linted as /bin/sh reads it, then run here with its
// paths moved into a temp dir and the image's docker-entrypoint.sh replaced by
// one that records its arguments, for an empty and for an initialised data dir.
// scripts/test.sh (CI) sets DSENV_REQUIRE_SHELLCHECK: a missing shellcheck then
// fails the lint instead of skipping it.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-mysql-entrypoint-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
const lint = hasShellcheck || process.env.DSENV_REQUIRE_SHELLCHECK === "1" ? test : test.skip;
const VARIANTS = { "without accounts": false, "with accounts": true };

describe.each(Object.entries(VARIANTS))("the entrypoint %s", (name, accounts) => {
    const file = path.join(dir, `${name.replace(/ /g, "-")}.sh`);
    beforeAll(() => fs.writeFileSync(file, mysqlEntrypoint(accounts)));

    test("parses as sh", () => {
        expect(spawnSync("sh", ["-n", file], { encoding: "utf8" }).stderr).toBe("");
    });

    lint("passes shellcheck", () => {
        const result = spawnSync("shellcheck", ["-s", "sh", file], { encoding: "utf8" });
        expect(result.error).toBeUndefined();
        expect(result.stdout).toBe("");
        expect(result.status).toBe(0);
    });
});

/** A sandbox for one run: the data dir, the image's init dir, /tmp and a docker-entrypoint.sh that records how it was called. */
function sandbox(initialised: boolean) {
    const root = fs.mkdtempSync(path.join(dir, "run-"));
    for (const d of ["data", "initdb", "tmp", "bin", "secrets"]) fs.mkdirSync(path.join(root, d));
    if (initialised) fs.mkdirSync(path.join(root, "data", "mysql"));
    fs.writeFileSync(path.join(root, "bin", "docker-entrypoint.sh"), `#!/bin/sh\nprintf '%s\\n' "$@" >"${root}/args"\n`, { mode: 0o755 });
    const script = (accounts: boolean) =>
        mysqlEntrypoint(accounts)
            .replaceAll("/var/lib/mysql", path.join(root, "data"))
            .replaceAll(path.dirname(ACCOUNTS_INITDB_FILE), path.join(root, "initdb"))
            .replaceAll("/tmp/dsenv-credentials.sql", `${root}/tmp/dsenv-credentials.sql`);
    const run = (accounts: boolean, env: Record<string, string>) => {
        const r = spawnSync("sh", ["-c", script(accounts), "dsenv-mysql", "mysqld"], {
            encoding: "utf8",
            env: { PATH: `${root}/bin:/usr/bin:/bin`, ...env },
        });
        return {
            status: r.status,
            stderr: r.stderr,
            args: fs.existsSync(`${root}/args`) ? fs.readFileSync(`${root}/args`, "utf8").trim().split("\n") : [],
        };
    };
    const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");
    return { root, run, read, exists: (p: string) => fs.existsSync(path.join(root, p)) };
}

const WORKSPACE = { MYSQL_DATABASE: "analytics", MYSQL_USER: "analyst", MYSQL_PASSWORD: "pw0", MYSQL_ROOT_PASSWORD: "rootpw" };
const ACCOUNTS = { DSENV_ACCOUNTS: "analytics_alice:analyst_alice analytics_bob_x:analyst_bob_x", DSENV_ACCOUNT_0_PASSWORD: "alicepw" };
const INITDB = `initdb/${path.basename(ACCOUNTS_INITDB_FILE)}`;

describe("what the entrypoint with accounts hands the image", () => {
    test("first start (empty data dir): the accounts' SQL goes to the image's init dir, run after it made its own user; no --init-file", () => {
        const s = sandbox(false);
        fs.writeFileSync(path.join(s.root, "secrets", "bob"), "bobpw");
        const r = s.run(true, { ...WORKSPACE, ...ACCOUNTS, DSENV_ACCOUNT_1_PASSWORD_FILE: path.join(s.root, "secrets", "bob") });
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.args).toEqual(["mysqld"]);
        expect(s.read(INITDB)).toBe(
            [
                "CREATE DATABASE IF NOT EXISTS `analytics_alice`;",
                "CREATE USER IF NOT EXISTS 'analyst_alice'@'%' IDENTIFIED BY 'alicepw';",
                "ALTER USER 'analyst_alice'@'%' IDENTIFIED BY 'alicepw';",
                // '_' escaped: in a GRANT it would match any one character.
                "GRANT ALL ON `analytics\\_alice`.* TO 'analyst_alice'@'%';",
                "CREATE DATABASE IF NOT EXISTS `analytics_bob_x`;",
                "CREATE USER IF NOT EXISTS 'analyst_bob_x'@'%' IDENTIFIED BY 'bobpw';",
                "ALTER USER 'analyst_bob_x'@'%' IDENTIFIED BY 'bobpw';",
                "GRANT ALL ON `analytics\\_bob\\_x`.* TO 'analyst_bob_x'@'%';",
                "",
            ].join("\n"),
        );
        // It holds passwords: only its owner reads it.
        expect(fs.statSync(path.join(s.root, INITDB)).mode & 0o077).toBe(0);
        expect(s.exists("tmp/dsenv-credentials.sql")).toBe(false);
    });

    test("a start on an initialised data dir: the workspace's credentials, then the accounts', in the --init-file; the first start's file is gone", () => {
        const s = sandbox(true);
        fs.writeFileSync(path.join(s.root, INITDB), "old");
        const r = s.run(true, { ...WORKSPACE, ...ACCOUNTS, DSENV_ACCOUNT_1_PASSWORD: "bobpw" });
        expect([r.status, r.stderr]).toEqual([0, ""]);
        expect(r.args).toEqual(["mysqld", `--init-file=${s.root}/tmp/dsenv-credentials.sql`]);
        const sql = s.read("tmp/dsenv-credentials.sql").split("\n");
        expect(sql.slice(0, 6)).toEqual([
            "ALTER USER 'root'@'localhost' IDENTIFIED BY 'rootpw';",
            "ALTER USER IF EXISTS 'root'@'%' IDENTIFIED BY 'rootpw';",
            "CREATE DATABASE IF NOT EXISTS `analytics`;",
            "CREATE USER IF NOT EXISTS 'analyst'@'%' IDENTIFIED BY 'pw0';",
            "ALTER USER 'analyst'@'%' IDENTIFIED BY 'pw0';",
            "GRANT ALL ON `analytics`.* TO 'analyst'@'%';",
        ]);
        expect(sql.slice(6)).toEqual(
            expect.arrayContaining([
                "ALTER USER 'analyst_alice'@'%' IDENTIFIED BY 'alicepw';",
                "ALTER USER 'analyst_bob_x'@'%' IDENTIFIED BY 'bobpw';",
            ]),
        );
        expect(s.exists(INITDB)).toBe(false);
    });

    test("an account without a password stops the container before the image starts, naming the account", () => {
        const s = sandbox(true);
        const r = s.run(true, { ...WORKSPACE, ...ACCOUNTS });
        expect(r.status).toBe(1);
        expect(r.stderr).toBe("dsenv: no password for the MySQL account analyst_bob_x (DSENV_ACCOUNT_1_PASSWORD)\n");
        expect(r.args).toEqual([]);
    });

    test("without accounts the init dir is left alone", () => {
        const s = sandbox(false);
        const r = s.run(false, WORKSPACE);
        expect([r.status, r.args]).toEqual([0, ["mysqld"]]);
        expect(fs.readdirSync(path.join(s.root, "initdb"))).toEqual([]);
    });
});
