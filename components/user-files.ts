import * as os from "os";
import * as path from "path";

/**
 * Where dsenv keeps per-user files on the machine running Pulumi (ssh control
 * sockets, pinned host keys): DSENV_HOME, the directory scripts/env.sh and
 * scripts/up.sh keep the state and passphrase in, else ~/.dsenv. Asked at
 * each use, so a test (or another program) can point it elsewhere.
 */
export function userFilesDir(...sub: string[]): string {
    return path.join(process.env.DSENV_HOME || path.join(os.homedir(), ".dsenv"), ...sub);
}
