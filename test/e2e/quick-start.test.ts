import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { Checkout } from "./checkout";
import { freePort, httpRequest, inspect } from "./harness";

// The README's first quick start, as a user with Docker and Pulumi runs it in
// the project directory: each command of its block, read from the README, as
// written. The user is logged in to a file backend of their own (what `pulumi
// login --local` gives), and, since no image can be pulled here, sets the
// stand-in images, a name prefix and a free port with `pulumi config set`
// before `pulumi up`, which runs with --yes (no one to answer its question).
jest.setTimeout(15 * 60_000);

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** The commands of the first bash block under a heading, without their comments. */
function commandsUnder(heading: string): string[] {
    const section = README.slice(README.indexOf(`## ${heading}`));
    const block = /```bash\n([\s\S]*?)```/.exec(section)![1];
    return block
        .split("\n")
        .map(l => l.replace(/\s+#.*$/, "").trim())
        .filter(Boolean);
}

const co = new Checkout("quick-start", { linkNodeModules: false });
const state = path.join(co.root, "state");
const env = co.env({ PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex") });
const sh = (command: string) => co.run("bash", ["-c", command], {}, env);

beforeAll(() => fs.mkdirSync(state));
afterAll(() =>
    co.dispose(() => {
        if (fs.existsSync(path.join(co.dir, "stacks", "Pulumi.local.yaml")))
            sh("pulumi destroy --yes --stack local && pulumi stack rm --yes --stack local");
    }),
);

test("the README's quick start with Docker and Pulumi works as written", async () => {
    const commands = commandsUnder("Quick start, with Docker and Pulumi installed");
    expect(commands).toEqual(["npm ci", "pulumi stack init local", "pulumi up", "pulumi stack output jupyterLoginUrl --show-secrets"]);
    const port = await freePort();
    let loginUrl = "";
    for (const command of commands) {
        if (command === "pulumi up") {
            const settings = [
                `namePrefix ${co.prefix}`,
                `jupyterHostPort ${port}`,
                "mysqlImage dsenv/mysql-standin:test",
                "jupyterBaseImage dsenv/jupyter-standin:test",
            ];
            for (const setting of settings) expect(sh(`pulumi config set dsenv:${setting}`).status).toBe(0);
        }
        const r = sh(command === "pulumi up" ? "pulumi up --yes" : command);
        if (r.status !== 0) throw new Error(`${command}: exit ${r.status}\n${r.out.slice(-3000)}`);
        if (command.startsWith("pulumi stack output")) loginUrl = r.out.trim();
    }
    expect(inspect(`${co.prefix}-jupyter`, "{{.State.Health.Status}}")).toBe("healthy");
    expect(loginUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=[A-Za-z0-9]{32,}$`));
    // Open it: the token logs in (JupyterLab redirects to /lab).
    const login = await httpRequest(loginUrl);
    expect([login.status, login.location?.startsWith("/lab")]).toEqual([302, true]);
});
