// config -> validated settings -> components -> outputs.
// Node keeps the compiled code of what the program loads (the Pulumi SDK,
// the providers' SDKs, this program) on disk for the next run, which then
// starts faster. NODE_COMPILE_CACHE (scripts/toolchain) covers the SDK's own
// start-up too.
require("module").enableCompileCache?.();
import { loadSettings } from "./config/load";
import { deploy } from "./targets";

export = deploy(loadSettings());
