import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/**
 * A digest of everything a build reads from disk: every file under the context
 * (path, executable bit and content) and the Dockerfile. It decides when an image
 * is rebuilt, so the same content never rebuilds and any change always does.
 * .dockerignore is not applied: a change to an ignored file rebuilds needlessly,
 * never the other way round.
 */
export function hashBuildInputs(context: string, dockerfile: string, extra: unknown): string {
    const hash = crypto.createHash("sha256");
    for (const file of listFiles(context)) {
        const full = path.join(context, file);
        const executable = (fs.statSync(full).mode & 0o111) !== 0;
        hash.update(`${file}\0${executable ? "x" : "-"}\0`);
        hash.update(fs.readFileSync(full));
        hash.update("\0");
    }
    hash.update(`dockerfile\0`);
    hash.update(fs.readFileSync(dockerfile));
    hash.update(`\0${JSON.stringify(extra)}`);
    return hash.digest("hex");
}

function listFiles(dir: string, prefix = ""): string[] {
    const entries = fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    return entries.flatMap(e => {
        const rel = prefix ? `${prefix}/${e.name}` : e.name;
        if (e.isDirectory()) return listFiles(dir, rel);
        return e.isFile() || e.isSymbolicLink() ? [rel] : [];
    });
}

export interface Provenance {
    /** Last commit that touched the context, with "-dirty" when it has uncommitted changes; "unknown" outside git. */
    gitCommit: string;
    /** That commit's date (ISO 8601): stable across runs, unlike the time of the build. */
    buildDate: string;
}

/** The images' `git-commit` and `build-date` labels, taken from git so that they only change with the content. */
export function provenanceOf(context: string): Provenance {
    try {
        const [commit, date] = git(context, "log", "-1", "--format=%H%n%cI", "--", ".").split("\n");
        if (!commit) return { gitCommit: "unknown", buildDate: "unknown" };
        const dirty = git(context, "status", "--porcelain", "--", ".") !== "";
        return { gitCommit: dirty ? `${commit}-dirty` : commit, buildDate: date };
    } catch {
        return { gitCommit: "unknown", buildDate: "unknown" };
    }
}

/** The commit checked out where `dir` is, with "-dirty" for uncommitted changes; undefined outside git. */
export function checkoutCommit(dir: string): string | undefined {
    try {
        const commit = git(dir, "rev-parse", "HEAD");
        return git(dir, "status", "--porcelain") === "" ? commit : `${commit}-dirty`;
    } catch {
        return undefined;
    }
}

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
}
