import { execFileSync } from "child_process";
import * as path from "path";

// A stack loads the code and provider SDKs of its own target only: a local
// stack runs the real entry (index.js) under mocks, in a Node of its own, and
// @pulumi/azure-native (136 MB, ~0.2 s to load) is not among what it required.

const REPO = path.join(__dirname, "..", "..");

/** Runs the entry for a local stack under mocks; returns which modules matching `pattern` were loaded, before and after `thenRequire`. */
function loadedBy(pattern: string, thenRequire: string): { program: string[]; after: string[] } {
    const script = `
        require("source-map-support/register"); // as the SDK's language host
        const pulumi = require("@pulumi/pulumi");
        const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack");
        const matching = () => Object.keys(require.cache).filter(f => new RegExp(${JSON.stringify(pattern)}).test(f));
        (async () => {
            await pulumi.runtime.setMocks({ newResource: a => ({ id: a.name + "-id", state: a.inputs }), call: a => { throw new Error(a.token); } }, "dsenv", "unit", false);
            await runInPulumiStack(async () => { await Promise.resolve(require("./index.js")); return {}; });
            const program = matching();
            require(${JSON.stringify(thenRequire)});
            console.log(JSON.stringify({ program, after: matching() }));
        })().catch(e => { console.error(e); process.exit(1); });`;
    const out = execFileSync(process.execPath, ["-e", script], {
        cwd: REPO,
        encoding: "utf8",
        env: { ...process.env, DSENV_HOME: process.env.DSENV_HOME },
    });
    return JSON.parse(out.trim().split("\n").pop()!);
}

test("a local stack loads neither @pulumi/azure-native, @pulumi/kubernetes nor the other targets' code", () => {
    const { program, after } = loadedBy(
        "node_modules/@pulumi/(azure-native|kubernetes)/|node_modules/@kubernetes/|/targets/(azure|azure-aks|azure-survey|swarm|kubernetes|ci-push)\\.ts$",
        "./targets/azure.ts",
    );
    expect(program).toEqual([]);
    // The same check sees them once the azure target is required.
    expect(after.some(f => f.includes("node_modules/@pulumi/azure-native/"))).toBe(true);
    expect(after.some(f => f.endsWith("/targets/azure.ts"))).toBe(true);
}, 60_000);
