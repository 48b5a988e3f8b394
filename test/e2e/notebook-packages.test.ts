import * as fs from "fs";
import * as path from "path";
import { docker, freePort, inspect, TestStack } from "./harness";
import { runInKernel } from "./jupyter-kernel";

// The user's own packages (dsenv:jupyterRequirements) on the real engine with
// the stand-in notebook image: pip installs a small pure-Python package from
// the package index into the image, the notebook's kernel imports it; a changed
// file rebuilds and replaces, an unchanged one changes nothing. environment.yml
// is not tried here: no conda channel is reachable from this machine.
jest.setTimeout(15 * 60_000);

const STANDINS = { mysqlImage: "dsenv/mysql-standin:test", jupyterBaseImage: "dsenv/jupyter-standin:test" };

let s: TestStack;
let port: number;
let token: string;
const notebook = () => `${s.prefix}-jupyter`;
const imageOf = () => inspect(notebook(), "{{.Config.Image}}");
const containerId = () => inspect(notebook(), "{{.Id}}");
const writeRequirements = (text: string) => fs.writeFileSync(path.join(s.dir, "requirements.txt"), text);

/** Runs `code` in a new kernel of the notebook server, as a notebook cell runs, and gives what it printed. */
const inKernel = async (code: string) => (await runInKernel(`http://127.0.0.1:${port}/`, token, code)).trim();

async function up(): Promise<void> {
    await s.up();
}

beforeAll(async () => {
    port = await freePort();
    s = new TestStack();
    await s.init({ ...STANDINS, jupyterHostPort: String(port), jupyterRequirements: "requirements.txt" });
    writeRequirements("# the notebook's own packages\ntabulate==0.9.0\n");
});

afterAll(async () => {
    await s?.dispose();
});

test("1. up installs requirements.txt into the notebook image, and a notebook's kernel imports the package", async () => {
    await up();
    token = (await s.outputs()).jupyterToken;
    expect(inspect(notebook(), "{{.State.Health.Status}}")).toBe("healthy");
    expect(await inKernel("import tabulate; print(tabulate.__version__)")).toBe("0.9.0");
    // Installed as the notebook's user into its environment, not into root's or a user site.
    expect(docker("exec", notebook(), "python", "-c", "import tabulate; print(tabulate.__file__)")).toMatch(
        /^\/opt\/conda\/lib\/python3[.0-9]*\/site-packages\/tabulate\//,
    );
    // Nothing of the build stays in the image: the file is bind-mounted, the caches are BuildKit's (their mount points stay, empty).
    expect(docker("exec", notebook(), "find", "/tmp/dsenv", "-mindepth", "1", "-not", "-type", "d")).toBe("");
});

test("2. leaving the file alone changes nothing: preview expects no changes", async () => {
    const preview = await s.stack.preview({ expectNoChanges: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("3. a changed file rebuilds the image and replaces the notebook, which then has the new version", async () => {
    const [image, id] = [imageOf(), containerId()];
    writeRequirements("tabulate==0.8.10\n");
    await up();
    expect(imageOf()).not.toBe(image);
    expect(containerId()).not.toBe(id);
    expect(await inKernel("import tabulate; print(tabulate.__version__)")).toBe("0.8.10");
});

test("4. a requirement pip cannot install fails the up, naming the key and the build log that has pip's own error; the running notebook stays", async () => {
    const id = containerId();
    writeRequirements("tabulate==0.8.10\ndsenv-e2e-no-such-package-4f1c==1.0\n");
    const failed = await up().then(
        () => "",
        (e: Error) => e.message,
    );
    const named = /pip could not install dsenv:jupyterRequirements: its own error is at the end of (\S+\.build\.log)/.exec(failed);
    expect(named).not.toBeNull();
    expect(named![1].startsWith(path.join(s.dir, ".dsenv-home", "notebook-contexts"))).toBe(true);
    expect(fs.readFileSync(named![1], "utf8")).toMatch(/No matching distribution found for dsenv-e2e-no-such-package-4f1c==1\.0/);
    expect(containerId()).toBe(id);
    writeRequirements("tabulate==0.8.10\n");
    const preview = await s.stack.preview({ expectNoChanges: true });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
});

test("5. a missing file fails at preview, naming the key, the value and what is accepted", async () => {
    await s.set({ jupyterRequirements: "no-such-requirements.txt" });
    const failed = await s.stack.preview().then(
        () => "",
        (e: Error) => e.message,
    );
    expect(failed).toContain(
        `dsenv:jupyterRequirements: got "no-such-requirements.txt", expected an existing pip requirements file (requirements.txt) (${path.join(s.dir, "no-such-requirements.txt")} does not exist)`,
    );
    await s.set({ jupyterRequirements: "requirements.txt" });
});
