import { execFileSync } from "child_process";
import * as crypto from "crypto";
import { docker, freePort, inspect, TestStack } from "./harness";
import { runInKernel } from "./jupyter-kernel";

// The user's own variables in the notebook, on the real engine with the real
// CLI: set with `pulumi config set [--secret] --path`, a plain and a secret
// value reach code running in a kernel of the notebook's server, and the
// secret is nowhere in plain text: not in the state file, the stack export,
// the outputs, the deployment's log, the image or the container's labels.
jest.setTimeout(15 * 60_000);

const STANDINS = { mysqlImage: "dsenv/mysql-standin:test", jupyterBaseImage: "dsenv/jupyter-standin:test" };
/** A value no part of dsenv could make up, so finding it anywhere means it leaked. */
const SECRET = `hf_${crypto.randomBytes(12).toString("hex")}`;
const CODE = [
    "import json, os",
    // The kernel's parent is the notebook server: this is the environment a notebook's code sees.
    'parent = open(f"/proc/{os.getppid()}/cmdline", "rb").read().replace(b"\\0", b" ").decode()',
    'print(json.dumps({k: os.environ.get(k) for k in ["WANDB_PROJECT", "BATCH_SIZE", "HF_TOKEN", "HF_TOKEN_FILE"]} | {"parent": parent}))',
].join("\n");

let s: TestStack;
let out: Record<string, any>;
let upLog = "";
const notebook = () => `${s.prefix}-jupyter`;

beforeAll(async () => {
    s = new TestStack();
    await s.init({
        ...STANDINS,
        jupyterHostPort: String(await freePort()),
        "jupyterEnv.WANDB_PROJECT": "demo-project",
        // --path stores 32 as an integer: it reaches the notebook as the text written.
        "jupyterEnv.BATCH_SIZE": "32",
        "jupyterSecretEnv.HF_TOKEN": { secret: SECRET },
    });
});

afterAll(async () => {
    await s?.dispose();
});

test("1. up: the notebook becomes healthy, and the deployment's log does not show the secret", async () => {
    await s.stack.up({ onOutput: line => (upLog += line) });
    expect(inspect(notebook(), "{{.State.Health.Status}}")).toBe("healthy");
    out = await s.outputs();
    expect(upLog).toContain(notebook());
    expect(upLog.includes(SECRET)).toBe(false);
});

test("2. code in a kernel of the notebook's server sees the plain and the secret variable", async () => {
    const seen = JSON.parse(await runInKernel(out.jupyterUrl, out.jupyterToken, CODE));
    expect(seen).toMatchObject({ WANDB_PROJECT: "demo-project", BATCH_SIZE: "32", HF_TOKEN: SECRET, HF_TOKEN_FILE: null });
    expect(seen.parent).toMatch(/jupyter/);
});

test("3. the secret is in no state file, stack export, output, image, label or log in plain text", () => {
    const places: Record<string, string> = {
        "the state file": s.rawState(),
        "pulumi stack export": s.cli("stack", "export"),
        "pulumi stack output --json": s.cli("stack", "output", "--json"),
        "the image": docker("image", "inspect", String(out.jupyterImage)),
        "the image's history": docker("history", "--no-trunc", String(out.jupyterImage)),
        "the container's labels": inspect(notebook(), "{{json .Config.Labels}}")!,
        "the notebook's log": execFileSync("docker", ["logs", notebook()], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }),
    };
    expect(places["the state file"]).toContain('"ciphertext"');
    // Which places hold it, not the places themselves: a failure would print the whole state.
    expect(
        Object.entries(places)
            .filter(([, text]) => text.includes(SECRET))
            .map(([where]) => where),
    ).toEqual([]);
    // The control: one engine holds a container's environment as given (docker inspect shows it to whoever runs the engine).
    expect(inspect(notebook(), "{{json .Config.Env}}")!.includes(`HF_TOKEN=${SECRET}`)).toBe(true);
});

test("4. a second preview changes nothing", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("5. a name dsenv sets is refused at preview by the real CLI, naming key and name", async () => {
    await s.set({ "jupyterEnv.JUPYTER_TOKEN": "mine" });
    try {
        await expect(s.stack.preview()).rejects.toThrow(
            /dsenv:jupyterEnv: got \{"JUPYTER_TOKEN":"mine"\}, expected a name dsenv does not set itself \(.*\); got the name "JUPYTER_TOKEN"/,
        );
    } finally {
        await s.stack.removeConfig("dsenv:jupyterEnv.JUPYTER_TOKEN", true);
    }
});
