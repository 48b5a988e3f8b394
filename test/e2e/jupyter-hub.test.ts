import { execFileSync } from "child_process";
import * as crypto from "crypto";
import { docker, freePort, inspect, TestStack, waitFor } from "./harness";
import { HubUserSession } from "./hub-client";
import { runInKernel } from "./jupyter-kernel";

// The lab hub on one engine, with the real CLI, the real providers, and the
// real JupyterHub, DockerSpawner, NativeAuthenticator and idle culler (from
// PyPI, in the hub image built on the stand-in base): alice and bob log in
// with their generated passwords, each gets a server of their own as their
// uid with their volume; bob cannot use alice's; an idle server is stopped and
// comes back with her files; the hub's secrets are nowhere in plain text.
jest.setTimeout(20 * 60_000);

const STANDINS = {
    mysqlImage: "dsenv/mysql-standin:test",
    jupyterBaseImage: "dsenv/jupyter-standin:test",
    jupyterHubBaseImage: "dsenv/jupyterhub-standin:test",
};
const SECRET = `hf_${crypto.randomBytes(12).toString("hex")}`;

let s: TestStack;
let out: Record<string, any>;
let passwords: Record<string, string>;
let alice: HubUserSession;
let bob: HubUserSession;
const hub = () => `${s.prefix}-jupyterhub`;
const serverOf = (user: string) => `${s.prefix}-jupyter-${user}`;
/** A container's log, stdout and stderr as they came. */
const logsOf = (container: string, tail?: number) =>
    execFileSync("sh", ["-c", `docker logs ${tail ? `--tail ${tail} ` : ""}${container} 2>&1`], { encoding: "utf8" });

beforeAll(async () => {
    s = new TestStack();
    await s.init({
        ...STANDINS,
        jupyterHostPort: String(await freePort()),
        jupyterUsers: ["alice:1001:1001", "bob:1002:1002"],
        jupyterUserDatabases: "own",
        jupyterHub: "true",
        jupyterHubAdmins: ["alice"],
        jupyterHubIdleMinutes: "1",
        "jupyterUserSecretEnv.alice.HF_TOKEN": { secret: SECRET },
    });
});

afterAll(async () => {
    await s?.dispose();
});

test("1. up: the hub becomes healthy at jupyterHostPort; no always-on notebook is made", async () => {
    await s.up();
    expect(inspect(hub(), "{{.State.Health.Status}}")).toBe("healthy");
    out = await s.outputs();
    expect(out.jupyterHubUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(out.notebooks).toBeUndefined();
    passwords = out.jupyterHubPasswords;
    expect(Object.keys(passwords).sort()).toEqual(["alice", "bob"]);
    expect(docker("ps", "-a", "--filter", `name=${s.prefix}-jupyter-`, "--format", "{{.Names}}").trim()).toBe("");
});

test("2. a wrong password, and a name that is not listed, are refused; alice and bob log in with theirs", async () => {
    expect(await new HubUserSession(out.jupyterHubUrl, "alice").login("not-her-password")).not.toBe(302);
    expect(await new HubUserSession(out.jupyterHubUrl, "mallory").login(passwords.alice)).not.toBe(302);
    alice = new HubUserSession(out.jupyterHubUrl, "alice");
    bob = new HubUserSession(out.jupyterHubUrl, "bob");
    expect(await alice.login(passwords.alice)).toBe(302);
    expect(await bob.login(passwords.bob)).toBe(302);
});

test("3. alice's server starts on demand as her uid/gid with her volume, her database and her secret variable", async () => {
    expect([201, 202]).toContain((await alice.startServer()).status);
    const url = await alice.ready();
    expect(url).toBe(`${out.jupyterHubUrl}user/alice/`);
    const name = serverOf("alice");
    expect(inspect(name, "{{.State.Running}}")).toBe("true");
    const mounts = JSON.parse(inspect(name, "{{json .Mounts}}")!) as { Name?: string; Destination: string }[];
    expect(mounts.find(m => m.Destination === "/home/jovyan/work")?.Name).toBe(`${name}-work`);
    const seen = JSON.parse(
        await runInKernel(
            url,
            alice.token!,
            [
                "import json, os",
                'open("/home/jovyan/work/alice.txt", "w").write("hers")',
                'print(json.dumps({"uid": os.getuid(), "gid": os.getgid(), "db": os.environ.get("MYSQL_DATABASE"), "hf": os.environ.get("HF_TOKEN")}))',
            ].join("\n"),
        ).catch(e => {
            // What the server said is the first thing to read when this fails.
            throw new Error(`${e.message}\n--- ${name}'s log ---\n${logsOf(name, 40)}`);
        }),
    );
    expect(seen).toEqual({ uid: 1001, gid: 1001, db: "analytics_alice", hf: SECRET });
    expect(docker("exec", name, "stat", "-c", "%u:%g", "/home/jovyan/work/alice.txt").trim()).toBe("1001:1001");
});

test("4. bob cannot use alice's server, nor start it, nor read her through the hub's API", async () => {
    expect([403, 404]).toContain((await bob.api("user/alice/api/contents/work")).status);
    expect([403, 404]).toContain((await bob.api("hub/api/users/alice/server", "POST", {})).status);
    expect([403, 404]).toContain((await bob.api("hub/api/users/alice")).status);
    expect((await alice.api("user/alice/api/contents/work")).status).toBe(200);
});

test("5. idle for a minute, alice's server is stopped and removed, her volume kept; a new start brings her files back", async () => {
    await waitFor(
        "alice's idle server to be culled",
        async () => (await alice.server()) === undefined && inspect(serverOf("alice"), "{{.Id}}") === undefined,
        5 * 60_000,
        5000,
    );
    expect(docker("volume", "ls", "-q", "--filter", `name=${serverOf("alice")}-work`).trim()).toBe(`${serverOf("alice")}-work`);
    expect([201, 202]).toContain((await alice.startServer()).status);
    await alice.ready();
    const file = await alice.api("user/alice/api/contents/work/alice.txt");
    expect([file.status, JSON.parse(file.body).content]).toEqual([200, "hers"]);
});

test("6. the hub's secrets are nowhere in plain text: not the state, the stack export, the outputs, the image, the labels or the logs", () => {
    const hubEnv = inspect(hub(), "{{json .Config.Env}}")!;
    const secrets = JSON.parse(
        JSON.parse(hubEnv)
            .find((e: string) => e.startsWith("DSENV_HUB_SECRETS="))
            .slice("DSENV_HUB_SECRETS=".length),
    );
    const values: string[] = [secrets.cookieSecret, secrets.proxyToken, passwords.alice, passwords.bob, SECRET];
    const places: Record<string, string> = {
        "the state file": s.rawState(),
        "pulumi stack export": s.cli("stack", "export"),
        "pulumi stack output --json": s.cli("stack", "output", "--json"),
        "the hub image": docker("image", "inspect", inspect(hub(), "{{.Image}}")!),
        "the hub's labels": inspect(hub(), "{{json .Config.Labels}}")!,
        // JupyterHub logs to stderr.
        "the hub's log": logsOf(hub()),
        "alice's server's labels": inspect(serverOf("alice"), "{{json .Config.Labels}}")!,
    };
    expect(places["the state file"]).toContain('"ciphertext"');
    const leaks = Object.entries(places).flatMap(([where, text]) =>
        values.flatMap((v, i) => (text.includes(v) ? [`value ${i} in ${where}`] : [])),
    );
    expect(leaks).toEqual([]);
});

test("7. a second preview changes nothing", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});
