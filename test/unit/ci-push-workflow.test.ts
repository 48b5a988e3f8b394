import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

// The CI pipeline of the ci-push stack: its pre-flight check of the state
// backend and the secrets provider (run for real here, with each set-up a user
// may have), and the workflow that runs it before anything else needs them.
const ROOT = path.join(__dirname, "../..");
const CHECK = path.join(ROOT, ".github/scripts/check-pulumi-env.sh");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-ci-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function stackFile(lines: string[]): string {
    const file = path.join(dir, `Pulumi.${lines.length}-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, [...lines, "config:", "  dsenv:target: ci-push", ""].join("\n"));
    return file;
}

function check(env: Record<string, string>, file = stackFile([])): { status: number | null; out: string; err: string } {
    const r = spawnSync("bash", [CHECK, file], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
    return { status: r.status, out: r.stdout, err: r.stderr };
}

describe("the pre-flight check of the state backend and secrets", () => {
    test("Pulumi Cloud with a token: its own secrets, nothing else needed", () => {
        expect(check({ PULUMI_ACCESS_TOKEN: "pul-123" })).toEqual({ status: 0, out: "secrets: Pulumi Cloud's\n", err: "" });
    });

    test("Pulumi Cloud without a token fails, saying which secret to add", () => {
        const r = check({});
        expect(r.status).toBe(1);
        expect(r.err).toContain("::error::PULUMI_BACKEND_URL is unset (Pulumi Cloud) but PULUMI_ACCESS_TOKEN is empty");
    });

    test("azblob needs a storage account, from the URL or AZURE_STORAGE_ACCOUNT", () => {
        const missing = check({ PULUMI_BACKEND_URL: "azblob://state", PULUMI_CONFIG_PASSPHRASE: "p" });
        expect(missing.status).toBe(1);
        expect(missing.err).toContain("no storage account is named: set AZURE_STORAGE_ACCOUNT");
        const named: Record<string, string>[] = [
            { PULUMI_BACKEND_URL: "azblob://state", AZURE_STORAGE_ACCOUNT: "dsenvstate" },
            { PULUMI_BACKEND_URL: "azblob://state?storage_account=dsenvstate" },
        ];
        for (const env of named) {
            const r = check({ ...env, PULUMI_CONFIG_PASSPHRASE: "p" });
            expect(r.status).toBe(0);
            expect(r.out).toContain("with the Azure login of this job (its identity needs Storage Blob Data Contributor on the container)");
        }
    });

    test("outside Pulumi Cloud, a passphrase stack needs PULUMI_CONFIG_PASSPHRASE", () => {
        const salted = stackFile(["encryptionsalt: v1:abc:v1:def:ghi"]);
        const r = check({ PULUMI_BACKEND_URL: "azblob://state?storage_account=dsenvstate" }, salted);
        expect(r.status).toBe(1);
        expect(r.err).toContain(
            "secrets are encrypted with a passphrase (the default outside Pulumi Cloud) but PULUMI_CONFIG_PASSPHRASE is empty",
        );
        // A passphrase stack wants it on Pulumi Cloud too.
        expect(check({ PULUMI_ACCESS_TOKEN: "t" }, salted).status).toBe(1);
        expect(check({ PULUMI_ACCESS_TOKEN: "t", PULUMI_CONFIG_PASSPHRASE: "p" }, salted).status).toBe(0);
    });

    test("a Key Vault secrets provider needs no passphrase", () => {
        const vault = stackFile(["secretsprovider: azurekeyvault://dsenv.vault.azure.net/keys/pulumi"]);
        const r = check({ PULUMI_BACKEND_URL: "azblob://state?storage_account=dsenvstate" }, vault);
        expect(r.status).toBe(0);
        expect(r.out).toContain(
            "secrets: azurekeyvault://dsenv.vault.azure.net/keys/pulumi (this job's identity needs Key Vault Crypto User on the key)",
        );
    });

    test("a runner's own disk is refused as the backend: the state would be gone after the job", () => {
        const r = check({ PULUMI_BACKEND_URL: "file:///home/runner/state", PULUMI_CONFIG_PASSPHRASE: "p" });
        expect(r.status).toBe(1);
        expect(r.err).toContain("a CI runner's disk is gone after the job");
    });

    test("the shipped ci-push stack file passes with azblob and a passphrase", () => {
        const r = check(
            { PULUMI_BACKEND_URL: "azblob://state?storage_account=dsenvstate", PULUMI_CONFIG_PASSPHRASE: "p" },
            path.join(ROOT, "stacks/Pulumi.ci-push.yaml"),
        );
        expect(r.status).toBe(0);
    });
});

const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
(hasShellcheck || process.env.DSENV_REQUIRE_SHELLCHECK === "1" ? test : test.skip)("the check passes shellcheck", () => {
    const r = spawnSync("shellcheck", [CHECK], { encoding: "utf8" });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
});

describe("the push-images workflow", () => {
    const workflow = YAML.parse(fs.readFileSync(path.join(ROOT, ".github/workflows/push-images.yml"), "utf8"));
    const job = workflow.jobs.push;
    const stepIndex = (match: (s: any) => boolean) => (job.steps as any[]).findIndex(match);

    test("runs in an environment: one federated credential subject for main and every other branch", () => {
        expect(job.environment).toBe("ci-push");
        expect(workflow.permissions["id-token"]).toBe("write");
    });

    test("hands the backend, its credentials and the passphrase to Pulumi from repository settings, never from the file", () => {
        expect(job.env).toMatchObject({
            PULUMI_BACKEND_URL: "${{ vars.PULUMI_BACKEND_URL }}",
            PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
            AZURE_STORAGE_ACCOUNT: "${{ vars.AZURE_STORAGE_ACCOUNT }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        });
    });

    test("checks them before anything else runs, and pulumi up comes after the Azure login", () => {
        const checkStep = stepIndex(s => s.run === ".github/scripts/check-pulumi-env.sh stacks/Pulumi.ci-push.yaml");
        const login = stepIndex(s => String(s.uses).startsWith("azure/login@"));
        const up = stepIndex(s => String(s.uses).startsWith("pulumi/actions@") && s.with.command === "up");
        expect(checkStep).toBe(1);
        expect(checkStep).toBeLessThan(login);
        expect(login).toBeLessThan(up);
        expect(job.steps[up].with["stack-name"]).toBe("ci-push");
    });
});
