// The program's entry (package.json "main"; Pulumi.yaml runs it as JavaScript,
// `typescript: false`): a plain `pulumi up` needs no build step, and loads
// neither ts-node nor the TypeScript compiler (boot/register-ts.js says how).
// Node keeps the compiled code of what the program loads on disk for the next
// run (NODE_COMPILE_CACHE, set by scripts/env.sh, covers the SDK's start too).
require("module").enableCompileCache?.();
require("./boot");
module.exports = require("./index.ts");
