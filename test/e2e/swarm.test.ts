import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { httpRequest, TestStack, waitFor } from "./harness";
import { HubUserSession } from "./hub-client";
import { runInKernel } from "./jupyter-kernel";
import { SwarmNode, SwarmNodes } from "./swarm-nodes";

// The swarm target on a real 3-node swarm: three dockerd, each in a network
// namespace of its own, made one swarm by the program (no `docker swarm` by
// hand), with the real provider. Node 1 keeps the data and has no GPU; nodes
// 2 and 3 advertise one fake NVIDIA-GPU each. Images the stack builds are
// built on this machine's engine (which reaches the package mirrors) and
// pushed to a lab registry every node reaches; pulled ones are loaded into the
// nodes that run them (the nodes have no route out). Each test builds on the
// state the previous one left.
jest.setTimeout(20 * 60_000);

const BASE_PORT = 18888;
/** alice's own secret variable: a value no part of dsenv could make up, so finding it anywhere means it leaked. */
const ALICE_SECRET = `hf_${crypto.randomBytes(12).toString("hex")}`;
let lab: SwarmNodes;
let s: TestStack;
let homeDir: string;
let out: Record<string, any>;
let n1: SwarmNode, n2: SwarmNode, n3: SwarmNode;

/** The container of a service's running task on `node`, if there is one there. */
function taskContainer(node: SwarmNode, service: string): string | undefined {
    const ids = lab.docker(node, "ps", "-q", "--filter", `label=com.docker.swarm.service.name=${service}`).split("\n").filter(Boolean);
    return ids[0];
}

/** The node where a service's one task runs now. */
function nodeRunning(service: string): SwarmNode | undefined {
    return lab.nodes.find(n => taskContainer(n, service) !== undefined);
}

/** Python in a notebook task, with the database password read from the secret file the stack handed over. */
function sqlFrom(node: SwarmNode, container: string, host: string, sql: string): string {
    const code = [
        "import os, pymysql",
        'password = open(os.environ["MYSQL_PASSWORD_FILE"]).read()',
        `c = pymysql.connect(host=${JSON.stringify(host)}, port=int(os.environ["MYSQL_PORT"]), user=os.environ["MYSQL_USER"], password=password, database=os.environ["MYSQL_DATABASE"], autocommit=True)`,
        "cur = c.cursor()",
        `cur.execute(${JSON.stringify(sql)})`,
        "print(cur.fetchall())",
    ].join("\n");
    return lab.docker(node, "exec", container, "python", "-c", code);
}

const service = (suffix: string) => `${s.prefix}-${suffix}`;

/** Whether a login URL leads to JupyterLab, logged in: `/` redirects to `/lab` with the token, which answers only a right one. */
async function opensJupyterLab(loginUrl: string): Promise<boolean> {
    const first = await httpRequest(loginUrl);
    if (first.status !== 302 || !first.location?.startsWith("/lab")) return false;
    const lab = await httpRequest(new URL(first.location, loginUrl).href);
    return lab.status === 200 && lab.body.includes("<title>JupyterLab</title>");
}

beforeAll(async () => {
    lab = await new SwarmNodes([0, 1, 1]).start();
    [n1, n2, n3] = lab.nodes;
    lab.loadImages([n1], "dsenv/mysql-standin:test");
    lab.loadImages([n2, n3], "dsenv/debian:bookworm");
    // The PyTorch workspace's home: a host directory every node has (they share this machine's files, as lab servers share an NFS home).
    homeDir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-swarm-home-"));
    s = new TestStack();
    fs.writeFileSync(path.join(s.dir, "requirements.txt"), "tabulate==0.9.0\n");
    await s.init({
        target: "swarm",
        swarmNodes: [`${n1.dockerHost} ${n1.address}`, `${n2.dockerHost} ${n2.address}`, `${n3.dockerHost} ${n3.address} rack=b`],
        registryServer: lab.registry,
        registryUsername: lab.registryLogin.username,
        registryPassword: { secret: lab.registryLogin.password },
        buildDockerHost: "unix:///var/run/docker.sock",
        mysqlImage: "dsenv/mysql-standin:test",
        jupyterBaseImage: "dsenv/jupyter-standin:test",
        jupyterHostPort: String(BASE_PORT),
        // alice gives her port; bob gets the one picked from his name.
        jupyterUsers: [`alice:1001:1001@2=${BASE_PORT + 1}`, "bob:1002:1002@3"],
        // The notebooks' own packages, installed into the one notebook image every node pulls.
        jupyterRequirements: "requirements.txt",
        // The GPUs are the GPU workspace's (jupyterGpus auto would reserve one per notebook: docs/notebook.md).
        jupyterGpus: "",
        pytorchEnabled: "true",
        pytorchImage: "dsenv/debian:bookworm",
        pytorchGpus: "1",
        pytorchHomeDir: homeDir,
        // alice's own variables: a plain one and a secret one (a Docker secret on the swarm).
        "jupyterUserEnv.alice.WANDB_PROJECT": "alice-project",
        "jupyterUserSecretEnv.alice.HF_TOKEN": { secret: ALICE_SECRET },
        // A long name: its Docker secret's name is cut to the 64 characters Docker takes.
        "jupyterUserSecretEnv.alice.AZURE_STORAGE_CONNECTION_STRING": { secret: `${ALICE_SECRET}-storage` },
    });
});

afterAll(async () => {
    try {
        await s?.dispose((...args: string[]) => lab.docker(n1, ...args));
    } finally {
        await lab?.stop();
        if (homeDir) fs.rmSync(homeDir, { recursive: true, force: true });
    }
});

/** Every service's task runs, and is healthy where its image has a health check. */
function allHealthy(): boolean {
    return ["mysql", "jupyter-alice", "jupyter-bob", "pytorch"].every(name => {
        const node = nodeRunning(service(name));
        if (!node) return false;
        const health = lab.docker(
            node,
            "inspect",
            taskContainer(node, service(name))!,
            "--format",
            "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}",
        );
        return health === "healthy" || health === "none";
    });
}

test("1. up forms the swarm from the program: three nodes ready, labelled for their data", async () => {
    const t0 = Date.now();
    await s.up();
    await waitFor("every service running and healthy", () => allHealthy(), 180_000);
    // scripts/bench.sh reads this: from nothing to all services healthy on 3 nodes.
    if (process.env.DSENV_BENCH_OUT) fs.appendFileSync(process.env.DSENV_BENCH_OUT, `${((Date.now() - t0) / 1000).toFixed(1)}\n`);
    out = await s.outputs();
    const nodes = lab
        .docker(n1, "node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}")
        .split("\n")
        .map(l => l.trim())
        .sort();
    expect(nodes).toEqual(["lab-node1 Ready Leader", "lab-node2 Ready", "lab-node3 Ready"]);
    const labels = (n: SwarmNode) => JSON.parse(lab.docker(n1, "node", "inspect", n.name, "--format", "{{json .Spec.Labels}}"));
    expect(labels(n1)).toEqual({ "dsenv.place.data": "true", "dsenv.place.default": "true" });
    expect(labels(n2)).toEqual({ "dsenv.place.user-alice": "true" });
    expect(labels(n3)).toEqual({ "dsenv.place.user-bob": "true", rack: "b" });
    expect(out.swarmClusterId).toMatch(/^[a-z0-9]{25}$/);
});

test("2. MySQL runs on its labelled node with its volume there; each user's notebook on theirs", () => {
    expect(nodeRunning(service("mysql"))?.name).toBe("lab-node1");
    expect(lab.docker(n1, "volume", "ls", "-q", "--filter", `name=${service("mysql-data")}`)).toBe(service("mysql-data"));
    expect(nodeRunning(service("jupyter-alice"))?.name).toBe("lab-node2");
    expect(nodeRunning(service("jupyter-bob"))?.name).toBe("lab-node3");
    expect(lab.docker(n2, "volume", "ls", "-q", "--filter", `name=${service("jupyter-alice-work")}`)).toBe(service("jupyter-alice-work"));
    // The passwords reach MySQL as Docker secrets (files), not as environment values.
    const env = lab.docker(n1, "inspect", taskContainer(n1, service("mysql"))!, "--format", "{{json .Config.Env}}");
    expect(env).toContain("MYSQL_PASSWORD_FILE=/run/secrets/mysql_password");
    expect(env).not.toMatch(/"MYSQL_PASSWORD=/);
});

test("3. alice's notebook on node 2 reaches MySQL on node 1 by both names, and runs as her", async () => {
    const alice = taskContainer(n2, service("jupyter-alice"))!;
    sqlFrom(n2, alice, "mysql", "CREATE TABLE IF NOT EXISTS runs (id INT PRIMARY KEY, note VARCHAR(64))");
    sqlFrom(n2, alice, "mysql", "INSERT INTO runs VALUES (1, 'from node 2')");
    expect(sqlFrom(n2, alice, "myjupyterdb", "SELECT note FROM runs WHERE id = 1")).toBe("(('from node 2',),)");
    // Her uid and gid own her work directory, and the server process is hers.
    expect(lab.docker(n2, "exec", alice, "stat", "-c", "%u:%g", "/home/jovyan/work")).toBe("1001:1001");
    const serverUids = lab.docker(
        n2,
        "exec",
        alice,
        "python",
        "-c",
        "import os; print(sorted({os.stat(f'/proc/{p}').st_uid for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid() and b'jupyter' in open(f'/proc/{p}/cmdline', 'rb').read()}))",
    );
    expect(serverUids).toBe("[1001]");
    // Her login URL (a host-mode port on her node) opens JupyterLab; bob's token is not hers.
    expect(out.notebooks.alice.url).toBe(`http://${n2.address}:${BASE_PORT + 1}/`);
    const logins = out.notebookLoginUrls as Record<string, string>;
    expect(new URL(logins.alice).host).toBe(`${n2.address}:${BASE_PORT + 1}`);
    expect(await opensJupyterLab(logins.alice)).toBe(true);
    const bobsToken = new URL(logins.bob).searchParams.get("token")!;
    expect(await opensJupyterLab(logins.alice.replace(/token=.*/, `token=${bobsToken}`))).toBe(false);
});

test("4. alice's own variables reach code in her notebook's kernel; her secret is a Docker secret, in no service spec, state or output", async () => {
    const code =
        'import json, os; print(json.dumps({k: os.environ.get(k) for k in ["WANDB_PROJECT", "HF_TOKEN", "HF_TOKEN_FILE", "AZURE_STORAGE_CONNECTION_STRING"]}))';
    const token = (user: string) => new URL((out.notebookLoginUrls as Record<string, string>)[user]).searchParams.get("token")!;
    expect(JSON.parse(await runInKernel(out.notebooks.alice.url, token("alice"), code))).toEqual({
        WANDB_PROJECT: "alice-project",
        HF_TOKEN: ALICE_SECRET,
        HF_TOKEN_FILE: null,
        AZURE_STORAGE_CONNECTION_STRING: `${ALICE_SECRET}-storage`,
    });
    expect(JSON.parse(await runInKernel(out.notebooks.bob.url, token("bob"), code))).toEqual({
        WANDB_PROJECT: null,
        HF_TOKEN: null,
        HF_TOKEN_FILE: null,
        AZURE_STORAGE_CONNECTION_STRING: null,
    });
    // The service names the file; the value is a Docker secret of its own, mounted there.
    const spec = JSON.parse(
        lab.docker(n1, "service", "inspect", service("jupyter-alice"), "--format", "{{json .Spec.TaskTemplate.ContainerSpec}}"),
    );
    expect(spec.Env).toEqual(expect.arrayContaining(["WANDB_PROJECT=alice-project", "HF_TOKEN_FILE=/run/secrets/hf_token"]));
    expect(spec.Secrets.map((x: { File: { Name: string } }) => x.File.Name)).toContain("hf_token");
    expect(lab.docker(n1, "secret", "ls", "--format", "{{.Name}}")).toMatch(
        new RegExp(`^${service("jupyter-alice")}-hf_token-[0-9a-f]{12}$`, "m"),
    );
    const places: Record<string, string> = {
        "the service's spec": lab.docker(n1, "service", "inspect", service("jupyter-alice")),
        "the task container's environment": lab.docker(
            n2,
            "inspect",
            taskContainer(n2, service("jupyter-alice"))!,
            "--format",
            "{{json .Config.Env}}",
        ),
        "the state file": s.rawState(),
        "pulumi stack output --json": execFileSync("pulumi", ["stack", "output", "--json", "--stack", s.name], {
            cwd: s.dir,
            env: { ...process.env, ...(s.stack.workspace as LocalWorkspace).envVars },
            encoding: "utf8",
        }),
    };
    // Which places hold it, not the places themselves: a failure would print the whole state.
    expect(
        Object.entries(places)
            .filter(([, text]) => text.includes(ALICE_SECRET))
            .map(([where]) => where),
    ).toEqual([]);
});

test("4b. alice's kernel imports her requirements' package, from the one notebook image every node pulled; the notebooks' GPUs are off, as set", async () => {
    const token = new URL((out.notebookLoginUrls as Record<string, string>).alice).searchParams.get("token")!;
    expect((await runInKernel(out.notebooks.alice.url, token, "import tabulate; print(tabulate.__version__)")).trim()).toBe("0.9.0");
    expect(out.jupyterGpus).toBe('none (dsenv:jupyterGpus is "")');
});

test("5. the nodes pulled the notebook image from the login-only registry with what the manager handed over; no node has a login of its own", () => {
    const image = String(out.jupyterImage);
    expect(image.startsWith(`${lab.registry}/`)).toBe(true);
    for (const node of [n2, n3])
        expect(lab.docker(node, "image", "ls", "--digests", "--format", "{{.Repository}}@{{.Digest}}")).toContain(image);
    // Anyone else is refused: the registry wants the login, and the node's engine has none.
    // (A tag that does not exist: the registry says which, login or manifest, before anything local counts.)
    const anonymous = spawnSync("docker", ["-H", n3.dockerHost, "pull", `${image.split("@")[0]}:anonymous`], { encoding: "utf8" });
    expect(anonymous.status).not.toBe(0);
    expect(anonymous.stderr).toMatch(/no basic auth credentials|unauthorized|authentication required/);
    // The login the manager hands over stays a secret in the state.
    expect(s.rawState()).not.toContain(lab.registryLogin.password);
});

test("6. the GPU workspace runs where a GPU is, with the GPU the swarm assigned", () => {
    const node = nodeRunning(service("pytorch"));
    expect([n2.name, n3.name]).toContain(node?.name);
    const env = lab.docker(node!, "inspect", taskContainer(node!, service("pytorch"))!, "--format", "{{json .Config.Env}}");
    expect(env).toMatch(new RegExp(`DOCKER_RESOURCE_NVIDIA-GPU=${node!.gpus[0]}`));
});

test("7. draining the GPU workspace's node moves it to the other GPU node; pinned services stay", async () => {
    const from = nodeRunning(service("pytorch"))!;
    const to = from === n2 ? n3 : n2;
    lab.docker(n1, "node", "update", "--availability", "drain", from.name);
    try {
        await waitFor("the GPU workspace on the other GPU node", () => taskContainer(to, service("pytorch")) !== undefined, 120_000);
        expect(nodeRunning(service("mysql"))?.name).toBe("lab-node1");
    } finally {
        lab.docker(n1, "node", "update", "--availability", "active", from.name);
    }
    // Pinned to the drained node, that user's notebook comes back there.
    const user = from === n2 ? "alice" : "bob";
    await waitFor(`${user}'s notebook back on ${from.name}`, () => taskContainer(from, service(`jupyter-${user}`)) !== undefined, 120_000);
});

test("8. a second preview after up changes nothing", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("9. a GPU request no node can satisfy is refused at preview, with the nodes' capacity", async () => {
    await s.set({ pytorchGpus: "2" });
    try {
        await expect(s.stack.preview()).rejects.toThrow(
            new RegExp(
                `pytorchGpus: got "2", expected at most 1 GPUs, what the best-equipped node advertises \\(NVIDIA-GPU generic resources; node 1 \\(${n1.dockerHost}\\): 0, node 2 \\(${n2.dockerHost}\\): 1, node 3 \\(${n3.dockerHost}\\): 1\\)`,
            ),
        );
    } finally {
        await s.set({ pytorchGpus: "1" });
    }
});

test("10. MySQL's data survives a service update, and it stays on its node", async () => {
    await s.set({ mysqlAliases: ["myjupyterdb", "labdb"] });
    await s.up();
    expect(nodeRunning(service("mysql"))?.name).toBe("lab-node1");
    const alice = taskContainer(n2, service("jupyter-alice"))!;
    await waitFor(
        "MySQL answering after its update",
        () => sqlFrom(n2, alice, "labdb", "SELECT note FROM runs WHERE id = 1") === "(('from node 2',),)",
        120_000,
        2000,
    );
});

test("10b. with the hub on, the always-on notebooks give way to one hub on a manager, where the members log in", async () => {
    await s.set({
        jupyterHub: "true",
        jupyterHubBaseImage: "dsenv/jupyterhub-standin:test",
        jupyterGpus: "1",
        jupyterHubAdmins: ["alice"],
    });
    // Where the hub's task is and what it said, looked at while up waits for it: the first thing to read when this fails.
    let seen = "";
    const watch = setInterval(() => {
        try {
            const task = taskContainer(n1, service("jupyterhub"));
            seen = `${lab.docker(n1, "service", "ps", "--no-trunc", service("jupyterhub"))}\n--- its log ---\n${task ? execFileSync("sh", ["-c", `docker -H ${n1.dockerHost} logs --tail 60 ${task} 2>&1`], { encoding: "utf8" }) : "(no container on node 1)"}`;
        } catch {
            // Not made yet.
        }
    }, 15_000);
    await s
        .up()
        .catch(e => {
            throw new Error(`${e.message}\n--- the hub's tasks ---\n${seen}`);
        })
        .finally(() => clearInterval(watch));
    out = await s.outputs();
    expect(nodeRunning(service("jupyterhub"))?.name).toBe("lab-node1");
    // The always-on notebooks' services are gone; their tasks stop within their stop grace.
    await waitFor(
        "the always-on notebooks stopped",
        () => nodeRunning(service("jupyter-alice")) === undefined && nodeRunning(service("jupyter-bob")) === undefined,
        60_000,
    );
    const hubUrl = out.jupyterHubUrl as string;
    await waitFor(
        "the hub answering",
        async () => (await httpRequest(`${hubUrl}hub/health`).catch(() => ({ status: 0 }))).status === 200,
        120_000,
    );
    for (const user of ["alice", "bob"]) expect(await new HubUserSession(hubUrl, user).login(out.jupyterHubPasswords[user])).toBe(302);
    expect(await new HubUserSession(hubUrl, "alice").login(out.jupyterHubPasswords.bob)).not.toBe(302);
});

test("10c. the hub's secrets are in no service spec, state or output in plain text", () => {
    const values = Object.values(out.jupyterHubPasswords as Record<string, string>);
    const spec = lab.docker(n1, "service", "inspect", service("jupyterhub"));
    const leaks = values.filter(v => s.rawState().includes(v) || spec.includes(v));
    expect(leaks).toEqual([]);
    expect(JSON.parse(spec)[0].Spec.TaskTemplate.ContainerSpec.Env).toContain("DSENV_HUB_SECRETS_FILE=/run/secrets/dsenv_hub_secrets");
});

test("10d. a member's server lands on her node, which advertises a GPU, with the GPU the swarm assigned; one whose node's GPU is held is refused, saying by whom", async () => {
    const hubUrl = out.jupyterHubUrl as string;
    // Each member's node advertises one GPU; the GPU workspace holds the one of the node it runs on.
    const held = nodeRunning(service("pytorch"))!;
    const [gets, refused] =
        held === n3
            ? [
                  { user: "alice", node: n2 },
                  { user: "bob", node: n3 },
              ]
            : [
                  { user: "bob", node: n3 },
                  { user: "alice", node: n2 },
              ];
    const member = new HubUserSession(hubUrl, gets.user);
    expect(await member.login(out.jupyterHubPasswords[gets.user])).toBe(302);
    const started = await member.startServer();
    expect([201, 202]).toContain(started.status);
    const url = await member.ready();
    const server = service(`jupyter-${gets.user}`);
    expect(nodeRunning(server)?.name).toBe(gets.node.name);
    const spec = JSON.parse(lab.docker(n1, "service", "inspect", server))[0].Spec.TaskTemplate;
    expect(spec.Resources.Reservations.GenericResources).toEqual([{ DiscreteResourceSpec: { Kind: "NVIDIA-GPU", Value: 1 } }]);
    // The GPU the swarm assigned is in the container's environment, where the NVIDIA runtime reads it.
    const container = taskContainer(gets.node, server)!;
    expect(lab.docker(gets.node, "inspect", container, "--format", "{{json .Config.Env}}")).toContain(
        `"DOCKER_RESOURCE_NVIDIA-GPU=${gets.node.gpus[0]}"`,
    );
    // Code in their kernel, reached through the hub's proxy on node 1, runs as them.
    expect((await runInKernel(url, member.token!, "import os\nprint(os.getuid())")).trim()).toBe(gets.user === "alice" ? "1001" : "1002");

    const other = new HubUserSession(hubUrl, refused.user);
    expect(await other.login(out.jupyterHubPasswords[refused.user])).toBe(302);
    const answer = await other.startServer();
    expect({ status: answer.status, message: JSON.parse(answer.body).message }).toEqual({
        status: 409,
        message: `1 GPU(s) asked for, 0 free; held by: ${service("pytorch")} (1); idle servers are stopped after 60 minutes. Try again later or ask a holder to stop their server.`,
    });
    expect(nodeRunning(service(`jupyter-${refused.user}`))).toBeUndefined();
});

test("11. destroy leaves the swarm and the kept volumes", async () => {
    await s.stack.destroy();
    expect(lab.docker(n2, "info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("inactive");
    expect(lab.docker(n1, "info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("inactive");
    expect(lab.docker(n1, "volume", "ls", "-q", "--filter", `name=${service("mysql-data")}`)).toBe(service("mysql-data"));
    expect(lab.docker(n2, "volume", "ls", "-q", "--filter", `name=${service("jupyter-alice-work")}`)).toBe(service("jupyter-alice-work"));
});
