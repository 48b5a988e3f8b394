// Lets Node require the program's TypeScript files without type-checking or
// compiling them on each run: sucrase strips the types (keeping every line
// where it was, so stack traces and Pulumi's source positions point at the
// right .ts line with no source map), and the result is kept on disk by the
// source's hash, so a run whose files did not change loads no transpiler at all.
// Type-checking is `tsc --noEmit` (scripts/test.sh), not the program's job.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "dsenv-ts");
const OPTIONS = { transforms: ["typescript", "imports"], disableESTransforms: true };

let sucrase; // loaded on the first file not in the cache
let cacheKeyPrefix; // the transpiler's version and options: a new one starts a new cache

function keyPrefix() {
    if (cacheKeyPrefix === undefined) {
        const { version } = JSON.parse(fs.readFileSync(require.resolve("sucrase/package.json"), "utf8"));
        cacheKeyPrefix = `sucrase ${version} ${JSON.stringify(OPTIONS)}\n`;
    }
    return cacheKeyPrefix;
}

/** The JavaScript of one TypeScript source, from the cache or transpiled now (and cached). */
function transpile(source, filename) {
    const key = crypto.createHash("sha256").update(keyPrefix()).update(source).digest("hex");
    const cached = path.join(CACHE_DIR, `${key}.js`);
    try {
        return fs.readFileSync(cached, "utf8");
    } catch {
        // not cached yet
    }
    sucrase ??= require("sucrase");
    const code = sucrase.transform(source, { ...OPTIONS, filePath: filename }).code;
    try {
        // Written aside, then renamed: a concurrent run reads a whole file or none.
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        const partial = `${cached}.${process.pid}`;
        fs.writeFileSync(partial, code);
        fs.renameSync(partial, cached);
    } catch {
        // A read-only checkout still runs, transpiling each time.
    }
    return code;
}

require.extensions[".ts"] = (module, filename) => {
    module._compile(transpile(fs.readFileSync(filename, "utf8"), filename), filename);
};

module.exports = { CACHE_DIR, transpile };
