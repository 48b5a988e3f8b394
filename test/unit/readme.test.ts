import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

// The README is the user's first five minutes: short, its commands real, and
// no word of the project's history a user was never told.
const ROOT = path.join(__dirname, "..", "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

test("the README stays within 200 lines", () => {
    expect(readme.split("\n").length).toBeLessThanOrEqual(200);
});

test("its two set-up commands are the project's scripts, and CI runs the test one", () => {
    const setup =
        /Two commands, from a fresh clone:\n\n```bash\n(scripts\/\S+)\s+# the main job[^\n]*\n(scripts\/\S+)\s+# the tests[^\n]*\n```/.exec(
            readme,
        );
    expect(setup?.slice(1)).toEqual(["scripts/up.sh", "scripts/test.sh"]);
    for (const script of setup!.slice(1)) expect(() => fs.accessSync(path.join(ROOT, script), fs.constants.X_OK)).not.toThrow();
    expect(fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8")).toMatch(/^[^#\n]*\bscripts\/test\.sh all\b/m);
});

test("no code or doc uses words of the project's history a user was never told (the source notes, their numbering)", () => {
    const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
        .split("\n")
        .filter(
            f =>
                /\.(ts|js|md|sh|yaml|yml|json|py|R)$|Dockerfile$/.test(f) &&
                !/package-lock\.json$/.test(f) &&
                fs.existsSync(path.join(ROOT, f)),
        );
    const hits = files.flatMap(f =>
        fs
            .readFileSync(path.join(ROOT, f), "utf8")
            .split("\n")
            .flatMap((line, i) => (/\bseed's\b|\bseeds'?\b|\bW(?:[1-9]|1[01])\b/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(hits).toEqual([]);
});
