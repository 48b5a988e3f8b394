import * as fs from "fs";
import * as path from "path";

// components/ is the ground floor: another Pulumi program can take it alone.
const ROOT = path.join(__dirname, "..", "..");
/** The program's sources (tests, scripts and node_modules are not part of it). */
const PROGRAM = ["index.ts", "boot", "components", "config", "targets", "workloads"];

function sources(dir: string): string[] {
    if (fs.statSync(path.join(ROOT, dir)).isFile()) return [dir];
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap(e => {
        const rel = path.join(dir, e.name);
        return e.isDirectory() ? sources(rel) : rel.endsWith(".ts") ? [rel] : [];
    });
}

/**
 * What a file imports of the program, type-only imports, re-exports and lazy
 * `require`s included (a cycle of types is still a cycle for the reader), as
 * paths relative to the root.
 */
function importsOf(file: string, text = fs.readFileSync(path.join(ROOT, file), "utf8")): string[] {
    const specs = [...text.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*|^import\s+)"(\.[^"]*)"/gm)].map(m => m[1]);
    return [...new Set(specs.map(spec => resolve(path.join(path.dirname(file), spec))))];
}

function resolve(target: string): string {
    for (const candidate of [target, `${target}.ts`, path.join(target, "index.ts")]) {
        if (fs.existsSync(path.join(ROOT, candidate)) && fs.statSync(path.join(ROOT, candidate)).isFile()) return path.normalize(candidate);
    }
    return path.normalize(target.endsWith(".ts") ? target : `${target}.ts`);
}

/** The import cycles of the graph: each strongly connected set of two or more files (or one importing itself), sorted. */
function importCycles(graph: Map<string, string[]>): string[][] {
    // Tarjan's algorithm, iterative enough for this tree's depth.
    let counter = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
        index.set(v, counter);
        low.set(v, counter);
        counter += 1;
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!graph.has(w)) continue;
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) {
                low.set(v, Math.min(low.get(v)!, index.get(w)!));
            }
        }
        if (low.get(v) === index.get(v)) {
            const set: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                set.push(w);
            } while (w !== v);
            if (set.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(set.sort());
        }
    };
    for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
    return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

function importGraph(roots: string[]): Map<string, string[]> {
    return new Map(roots.flatMap(sources).map(file => [file, importsOf(file)]));
}

test("components/ imports nothing from config/, workloads/ or targets/", () => {
    const offending = sources("components").flatMap(file =>
        importsOf(file)
            .filter(target => /^(config|targets|workloads)(\/|$)/.test(target))
            .map(target => `${file} -> ${target}`),
    );
    expect(offending).toEqual([]);
});

test("no file of components/ is in an import cycle, type-only imports included", () => {
    // Cycles are found over the whole program, so a cycle that passes through
    // components/ from above is seen too; those elsewhere are reported, not
    // (yet) failed on: config/ and workloads/ still have one (issue 19).
    const cycles = importCycles(importGraph(PROGRAM));
    const elsewhere = cycles.filter(c => !c.some(f => f.startsWith(`components${path.sep}`)));
    if (elsewhere.length > 0) console.log(`import cycles outside components/ (not failed on yet):\n${elsewhere.map(c => `  ${c.join(" <-> ")}`).join("\n")}`);
    expect(cycles.filter(c => c.some(f => f.startsWith(`components${path.sep}`)))).toEqual([]);
});

test("the cycle check finds a cycle, type-only imports included", () => {
    const graph = new Map([
        ["a.ts", importsOf("a.ts", 'import type { B } from "./b";')],
        ["b.ts", importsOf("b.ts", 'import { C } from "./c";\nexport const b = 1;')],
        ["c.ts", importsOf("c.ts", 'export { A } from "./a";')],
        ["d.ts", importsOf("d.ts", 'const a = () => require("./a") as typeof import("./a");')],
    ]);
    expect(importCycles(graph)).toEqual([["a.ts", "b.ts", "c.ts"]]);
});
