// Two modules the Pulumi SDK imports when @pulumi/pulumi loads, for a feature
// this program does not use: serializing JavaScript functions (dynamic
// providers, function callbacks), which parses them with TypeScript's compiler
// and lists packages with @npmcli/arborist. Loading both is about half of the
// SDK's load time (scripts/bench-program.sh, `load`). The SDK gets, for these
// two only, an object whose members load the real module on first use: where
// the SDK does serialize a function, it works as before, a little later.
// Nothing of the SDK is changed (test/unit/boot.test.ts checks both sides).
"use strict";
const Module = require("module");
const path = require("path");

const LAZY = new Set(["typescript", "@npmcli/arborist"]);
const SDK_DIR = `${path.sep}node_modules${path.sep}@pulumi${path.sep}pulumi${path.sep}`;

/** A stand-in for a module: each access loads the module (once) and answers from it. */
function lazyModule(load) {
    let real;
    const module = () => (real ??= load());
    return new Proxy(
        {},
        {
            get: (_, key) => (key === "__esModule" && real === undefined ? true : module()[key]),
            has: (_, key) => key in module(),
            ownKeys: () => Reflect.ownKeys(module()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Reflect.getOwnPropertyDescriptor(module(), key);
                return d && { ...d, configurable: true };
            },
            set: (_, key, value) => Reflect.set(module(), key, value),
        },
    );
}

const load = Module._load;
Module._load = function (request, parent, isMain) {
    if (LAZY.has(request) && parent?.filename?.includes(SDK_DIR)) return lazyModule(() => load.call(this, request, parent, isMain));
    return load.call(this, request, parent, isMain);
};
