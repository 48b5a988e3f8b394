import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cloudInit, METADATA_BLOCK_SCRIPT, setupScript, SWARM_GPUS_SCRIPT } from "../../components/azure/cloud-init";

// The VM's boot script, its metadata block and its token command, checked as
// the VM will read them: bash's parser, shellcheck, and Python's parser. Both
// variants of the boot script: a GPU size with the driver step, a CPU size
// without. scripts/test.sh (CI) installs shellcheck
// (scripts/toolchain/ensure-shellcheck.sh) and sets DSENV_REQUIRE_SHELLCHECK:
// then a missing shellcheck fails the lint instead of skipping it.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-boot-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const VARIANTS = {
    gpu: { adminUser: "dsenv", dataDiskLun: 0, nvidiaDriverBranch: "580" },
    cpu: { adminUser: "dsenv", dataDiskLun: 0 },
    "swarm GPU": { adminUser: "dsenv", dataDiskLun: 0, nvidiaDriverBranch: "580", advertiseGpus: true },
};
const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
const lint = hasShellcheck || process.env.DSENV_REQUIRE_SHELLCHECK === "1" ? test : test.skip;

function shellcheck(file: string): { status: number | null; stdout: string; error?: Error } {
    return spawnSync("shellcheck", ["-s", "bash", file], { encoding: "utf8" });
}

function written(name: string, content: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
}

describe.each(Object.entries(VARIANTS))("the boot script (%s size)", (name, args) => {
    test("parses as bash", () => {
        expect(spawnSync("bash", ["-n", written(`${name}.sh`, setupScript(args))], { encoding: "utf8" }).stderr).toBe("");
    });

    lint("passes shellcheck", () => {
        const result = shellcheck(written(`${name}-sc.sh`, setupScript(args)));
        expect(result.error).toBeUndefined();
        expect(result.stdout).toBe("");
        expect(result.status).toBe(0);
    });
});

describe.each([
    ["the metadata block (run by Docker before it starts)", "metadata-block", METADATA_BLOCK_SCRIPT],
    ["the swarm GPU advertisement (run by the boot script before Docker restarts)", "swarm-gpus", SWARM_GPUS_SCRIPT],
])("%s", (_, name, script) => {
    test("parses as bash", () => {
        expect(spawnSync("bash", ["-n", written(`${name}.sh`, script)], { encoding: "utf8" }).stderr).toBe("");
    });

    lint("passes shellcheck", () => {
        const result = shellcheck(written(`${name}-sc.sh`, script));
        expect(result.error).toBeUndefined();
        expect(result.stdout).toBe("");
        expect(result.status).toBe(0);
    });
});

test("the token command parses as Python 3", () => {
    const yaml = cloudInit(VARIANTS.gpu);
    const start = yaml.indexOf("#!/usr/bin/env python3");
    const end = yaml.indexOf("\n  - path:", start);
    const body = yaml
        .slice(start, end < 0 ? undefined : end)
        .split("\n")
        .map(l => l.replace(/^ {6}/, ""))
        .join("\n");
    expect(body).toContain('AUDIENCE = "https://containerregistry.azure.net"');
    execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", written("acr-refresh-token.py", body)]);
});

test("a CPU size gets no driver step, a GPU size its branch", () => {
    expect(setupScript(VARIANTS.cpu)).not.toContain("nvidia-headless");
    expect(setupScript(VARIANTS.gpu)).toContain("nvidia-headless-no-dkms-580-server nvidia-utils-580-server");
});
