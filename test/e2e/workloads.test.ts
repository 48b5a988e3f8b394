import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, freePort, httpRequest, inspect, TestStack } from "./harness";

// The non-GPU workloads, for real: the static site, the app with
// state, the shared lab (GPUs off, on a stand-in base). One stack runs them
// all beside the workspace, as a user's stack would.
jest.setTimeout(15 * 60_000);

const LAB_UID = 4242;
const LAB_GID = 4343;

let s: TestStack;
let host: string;
let ports: { site: number; app: number; lab: number; jupyter: number };
const container = (role: string) => `${s.prefix}-${role}`;
const health = (role: string) => inspect(container(role), "{{.State.Health.Status}}");

beforeAll(async () => {
    host = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-e2e-host-"));
    fs.mkdirSync(path.join(host, "site"));
    fs.writeFileSync(path.join(host, "site", "index.html"), "<h1>served from the host</h1>\n");
    fs.chmodSync(host, 0o755);
    fs.mkdirSync(path.join(host, "nas"));
    fs.chownSync(path.join(host, "nas"), LAB_UID, LAB_GID);
    fs.writeFileSync(path.join(host, "app.env"), "GREETING=hello from .env\nADMIN_TOKEN=e2e-admin-token-123\n");

    ports = { site: await freePort(), app: await freePort(), lab: await freePort(), jupyter: await freePort() };
    s = new TestStack();
    await s.init({
        mysqlImage: "dsenv/mysql-standin:test",
        jupyterBaseImage: "dsenv/jupyter-standin:test",
        jupyterHostPort: String(ports.jupyter),
        siteEnabled: "true",
        siteImage: "dsenv/httpd-standin:test",
        siteDir: path.join(host, "site"),
        siteHostPort: String(ports.site),
        appEnabled: "true",
        appBaseImage: "dsenv/node-standin:test",
        appEnvFile: path.join(host, "app.env"),
        appHostPort: String(ports.app),
        labEnabled: "true",
        labBaseImage: "dsenv/tensorflow-standin:test",
        labGpus: "",
        labUid: String(LAB_UID),
        labGid: String(LAB_GID),
        labWorkspaceDir: path.join(host, "nas"),
        labHostPort: String(ports.lab),
    });
    await s.up();
});

afterAll(async () => {
    await s?.dispose();
    if (host) fs.rmSync(host, { recursive: true, force: true });
});

test("site: the site answers on its port with the mounted file, and cannot write to it", async () => {
    const page = await httpRequest(`http://127.0.0.1:${ports.site}/`);
    expect(page).toEqual({ status: 200, body: "<h1>served from the host</h1>\n" });
    expect(docker("port", container("site"))).toBe(`80/tcp -> 127.0.0.1:${ports.site}`);
    expect(() => docker("exec", container("site"), "touch", "/usr/local/apache2/htdocs/x")).toThrow(/Read-only file system/);
});

test("app: the app's feedback lives on its named volume and survives a replacement; .env reaches it", async () => {
    const base = `http://127.0.0.1:${ports.app}`;
    const saved = await httpRequest(`${base}/create`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "title=first&text=kept+across+replacement",
    });
    expect(saved.status).toBe(201);
    expect(docker("exec", container("feedback-app"), "printenv", "GREETING")).toBe("hello from .env");
    // The secret entry of the .env file is secret in the stack's state.
    expect(s.rawState()).not.toContain("e2e-admin-token-123");

    const before = inspect(container("feedback-app"), "{{.Id}}");
    ports.app = await freePort();
    await s.set({ appHostPort: String(ports.app) });
    await s.up();
    expect(inspect(container("feedback-app"), "{{.Id}}")).not.toBe(before);
    const again = await httpRequest(`http://127.0.0.1:${ports.app}/feedback/first`);
    expect(again).toEqual({ status: 200, body: "kept across replacement" });
    expect((await httpRequest(`http://127.0.0.1:${ports.app}/feedback`)).status).toBe(401);
    expect(
        (await httpRequest(`http://127.0.0.1:${ports.app}/feedback`, { headers: { Authorization: "Bearer e2e-admin-token-123" } })).status,
    ).toBe(200);
});

test("lab: the lab runs as the configured uid/gid and writes files on the mount with that owner", async () => {
    expect(health("lab")).toBe("healthy");
    expect(docker("exec", container("lab"), "id", "-u")).toBe(String(LAB_UID));
    expect(docker("exec", container("lab"), "id", "-g")).toBe(String(LAB_GID));
    const pid = Number(inspect(container("lab"), "{{.State.Pid}}"));
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toMatch(new RegExp(`^Uid:\\s+${LAB_UID}\\b`, "m"));
    expect(status).toMatch(new RegExp(`^Gid:\\s+${LAB_GID}\\b`, "m"));

    docker("exec", container("lab"), "sh", "-c", "echo result > /workspace/from-the-lab.txt");
    const st = fs.statSync(path.join(host, "nas", "from-the-lab.txt"));
    expect([st.uid, st.gid]).toEqual([LAB_UID, LAB_GID]);

    const out = await s.outputs();
    const api = `http://127.0.0.1:${ports.lab}/api/contents`;
    expect((await httpRequest(api)).status).toBe(403);
    expect((await httpRequest(api, { headers: { Authorization: `token ${out.labToken}` } })).status).toBe(200);
});
