// Stack traces at V8's own cost. The Pulumi SDK's language host installs
// source-map-support, whose JavaScript formatter then runs for every stack the
// SDK takes: one whole stack per resource (its source position), and one for
// each of the four promises behind every output property of every resource
// (`debuggablePromise` keeps it for leak reports) - most of the program's time
// (scripts/bench-program.sh). The program's .ts files need no source map
// (boot/register-ts.js keeps every line where it was) and the SDK's own frames
// need none to be useful, so: V8's formatting, and an empty stack for those
// promises unless PULUMI_DEBUG_PROMISE_LEAKS asks for leak reports.
// Nothing of the SDK is changed; if it renames `debuggablePromise`, those
// stacks are only formatted again (test/unit/boot.test.ts notices).
"use strict";

const keepPromiseStacks = !!process.env.PULUMI_DEBUG_PROMISE_LEAKS;

/** Formats as V8 does by default (the form the SDK parses source positions from). */
function formatStack(error, callsites) {
    if (!keepPromiseStacks && callsites.length > 0 && callsites[0].getFunctionName() === "debuggablePromise") return "";
    let head;
    try {
        head = String(error);
    } catch {
        head = "Error";
    }
    return callsites.length === 0 ? head : `${head}\n    at ${callsites.join("\n    at ")}`;
}

Error.prepareStackTrace = formatStack;

module.exports = { formatStack };
