import { spawnSync } from "child_process";
import * as path from "path";

/**
 * The toolchain parts that scripts/test.sh builds in the background while the
 * e2e files that do not need them run: the Kubernetes plugin and the test
 * cluster, Go builds of about 17 minutes on 2 cores when nothing is cached,
 * which would otherwise come before every e2e file (CI's cold run).
 */
export const LATE_PARTS = ["kubernetes-plugin", "kube-cluster"] as const;
export type LatePart = (typeof LATE_PARTS)[number];

/** What a test file calls for late parts: test/sequencer.js runs the files that call it after the others. */
export const LATE_PARTS_MARKER = "ensureLateParts(";

/** How long a hook that calls ensureLateParts may take: the background build, cold, on a busy machine, then the hook's own work. */
export const LATE_PARTS_WAIT_MS = 75 * 60_000;

const ROOT = path.join(__dirname, "..", "..");

/**
 * Makes `parts` ready and takes their environment (DSENV_KUBE, ...) into this
 * process. The toolchain runs again under the background build's lock
 * (DSENV_LATE_PARTS_LOCK, set by scripts/test.sh), so this waits for that
 * build, then finds everything made and returns in seconds. Run without
 * scripts/test.sh, it builds what is missing itself.
 */
export function ensureLateParts(...parts: LatePart[]): void {
    const ensure = [path.join(ROOT, "scripts", "toolchain", "ensure.sh"), ...parts];
    const lock = process.env.DSENV_LATE_PARTS_LOCK;
    const [cmd, ...args] = lock ? ["flock", lock, ...ensure] : ensure;
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60 * 60_000 });
    if (r.status !== 0) {
        throw new Error(
            `toolchain parts ${parts.join(", ")}: ${cmd} ${args.join(" ")} failed (${r.error ?? `exit ${r.status}`}):\n${r.stderr.slice(-4000)}`,
        );
    }
    // ensure.sh prints the environment of the parts asked for, one `export NAME="value"` a line
    // (a value may name another variable, as PATH="...:$PATH" does).
    for (const line of r.stdout.split("\n")) {
        const m = /^export ([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/.exec(line);
        if (m) process.env[m[1]] = m[2].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => process.env[name] ?? "");
    }
}
