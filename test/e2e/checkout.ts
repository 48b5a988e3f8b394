import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker } from "./harness";

const REPO = path.join(__dirname, "..", "..");

/**
 * A copy of the checkout, .git included, as a user has it (what git knows of:
 * none of this machine's per-user files), and beside it a home for what the user
 * keeps outside it. node_modules is linked to this one's unless the test makes
 * its own (npm ci).
 */
export class Checkout {
    /** Holds the checkout and, beside it, what the user has outside it. */
    readonly root: string;
    readonly dir: string;
    readonly id = crypto.randomBytes(3).toString("hex");
    /** A name prefix that clashes with nothing. */
    readonly prefix: string;
    readonly dsenvHome: string;

    constructor(label: string, opts: { linkNodeModules?: boolean } = {}) {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), `dsenv-${label}-`));
        this.dir = path.join(this.root, "checkout");
        this.prefix = `dsenv-${label}-${this.id}`;
        this.dsenvHome = path.join(this.root, "dsenv-home");
        // What git knows of (tracked, or new and not ignored): none of this machine's per-user files.
        const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" })
            .split("\0")
            .filter(f => f && fs.existsSync(path.join(REPO, f)));
        for (const f of [".git", ...files])
            fs.cpSync(path.join(REPO, f), path.join(this.dir, f), { recursive: true, verbatimSymlinks: true });
        if (opts.linkNodeModules ?? true) fs.symlinkSync(path.join(REPO, "node_modules"), path.join(this.dir, "node_modules"));
        fs.mkdirSync(path.join(this.root, "docker-config"));
    }

    /** The environment of the user's shell: the tests' PULUMI_HOME and cache, no backend or passphrase of anyone else's. */
    env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = { ...process.env };
        for (const v of ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "DSENV_STACK"]) delete env[v];
        return { ...env, DSENV_HOME: this.dsenvHome, DOCKER_CONFIG: path.join(this.root, "docker-config"), ...extra };
    }

    /** Runs a command in the checkout; returns its exit status, output (stdout and stderr together) and duration. */
    run(
        cmd: string,
        args: string[],
        extra: Record<string, string> = {},
        env = this.env(extra),
    ): { status: number; out: string; seconds: number } {
        const t0 = Date.now();
        const r = spawnSync(cmd, args, { cwd: this.dir, env, encoding: "utf8", timeout: 600_000, maxBuffer: 64 << 20 });
        const out = `${r.stdout}${r.stderr}`;
        if (process.env.DSENV_E2E_VERBOSE) process.stderr.write(out);
        return { status: r.status ?? -1, out, seconds: (Date.now() - t0) / 1000 };
    }

    gitStatus(): string {
        return execFileSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: this.dir, encoding: "utf8" });
    }

    /** Runs `teardown` (the stack's destroy), removes the volumes named with the prefix, and the copy. */
    dispose(teardown: () => void): void {
        try {
            teardown();
        } finally {
            for (const v of docker("volume", "ls", "-q", "--filter", `name=${this.prefix}`).split("\n").filter(Boolean))
                docker("volume", "rm", "-f", v);
            fs.rmSync(this.root, { recursive: true, force: true });
        }
    }
}
