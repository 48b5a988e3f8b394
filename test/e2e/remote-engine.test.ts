import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ensureControlDir, multiplexedSshOptions } from "../../components/azure/ssh-multiplexing";
import { docker, freePort, httpRequest, pushToTlsRegistry, registries, TestStack } from "./harness";
import { RemoteDockerHost } from "./remote-host";

// The azure target's pipeline, Azure aside: images built on this machine's
// engine, pushed to a registry that speaks HTTPS and wants a login (as ACR
// does), pulled by digest on another engine reached over ssh://, and run there.
jest.setTimeout(15 * 60_000);

const REGISTRY = registries.tls;
const MYSQL_IN_REGISTRY = `${REGISTRY.server}/dsenv/mysql-standin:test`;

let remote: RemoteDockerHost;
let s: TestStack;
let jupyterPort: number;
/** The azure target's engine shares one ssh connection (components/azure/ssh-multiplexing.ts): so does this stack. */
const controlDir = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-"));
const multiplexing = multiplexedSshOptions(controlDir);
/** `ssh -O <command>` against the master of the remote host's connection. */
const master = (command: string) =>
    spawnSync("ssh", [...remote.sshOpts, ...multiplexing, "-p", remote.sshPort, "-O", command, `root@${remote.address}`], {
        encoding: "utf8",
    });

beforeAll(async () => {
    // The remote engine pulls from the registry at the address it has here.
    remote = new RemoteDockerHost({ reaches: [REGISTRY.server] });
    await remote.start();
    ensureControlDir(controlDir);
    // The remote engine has no images: the MySQL stand-in reaches it through the registry too.
    pushToTlsRegistry("dsenv/mysql-standin:test", MYSQL_IN_REGISTRY);
    jupyterPort = await freePort();
    s = new TestStack();
    await s.init({
        dockerHost: remote.dockerHost,
        dockerSshOpts: [...remote.sshOpts, ...multiplexing],
        buildDockerHost: "unix:///var/run/docker.sock",
        registryServer: REGISTRY.server,
        registryUsername: REGISTRY.user,
        registryPassword: { secret: REGISTRY.password },
        mysqlImage: MYSQL_IN_REGISTRY,
        jupyterBaseImage: "dsenv/jupyter-standin:test",
        jupyterHostPort: String(jupyterPort),
    });
});

afterAll(async () => {
    await s?.dispose(remote ? (...args: string[]) => remote.docker(...args) : undefined);
    if (remote) master("exit");
    await remote?.stop();
    fs.rmSync(controlDir, { recursive: true, force: true });
});

test("up builds here, pushes, and runs on the remote engine by digest; nothing runs here", async () => {
    await s.up();
    const out = await s.outputs();
    const jupyterImage = out.jupyterImage as string;
    expect(jupyterImage).toMatch(new RegExp(`^${REGISTRY.server.replace(/\./g, "\\.")}/dsenv/jupyter@sha256:[0-9a-f]{64}$`));

    expect(remote.docker("inspect", "-f", "{{.Config.Image}} {{.State.Health.Status}}", `${s.prefix}-jupyter`)).toBe(
        `${jupyterImage} healthy`,
    );
    expect(remote.docker("inspect", "-f", "{{.State.Health.Status}}", `${s.prefix}-mysql`)).toBe("healthy");
    expect(remote.docker("image", "inspect", "-f", "{{index .RepoDigests 0}}", jupyterImage)).toBe(jupyterImage);
    expect(docker("ps", "-aq", "--filter", `name=${s.prefix}`)).toBe("");
    // Built here: this engine has the image under its build tag.
    expect(docker("image", "ls", "-q", "--filter", `reference=${REGISTRY.server}/dsenv/jupyter`)).not.toBe("");
});

test("the provider's ssh connections share one master connection, which outlives the up", () => {
    const check = master("check");
    expect([check.status, check.stderr]).toEqual([0, expect.stringMatching(/^Master running \(pid=\d+\)/)]);
    // Logins so far (the host's own start-up check, the up): one master, and the few that race it at
    // the start, under the 10 unauthenticated connections at once that sshd's MaxStartups allows.
    const logins = fs
        .readFileSync(remote.sshdLog, "utf8")
        .split("\n")
        .filter(l => l.includes("Accepted publickey"));
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.length).toBeLessThan(10);
});

test("the workspace works on the remote engine: the notebook reaches MySQL by its aliases, the API wants the token", async () => {
    const py = (host: string) =>
        remote.docker(
            "exec",
            `${s.prefix}-jupyter`,
            "python",
            "-c",
            `import os, pymysql; c = pymysql.connect(host="${host}", user=os.environ["MYSQL_USER"], password=os.environ["MYSQL_PASSWORD"], database=os.environ["MYSQL_DATABASE"]); cur = c.cursor(); cur.execute("SELECT 42"); print(cur.fetchone()[0])`,
        );
    expect(py("mysql")).toBe("42");
    expect(py("myjupyterdb")).toBe("42");
    const out = await s.outputs();
    // Published on the remote host's loopback: reached through ssh, as a user reaches it.
    const api = `http://127.0.0.1:${await remote.tunnel(jupyterPort)}/api/contents`;
    expect((await httpRequest(api)).status).toBe(403);
    expect((await httpRequest(api, { headers: { Authorization: `token ${out.jupyterToken}` } })).status).toBe(200);
});

test("a second up over ssh, logged in to the registry, changes nothing", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true, diff: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("a rotated registry password is no change of the stack, and the provider logs in with the new one", async () => {
    // As an ACR token on every run: a new password alone changes nothing...
    await s.set({ registryPassword: { secret: "rotated-but-wrong" } });
    const preview = await s.stack.preview({ expectNoChanges: true, diff: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    const rotated = await s.stack.up();
    expect(Object.keys(rotated.summary.resourceChanges ?? {})).toEqual(["same"]);
    // ...yet it is the one kept and used: the registry refuses it when the pushed image is read
    // back, which the upstream provider takes for an image gone (a refresh would drop it from
    // the state; this one only previews).
    const refused = await s.stack.previewRefresh();
    expect(refused.changeSummary.delete).toBe(1);
    expect(refused.stdout).toMatch(/docker:index:RegistryImage +workspace-jupyter-image-push +delete/);
    await s.set({ registryPassword: { secret: REGISTRY.password } });
    await s.stack.up();
    const accepted = await s.stack.previewRefresh();
    expect(Object.keys(accepted.changeSummary)).toEqual(["same"]);
});

test("the registry password is a secret in the state, never plain text", () => {
    const state = s.rawState();
    expect(state).toContain('"registryAuth"');
    expect(state).not.toContain(REGISTRY.password);
});
