import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigReader } from "./reader";
import * as rules from "./rules";
import type { WorkDir } from "../components/volume";
import { EngineSettings } from "./engine-settings";

// Host paths the config names: directories a container mounts, files this
// program reads. Validation only looks: nothing here creates or changes a file.

/** `~` and `~/...` under the home of the user running Pulumi. */
export function expandHome(p: string, home = os.homedir()): string {
    return p === "~" ? home : p.startsWith("~/") ? path.join(home, p.slice(2)) : p;
}

type Found = "directory" | "file" | { missing: true } | { other: string };

/** What is at `p` on this machine, following links; errors say why it cannot be looked at. */
function lookAt(p: string): Found {
    let st: fs.Stats;
    try {
        st = fs.statSync(p);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return { missing: true };
        return { other: `cannot be looked at: ${errnoText(code)}` };
    }
    if (st.isDirectory()) return "directory";
    if (st.isFile()) return "file";
    return {
        other: `is a ${st.isFIFO() ? "named pipe" : st.isSocket() ? "socket" : st.isCharacterDevice() || st.isBlockDevice() ? "device" : "special file"}`,
    };
}

function errnoText(code: string | undefined): string {
    switch (code) {
        case "EACCES":
        case "EPERM":
            return "permission denied";
        case "ENOTDIR":
            return "a part of the path is a file, not a directory";
        case "ELOOP":
            return "too many symbolic links (a loop?)";
        case "ENAMETOOLONG":
            return "the path is too long";
        default:
            return code ?? "unknown error";
    }
}

/** Why `p` is not an existing directory, or undefined when it is one. */
export function notADirectory(p: string): string | undefined {
    const found = lookAt(p);
    if (found === "directory") return undefined;
    if (found === "file") return `a directory (${p} is a file)`;
    if ("missing" in found) return `an existing directory (${p} does not exist; create it first)`;
    return `a directory (${p} ${found.other})`;
}

/** Why `p` is not an existing regular file, or undefined when it is one; `what` names the file wanted. */
export function notAFile(p: string, what = "file"): string | undefined {
    const found = lookAt(p);
    if (found === "file") return undefined;
    if (found === "directory") return `a ${what} (${p} is a directory)`;
    if ("missing" in found) return `an existing ${what} (${p} does not exist)`;
    return `a regular ${what} (${p} ${found.other})`;
}

/**
 * A host directory as a container sees it: absolute where the engine runs.
 * `~` is the home of the user running Pulumi, so it is only accepted for a
 * local engine; only a local engine's paths can be checked from here (a remote
 * engine reports a missing path at deploy time).
 */
export function hostDir(read: ConfigReader, name: string, value: string, engine: EngineSettings): string {
    if (rules.hostPath(value) !== undefined) return value;
    if (!engine.isLocal && value.startsWith("~")) {
        read.reject(name, value, "an absolute path on the Docker host (~ would be your home on this machine, not on that host)");
        return value;
    }
    const hostPath = expandHome(value);
    const problem = engine.isLocal ? notADirectory(hostPath) : undefined;
    if (problem) read.reject(name, value, problem);
    return hostPath;
}

/** A host directory when one is given, else a named volume. */
export function readWorkDir(read: ConfigReader, name: string, value: string, keepOnDestroy: boolean, engine: EngineSettings): WorkDir {
    if (value === "" || rules.hostPath(value) !== undefined) return { kind: "volume", keepOnDestroy };
    return { kind: "bind", hostPath: hostDir(read, name, value, engine) };
}

/** Env files and keys are small; a bigger file is not one (a disk image, a log). */
export const MAX_READ_BYTES = 1024 * 1024;

/**
 * The UTF-8 text of a regular file on this machine, or a problem saying what is
 * there instead. Opened without blocking (a named pipe would wait forever) and
 * read no further than the limit, whatever its size claims (/proc says 0).
 */
export function readTextFile(p: string, what = "file"): { text: string } | { problem: string } {
    const problem = notAFile(p, what);
    if (problem) return { problem };
    let fd: number | undefined;
    try {
        fd = fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
        if (!fs.fstatSync(fd).isFile()) return { problem: `a regular ${what} (${p} changed while it was read)` };
        const buffer = Buffer.alloc(MAX_READ_BYTES + 1);
        let length = 0;
        for (let n = -1; n !== 0 && length < buffer.length; length += n) n = fs.readSync(fd, buffer, length, buffer.length - length, null);
        if (length > MAX_READ_BYTES) return { problem: `a ${what} of at most ${MAX_READ_BYTES} bytes (${p} is bigger)` };
        const bytes = buffer.subarray(0, length);
        try {
            return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
        } catch {
            const line = bytes.subarray(0, firstInvalidUtf8(bytes)).filter(b => b === 0x0a).length + 1;
            return { problem: `a ${what} in UTF-8 (${p} has bytes that are not UTF-8 on line ${line})` };
        }
    } catch (e) {
        return { problem: `a ${what} this user can read (${p}: ${errnoText((e as NodeJS.ErrnoException).code)})` };
    } finally {
        if (fd !== undefined) fs.closeSync(fd);
    }
}

function firstInvalidUtf8(bytes: Buffer): number {
    let lo = 0;
    let hi = bytes.length;
    const valid = (n: number) => {
        try {
            new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, n), { stream: true });
            return true;
        } catch {
            return false;
        }
    };
    while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (valid(mid)) lo = mid;
        else hi = mid - 1;
    }
    return lo;
}
