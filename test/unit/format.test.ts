import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The sources are as prettier formats them (.prettierrc.json): `npm run format`
// writes them, `npm run format:check` (run here, so CI runs it) says which are not.

const ROOT = path.join(__dirname, "..", "..");
// The npm of the node running the tests (scripts/ensure-node.sh), else the one on PATH.
const NPM = fs.existsSync(path.join(path.dirname(process.execPath), "npm")) ? path.join(path.dirname(process.execPath), "npm") : "npm";

function formatCheck(cwd: string): { status: number | null; output: string } {
    const r = spawnSync(NPM, ["run", "--silent", "format:check"], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("every TypeScript and JavaScript source is as prettier formats it (else: npm run format)", () => {
    const r = formatCheck(ROOT);
    expect(r.output.split("\n").filter(l => l.startsWith("[warn] ") && !l.includes("Code style issues"))).toEqual([]);
    expect(r.status).toBe(0);
}, 180_000);

test("the check fails on an unformatted file, and leaves the generated defaults alone", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-format-"));
    try {
        for (const file of ["package.json", ".prettierrc.json", ".prettierignore"])
            fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        fs.mkdirSync(path.join(dir, "config"));
        const unformatted = "export const  a = {b:1}\n";
        fs.writeFileSync(path.join(dir, "config", "defaults.ts"), unformatted);
        fs.writeFileSync(path.join(dir, "formatted.ts"), "export const a = { b: 1 };\n");
        expect(formatCheck(dir).status).toBe(0);

        fs.writeFileSync(path.join(dir, "unformatted.ts"), unformatted);
        const r = formatCheck(dir);
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("unformatted.ts");
        expect(r.output).not.toContain("defaults.ts");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}, 180_000);
