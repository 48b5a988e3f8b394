import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// scripts/env.sh: which state backend the scripts use, and what they say about it.

const REPO = path.join(__dirname, "..", "..");

function backendSaid(env: Record<string, string>): { url: string; said: string } {
    const base: NodeJS.ProcessEnv = { ...process.env };
    delete base.PULUMI_BACKEND_URL;
    const r = spawnSync("bash", ["-c", 'source scripts/env.sh && echo "$PULUMI_BACKEND_URL" && dsenv_backend_said'], {
        cwd: REPO,
        env: { ...base, ...env },
        encoding: "utf8",
    });
    expect(r.status).toBe(0);
    const [url, said] = r.stdout.replace(/\n$/, "").split("\n");
    return { url, said };
}

describe("the state backend the scripts use", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-env-script-"));
    const pulumiHome = path.join(home, ".pulumi");
    const dsenvHome = path.join(home, ".dsenv");
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

    test("no login and no PULUMI_BACKEND_URL: dsenv's file backend, and it says so", () => {
        const r = backendSaid({ PULUMI_HOME: pulumiHome, DSENV_HOME: dsenvHome });
        expect(r.url).toBe(`file://${dsenvHome}/state`);
        expect(r.said).toBe(`file://${dsenvHome}/state (no pulumi login: dsenv's file backend; \`pulumi login\` to keep state elsewhere)`);
    });

    test("after `pulumi login`: the backend the CLI is logged in to, as a plain pulumi in another shell sees it", () => {
        fs.mkdirSync(pulumiHome, { recursive: true });
        // The file the CLI writes at login (pkg/workspace/creds.go), as it writes it.
        fs.writeFileSync(
            path.join(pulumiHome, "credentials.json"),
            JSON.stringify({ current: "s3://team-state", accessTokens: { "s3://team-state": "" }, accounts: {} }, null, 4),
        );
        const r = backendSaid({ PULUMI_HOME: pulumiHome, DSENV_HOME: dsenvHome });
        expect(r.url).toBe("");
        expect(r.said).toBe("s3://team-state (your pulumi login)");
    });

    test("PULUMI_BACKEND_URL wins over the login", () => {
        const r = backendSaid({ PULUMI_HOME: pulumiHome, DSENV_HOME: dsenvHome, PULUMI_BACKEND_URL: "file:///srv/state" });
        expect(r.url).toBe("file:///srv/state");
        expect(r.said).toBe("file:///srv/state (PULUMI_BACKEND_URL)");
    });
});
