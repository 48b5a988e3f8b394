import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cloudInit, setupScript } from "../../components/azure/cloud-init";

// The VM's boot script and token command, checked as the VM will read them:
// bash's parser, shellcheck (where it is installed: apt-get install shellcheck),
// and Python's parser. Both variants: a GPU size with the driver step, a CPU size without.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-boot-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const VARIANTS = { gpu: { adminUser: "dsenv", dataDiskLun: 0, nvidiaDriverBranch: "580" }, cpu: { adminUser: "dsenv", dataDiskLun: 0 } };
const hasShellcheck = spawnSync("shellcheck", ["--version"]).status === 0;

function written(name: string, content: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
}

describe.each(Object.entries(VARIANTS))("the boot script (%s size)", (name, args) => {
    test("parses as bash", () => {
        expect(spawnSync("bash", ["-n", written(`${name}.sh`, setupScript(args))], { encoding: "utf8" }).stderr).toBe("");
    });

    (hasShellcheck ? test : test.skip)("passes shellcheck", () => {
        const result = spawnSync("shellcheck", ["-s", "bash", written(`${name}-sc.sh`, setupScript(args))], { encoding: "utf8" });
        expect(result.stdout).toBe("");
        expect(result.status).toBe(0);
    });
});

test("the token command parses as Python 3", () => {
    const yaml = cloudInit(VARIANTS.gpu);
    const body = yaml.slice(yaml.indexOf("#!/usr/bin/env python3")).split("\n").map(l => l.replace(/^ {6}/, "")).join("\n");
    expect(body).toContain('AUDIENCE = "https://containerregistry.azure.net"');
    execFileSync("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", written("acr-refresh-token.py", body)]);
});

test("a CPU size gets no driver step, a GPU size its branch", () => {
    expect(setupScript(VARIANTS.cpu)).not.toContain("nvidia-headless");
    expect(setupScript(VARIANTS.gpu)).toContain("nvidia-headless-no-dkms-580-server nvidia-utils-580-server");
});
