import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// What index.js sets up before the program: boot/register-ts.js (TypeScript
// without a compile step, lines kept, cached on disk) and boot/stack-traces.js
// (V8's stack formatting instead of source-map-support's). Each runs in a Node
// of its own, as `pulumi up` starts one.

const REPO = path.join(__dirname, "..", "..");

function node(script: string, env: NodeJS.ProcessEnv = {}): string {
    return execFileSync(process.execPath, ["-e", script], { cwd: REPO, encoding: "utf8", env: { ...process.env, ...env } }).trim();
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

/** A fresh .ts module whose line 5 throws; its content is new, so the cache has not seen it. */
function throwingModule(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-boot-"));
    dirs.push(dir);
    const file = path.join(dir, "thrower.ts");
    fs.writeFileSync(
        file,
        [
            `interface Shape { side: number }`,
            `type Id = string; // ${process.hrtime.bigint()}`,
            `export function area(s: Shape): number {`,
            `    const id: Id = "x";`,
            `    throw new Error(id + s.side);`,
            `}`,
            ``,
        ].join("\n"),
    );
    return file;
}

describe("boot/register-ts.js", () => {
    test("a .ts module runs without a build step, and its stack points at its own line", () => {
        const file = throwingModule();
        const out = node(
            `require("./boot/register-ts"); try { require(${JSON.stringify(file)}).area({ side: 2 }); } catch (e) { console.log(e.stack.split("\\n")[1]); }`,
        );
        expect(out).toMatch(new RegExp(`at (Object\\.)?area \\(${file.replace(/[.]/g, "\\.")}:5:\\d+\\)`));
    });

    test("a module seen before is loaded from the cache, without loading the transpiler", () => {
        const file = throwingModule();
        const loads = `require("./boot/register-ts"); require(${JSON.stringify(file)}); console.log(Object.keys(require.cache).some(f => f.includes("/node_modules/sucrase/")));`;
        expect(node(loads)).toBe("true");
        expect(node(loads)).toBe("false");
    });
});

describe("boot/stack-traces.js", () => {
    // As the SDK's language host does, then what index.js adds.
    const setUp = `require("source-map-support/register"); require("./boot/stack-traces"); require("./boot/register-ts");`;
    // The SDK keeps a stack on each promise behind a resource's outputs (for leak reports).
    const promiseStack = `const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable"); const p = Promise.resolve(1); debuggablePromise(p, "ctx"); console.log(JSON.stringify(p._debugStackTrace));`;

    test("the SDK's leak-report promises carry no stack, unless PULUMI_DEBUG_PROMISE_LEAKS asks for one", () => {
        // If this fails after an SDK upgrade, the SDK renamed debuggablePromise: boot/stack-traces.js formats those stacks again.
        expect(node(`${setUp} ${promiseStack}`)).toBe('""');
        expect(JSON.parse(node(`${setUp} ${promiseStack}`, { PULUMI_DEBUG_PROMISE_LEAKS: "true" }))).toMatch(
            /^Error\n {4}at debuggablePromise /,
        );
    });

    test("a stack from the program parses as the SDK reads source positions, at the .ts line", () => {
        const file = throwingModule();
        const out = node(`${setUp} const { Resource } = require("@pulumi/pulumi");
            try { require(${JSON.stringify(file)}).area({ side: 2 }); } catch (e) { console.log(JSON.stringify(Resource.framePositionRegExp.exec(e.stack.split("\\n")[1]).groups)); }`);
        expect(JSON.parse(out)).toMatchObject({ file, line: "5" });
    });
});

describe("boot/lazy-sdk-imports.js", () => {
    const loaded = `const loaded = () => ["/node_modules/typescript/", "/node_modules/@npmcli/arborist/"].filter(m => Object.keys(require.cache).some(f => f.includes(m)));`;

    test("loading the SDK loads neither TypeScript's compiler nor @npmcli/arborist", () => {
        expect(JSON.parse(node(`require("./boot"); ${loaded} require("@pulumi/pulumi"); console.log(JSON.stringify(loaded()));`))).toEqual(
            [],
        );
        // Without boot/, the same check sees both.
        expect(JSON.parse(node(`${loaded} require("@pulumi/pulumi"); console.log(JSON.stringify(loaded()));`))).toEqual([
            "/node_modules/typescript/",
            "/node_modules/@npmcli/arborist/",
        ]);
    });

    test("the SDK's function serialization, which uses them, still works", () => {
        const out = node(`require("./boot"); ${loaded} const pulumi = require("@pulumi/pulumi");
            pulumi.runtime.serializeFunction(() => 6 * 7).then(f => console.log(JSON.stringify({ text: f.text, loaded: loaded() })));`);
        const { text, loaded: after } = JSON.parse(out.split("\n").pop()!);
        expect(text).toContain("6 * 7");
        expect(after).toContain("/node_modules/typescript/");
    });
});
