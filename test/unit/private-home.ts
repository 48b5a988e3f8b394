import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// Unit tests never write into the user's ~/.dsenv: components keep per-user
// files (ssh control sockets, pinned host keys) under DSENV_HOME, which points
// to a directory of the tests' own here.
const dir = path.join(os.tmpdir(), "dsenv-unit-home");
fs.mkdirSync(dir, { recursive: true });
process.env.DSENV_HOME = dir;
