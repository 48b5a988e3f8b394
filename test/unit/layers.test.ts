import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");

/**
 * The layers, bottom first, and what each may import besides itself: only
 * what is below it. components/ is the ground floor (another Pulumi program
 * can take it alone); config/ reads and checks keys into settings shaped by
 * the components' args; workloads/ each read their keys with config/ and
 * declare themselves with components/; settings/ assembles the whole stack's
 * Settings (loadSettings()); targets/ declare them; index.ts runs the two.
 */
const LAYERS: [layer: string, mayImport: string[]][] = [
    ["components", []],
    ["config", ["components"]],
    ["workloads", ["config", "components"]],
    ["settings", ["workloads", "config", "components"]],
    ["targets", ["settings", "workloads", "config", "components"]],
    ["index.ts", ["targets", "settings"]],
];
/** The program's sources (tests, scripts and node_modules are not part of it; boot/ is JavaScript that imports none of them). */
const PROGRAM = LAYERS.map(([layer]) => layer);

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

/** The layer a file of the program is in: its top folder (or index.ts). */
function layerOf(file: string): string {
    return file.split(path.sep)[0];
}

/** Imports that point to a layer the importer may not import: `file -> target`. */
function upwardImports(graph: Map<string, string[]>): string[] {
    const allowed = new Map(LAYERS);
    return [...graph].flatMap(([file, targets]) =>
        targets
            .filter(t => layerOf(t) !== layerOf(file) && !(allowed.get(layerOf(file)) ?? []).includes(layerOf(t)))
            .map(t => `${file} -> ${t}`),
    );
}

test("every compiled folder of the program is a layer of the table", () => {
    // What tsconfig.json compiles, less the tests and the scripts (not part of the program).
    const include: string[] = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")).include;
    const compiled = [...new Set(include.map(glob => glob.split("/")[0]))].filter(top => top !== "test" && top !== "scripts");
    expect(compiled.filter(top => !PROGRAM.includes(top))).toEqual([]);
    expect(
        [...importGraph(PROGRAM).values()]
            .flat()
            .map(layerOf)
            .filter(l => !PROGRAM.includes(l)),
    ).toEqual([]);
});

test("the table only points down: each layer may import only layers listed before it", () => {
    expect(LAYERS.flatMap(([layer, may], i) => may.filter(m => !PROGRAM.slice(0, i).includes(m)).map(m => `${layer} -> ${m}`))).toEqual([]);
});

test("each layer imports only the layers below it", () => {
    expect(upwardImports(importGraph(PROGRAM))).toEqual([]);
});

test("no file of the program is in an import cycle, type-only imports included", () => {
    expect(importCycles(importGraph(PROGRAM))).toEqual([]);
});

test("the layer check finds an import that points up", () => {
    const graph = new Map([
        ["config/a.ts", importsOf("config/a.ts", 'import type { W } from "../workloads/w";\nimport { C } from "../components/c";')],
        ["components/c.ts", importsOf("components/c.ts", 'import { b } from "./b";')],
        ["targets/t.ts", importsOf("targets/t.ts", 'import { Settings } from "../settings";')],
    ]);
    expect(upwardImports(graph)).toEqual(["config/a.ts -> workloads/w.ts"]);
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
