import * as fs from "fs";
import * as path from "path";
import { userFilesDir } from "../user-files";

/** Where the control sockets of multiplexed ssh connections live (short: a unix socket path has at most 107 bytes). */
export function defaultControlDir(): string {
    return userFilesDir("ssh");
}

/**
 * ssh options that share one connection per host: pulumi-docker starts an ssh
 * process for each connection it opens to an ssh:// engine, and many in parallel
 * hit sshd's MaxStartups (10:30:100 by default) and are dropped. The first
 * connection becomes the master and stays 10 minutes after its last use;
 * the others ride on it. %C is a hash of host, port and user.
 */
export function multiplexedSshOptions(controlDir: string = defaultControlDir()): string[] {
    return ["-o", "ControlMaster=auto", "-o", `ControlPath=${path.join(controlDir, "%C")}`, "-o", "ControlPersist=600"];
}

/** ssh does not make the control directory itself; without it, it falls back to a connection each. */
export function ensureControlDir(controlDir: string = defaultControlDir()): void {
    fs.mkdirSync(controlDir, { recursive: true, mode: 0o700 });
}
