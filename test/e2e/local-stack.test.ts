import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { canConnect, docker, freePort, httpRequest, inspect, OutsideHost, registries, TestStack, waitFor } from "./harness";

// The real program, the real Pulumi CLI, a real Docker engine. Images come from
// local stand-ins (test/e2e/standins) selected by config only: the components
// do not know. Each test builds on the state the previous one left.
jest.setTimeout(15 * 60_000);

const STANDINS = { mysqlImage: "dsenv/mysql-standin:test", jupyterBaseImage: "dsenv/jupyter-standin:test" };

let s: TestStack;
let jupyterPort: number;
let mysqlPort: number;
let out: Record<string, any>;
const container = (role: "mysql" | "jupyter") => `${s.prefix}-${role}`;
const health = (role: "mysql" | "jupyter") => inspect(container(role), "{{.State.Health.Status}}");
const containerId = (role: "mysql" | "jupyter") => inspect(container(role), "{{.Id}}");

/** Runs Python in the Jupyter container with the environment the stack handed it. */
function inJupyter(code: string): string {
    return docker("exec", container("jupyter"), "python", "-c", code);
}

/** Python that connects to the workspace database under `host` with the handed-in credentials and runs `sql`. */
function sqlVia(host: string, sql: string): string {
    return inJupyter(
        [
            "import os, pymysql",
            `c = pymysql.connect(host=${JSON.stringify(host)}, port=int(os.environ["MYSQL_PORT"]), user=os.environ["MYSQL_USER"], password=os.environ["MYSQL_PASSWORD"], database=os.environ["MYSQL_DATABASE"], autocommit=True)`,
            "cur = c.cursor()",
            `cur.execute(${JSON.stringify(sql)})`,
            "print(cur.fetchall())",
        ].join("\n"),
    );
}

async function httpGet(url: string, headers: Record<string, string> = {}): Promise<number> {
    return (await httpRequest(url, { headers })).status;
}

beforeAll(async () => {
    jupyterPort = await freePort();
    mysqlPort = await freePort();
    s = new TestStack();
    await s.init({ ...STANDINS, jupyterHostPort: String(jupyterPort), mysqlHostPort: String(mysqlPort) });
});

afterAll(async () => {
    await s?.dispose();
});

test("1. up succeeds and both containers become healthy, with no secret in plain text in the state", async () => {
    await s.up();
    expect(health("mysql")).toBe("healthy");
    expect(health("jupyter")).toBe("healthy");
    out = await s.outputs();
    expect(out.jupyterUrl).toBe(`http://127.0.0.1:${jupyterPort}/`);
    expect(out.mysqlContainer).toBe(container("mysql"));
    // jupyterGpus is auto by default: this machine's engine has no GPU path, so the notebook is a CPU one and the stack says why.
    expect(out.jupyterGpus).toMatch(
        /^none \(auto: the engine at .+ has no GPU path \(runtimes: [^)]*; no nvidia-container-runtime-hook on its host\)\)$/,
    );
    expect(inspect(container("jupyter"), "{{json .HostConfig.DeviceRequests}} {{.HostConfig.ShmSize}}")).toBe(`null ${2048 * 1024 * 1024}`);

    // The state as the backend stores it (exportStack would decrypt the secrets).
    const state = s.rawState();
    expect(state).toContain('"ciphertext"');
    const password = new URL(out.mysqlConnectionString).password;
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(out.jupyterToken).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(state).not.toContain(password);
    expect(state).not.toContain(out.jupyterToken);
});

test("2. from Jupyter, Python reaches MySQL by 'mysql' and by its link name myjupyterdb, and round-trips a row", () => {
    sqlVia("mysql", "CREATE TABLE IF NOT EXISTS visits (id INT PRIMARY KEY, note VARCHAR(64))");
    sqlVia("mysql", "INSERT INTO visits VALUES (1, 'written through mysql')");
    expect(sqlVia("myjupyterdb", "SELECT note FROM visits WHERE id = 1")).toBe("(('written through mysql',),)");
    // The DATABASE_URL handed in works with SQLAlchemy as a notebook would use it.
    expect(
        inJupyter(
            'import os, sqlalchemy as sa\nprint(sa.create_engine(os.environ["DATABASE_URL"]).connect().execute(sa.text("SELECT COUNT(*) FROM visits")).scalar())',
        ),
    ).toBe("1");
});

test("3. Jupyter's API refuses a request without the token and answers one with it; the login URL opens JupyterLab", async () => {
    const api = `http://127.0.0.1:${jupyterPort}/api/contents`;
    expect(await httpGet(api)).toBe(403);
    expect(await httpGet(api, { Authorization: "token wrong-token" })).toBe(403);
    expect(await httpGet(api, { Authorization: `token ${out.jupyterToken}` })).toBe(200);
    // What a user opens: jupyterLoginUrl leads to JupyterLab, logged in.
    const login = await httpRequest(out.jupyterLoginUrl);
    expect([login.status, login.location]).toEqual([302, `/lab?token=${out.jupyterToken}`]);
    const lab = await httpRequest(new URL(login.location!, out.jupyterUrl).href);
    expect(lab.status).toBe(200);
    expect(lab.body).toContain("<title>JupyterLab</title>");
});

test("4. the MySQL port answers on loopback only, not on the machine's other addresses", async () => {
    const outside = new OutsideHost().open();
    const control = net.createServer(sock => sock.destroy());
    try {
        await new Promise<void>(r => control.listen(0, "0.0.0.0", r));
        const controlPort = (control.address() as net.AddressInfo).port;
        // The control proves the outside host can reach a port this machine publishes everywhere.
        expect(outside.canConnect(controlPort)).toBe(true);
        expect(await canConnect("127.0.0.1", mysqlPort)).toBe(true);
        expect(outside.canConnect(mysqlPort)).toBe(false);
        expect(outside.canConnect(jupyterPort)).toBe(false);
        expect(docker("port", container("mysql"))).toBe(`3306/tcp -> 127.0.0.1:${mysqlPort}`);
    } finally {
        control.close();
        outside.close();
    }
});

test("5. a preview right after up expects no changes: nothing to rebuild or replace", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("6. replacing the MySQL container keeps the data on its volume", async () => {
    const before = containerId("mysql");
    mysqlPort = await freePort();
    await s.set({ mysqlHostPort: String(mysqlPort) });
    await s.up();
    expect(containerId("mysql")).not.toBe(before);
    expect(health("mysql")).toBe("healthy");
    expect(sqlVia("mysql", "SELECT note FROM visits WHERE id = 1")).toBe("(('written through mysql',),)");
});

test("7. a crashed main process comes back by its restart policy, and the stack reports no drift", async () => {
    const id = containerId("mysql");
    const restarts = Number(inspect(container("mysql"), "{{.RestartCount}}"));
    const pid = Number(inspect(container("mysql"), "{{.State.Pid}}"));
    expect(pid).toBeGreaterThan(1);
    process.kill(pid, "SIGKILL");
    await waitFor("mysql to be restarted", () => Number(inspect(container("mysql"), "{{.RestartCount}}")) > restarts);
    await waitFor("mysql to be healthy again", () => health("mysql") === "healthy", 180_000);
    expect(containerId("mysql")).toBe(id);
    const preview = await s.stack.preview({ refresh: true, expectNoChanges: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    expect(sqlVia("mysql", "SELECT COUNT(*) FROM visits")).toBe("((1,),)");
});

test("8. push pipeline: built, pushed to the registry (HTTPS, login), run by digest; a changed context gives a new digest and a replacement", async () => {
    const registry = registries.tls;
    await s.set({ registryServer: registry.server, registryUsername: registry.user, registryPassword: { secret: registry.password } });
    await s.up();
    const first = (await s.outputs()).jupyterImage as string;
    expect(first).toMatch(new RegExp(`^${registry.server.replace(/\./g, "\\.")}/dsenv/jupyter@sha256:[0-9a-f]{64}$`));
    expect(inspect(container("jupyter"), "{{.Config.Image}}")).toBe(first);
    // The registry really holds that manifest.
    expect(await registry.hasManifest(first)).toBe(true);

    // Unchanged context: no rebuild, no push, no replacement.
    const unchanged = await s.stack.preview({ expectNoChanges: true });
    expect(Object.keys(unchanged.changeSummary)).toEqual(["same"]);

    const before = containerId("jupyter");
    fs.writeFileSync(path.join(s.dir, "images", "jupyter", "e2e-marker.txt"), `${s.id}\n`);
    fs.appendFileSync(path.join(s.dir, "images", "jupyter", "Dockerfile"), "COPY e2e-marker.txt /usr/local/share/dsenv/\n");
    await s.up();
    const second = (await s.outputs()).jupyterImage as string;
    expect(second).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(second).not.toBe(first);
    expect(containerId("jupyter")).not.toBe(before);
    expect(docker("exec", container("jupyter"), "cat", "/usr/local/share/dsenv/e2e-marker.txt")).toBe(s.id);
    expect(health("jupyter")).toBe("healthy");
});

test("9. destroy removes containers and the network, keeps the kept volumes, and a second up finds the data", async () => {
    await s.stack.destroy();
    expect(inspect(container("mysql"), "{{.Id}}")).toBeUndefined();
    expect(inspect(container("jupyter"), "{{.Id}}")).toBeUndefined();
    expect(inspect(`${s.prefix}-net`, "{{.Id}}", "network")).toBeUndefined();
    expect(inspect(`${s.prefix}-mysql-data`, "{{.Name}}", "volume")).toBe(`${s.prefix}-mysql-data`);
    expect(inspect(`${s.prefix}-jupyter-work`, "{{.Name}}", "volume")).toBe(`${s.prefix}-jupyter-work`);

    await s.up();
    expect(health("mysql")).toBe("healthy");
    expect(sqlVia("myjupyterdb", "SELECT note FROM visits WHERE id = 1")).toBe("(('written through mysql',),)");
});
