import * as fs from "fs";
import * as path from "path";

// components/ is the ground floor: another Pulumi program can take it alone.
const ROOT = path.join(__dirname, "..", "..");

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
        const rel = path.join(dir, e.name);
        return e.isDirectory() ? sources(rel) : rel.endsWith(".ts") ? [rel] : [];
    });
}

test("components/ imports nothing from config/ or targets/", () => {
    const offending = sources("components").flatMap(file => {
        const text = fs.readFileSync(path.join(ROOT, file), "utf8");
        return [...text.matchAll(/from\s+"([^"]+)"/g)]
            .map(m => path.normalize(path.join(path.dirname(file), m[1])))
            .filter(target => /^(config|targets)(\/|$)/.test(target))
            .map(target => `${file} -> ${target}`);
    });
    expect(offending).toEqual([]);
});
