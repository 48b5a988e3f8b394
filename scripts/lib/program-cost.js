// The program's own cost (scripts/bench-program.sh): runs the stack's entry
// (index.js, as `pulumi up` loads it) once under Pulumi mocks, for a local
// stack with N users' notebooks and databases, and prints one JSON line:
// {users, resources, loadMs, programMs}. loadMs is loading the SDK, the
// transpiler and the program's modules; programMs is running the program until
// the mocked engine has every registration.
//
//   node scripts/lib/program-cost.js <users>
"use strict";
const path = require("path");
const os = require("os");
const fs = require("fs");

const users = Number(process.argv[2] || "1");
const root = path.join(__dirname, "..", "..");
// As the SDK's language host does before it loads a program (cmd/run/index.js).
require("source-map-support/register");

const t0 = process.hrtime.bigint();
const ms = since => Number(process.hrtime.bigint() - since) / 1e6;
// What index.js runs before the program, then the SDK as the program loads it.
require(path.join(root, "boot"));
const pulumi = require("@pulumi/pulumi");
const { runInPulumiStack } = require("@pulumi/pulumi/runtime/stack");
const runtimeSettings = require("@pulumi/pulumi/runtime/settings");

// Per-user files (ssh sockets, host keys) go to a directory of the benchmark's own.
process.env.DSENV_HOME = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-bench-program-"));

async function main() {
    let resources = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: args => {
                resources++;
                const state =
                    args.type === "random:index/randomPassword:RandomPassword"
                        ? { ...args.inputs, result: `secret-${args.name}` }
                        : args.inputs;
                return { id: `${args.name}-id`, state };
            },
            call: args => {
                throw new Error(`unexpected provider call ${args.token}`);
            },
        },
        "dsenv",
        "bench",
        false,
    );
    const names = Array.from({ length: users }, (_, i) => `user${i + 1}`);
    pulumi.runtime.setAllConfig({ "dsenv:jupyterUsers": JSON.stringify(names), "dsenv:jupyterUserDatabases": "own" }, []);

    let loadMs = 0;
    let programMs = 0;
    await runInPulumiStack(async () => {
        // As index.js does, in two steps: the program's modules first
        // (loading), then the program itself (index.ts).
        require(path.join(root, "settings", "load"));
        require(path.join(root, "targets"));
        const started = process.hrtime.bigint();
        loadMs = Number(started - t0) / 1e6;
        await Promise.resolve(require(path.join(root, "index.ts")));
        await runtimeSettings.waitForRPCs();
        programMs = ms(started);
        return {};
    });
    fs.rmSync(process.env.DSENV_HOME, { recursive: true, force: true });
    console.log(JSON.stringify({ users, resources, loadMs: Math.round(loadMs), programMs: Math.round(programMs) }));
}

main().catch(e => {
    console.error(e);
    process.exit(1);
});
