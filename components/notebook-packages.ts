import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { hashBuildInputs } from "./build-context";
import { userFilesDir } from "./user-files";

/** A file of the user's, read on the machine running Pulumi. */
export interface PackageFile {
    /** Where it was read from: for the reader of a label or an error, not for the build. */
    source: string;
    text: string;
}

/**
 * The user's own packages on top of the notebook's base image, in the
 * repo2docker convention: a conda `environment.yml` (installed first, into the
 * base environment) and a pip `requirements.txt` (after it).
 */
export interface NotebookPackages {
    environment?: PackageFile;
    requirements?: PackageFile;
}

/** Where the user's files are in the staged build context. */
const USER_DIR = "user-environment";

// Appended to the notebook's Dockerfile when the user names files. Each file is
// bind-mounted from the context (nothing of it stays in a layer), and installed
// as the image's user (docker-stacks: jovyan, 1000:100) into the image's own
// environment. Downloads stay in BuildKit cache mounts owned by that user: a
// changed file reinstalls without fetching again what it had (a cache mount is
// never part of the image, so no `mamba clean`). fix-permissions is
// docker-stacks' own (group "users" may write the environment, as the
// per-user notebooks, renumbered by NB_UID, need); a base without it skips it.
// RUN --mount needs BuildKit, which the docker provider builds with by default;
// the Dockerfile frontend built into Docker >= 18.09 reads it, so no `# syntax`
// line (which would pull the frontend's image).
// A failed install names the build log in the error: the error the provider
// reports shows the failed command, not its output.
const FIX_PERMISSIONS = `{ ! command -v fix-permissions >/dev/null || fix-permissions "\${CONDA_DIR:-/opt/conda}" "\${HOME}"; }`;
const failed = (tool: string, key: string, log: string) =>
    `{ echo ${shQuote(`${tool} could not install dsenv:${key}: its own error is at the end of ${log}`)} >&2; exit 1; }`;
const shQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const STEPS = {
    environment: (log: string) => [
        "# dsenv:jupyterEnvironment, the user's conda environment file, into the base environment.",
        `RUN --mount=type=bind,source=${USER_DIR}/environment.yml,target=/tmp/dsenv/environment.yml \\`,
        "    --mount=type=cache,id=dsenv-conda-pkgs,target=/tmp/dsenv/conda-pkgs,uid=1000,gid=100,sharing=locked \\",
        `    { CONDA_PKGS_DIRS=/tmp/dsenv/conda-pkgs mamba env update --yes --name base --file /tmp/dsenv/environment.yml || ${failed("mamba", "jupyterEnvironment", log)}; } \\`,
        ` && ${FIX_PERMISSIONS}`,
    ],
    requirements: (log: string) => [
        "# dsenv:jupyterRequirements, the user's pip requirements, into the same environment.",
        `RUN --mount=type=bind,source=${USER_DIR}/requirements.txt,target=/tmp/dsenv/requirements.txt \\`,
        "    --mount=type=cache,id=dsenv-pip,target=/tmp/dsenv/pip-cache,uid=1000,gid=100,sharing=locked \\",
        `    { pip install --cache-dir /tmp/dsenv/pip-cache --requirement /tmp/dsenv/requirements.txt || ${failed("pip", "jupyterRequirements", log)}; } \\`,
        ` && ${FIX_PERMISSIONS}`,
    ],
};

/** The Dockerfile of a build with the user's files: the notebook's own, then a step per file; `log` is where the build's output goes. */
export function withUserEnvironment(dockerfile: string, env: NotebookPackages, log: string): string {
    const steps = (["environment", "requirements"] as const).filter(k => env[k]).map(k => STEPS[k](log).join("\n"));
    return `${dockerfile.replace(/\n*$/, "\n")}\n${steps.join("\n\n")}\n`;
}

export function hasUserPackages(env: NotebookPackages | undefined): env is NotebookPackages {
    return env?.environment !== undefined || env?.requirements !== undefined;
}

/** A staged build context, and the file its build's output goes to (beside it: never part of it). */
export interface StagedContext {
    context: string;
    log: string;
}

/**
 * A build context holding `context` plus the user's files, at a path named by
 * a digest of both (under DSENV_HOME): the same content is the same directory,
 * so an unchanged file neither rebuilds nor replaces anything, and the image's
 * tag (a digest of the context) changes exactly when a file does. Written whole
 * into a fresh directory and renamed into place, so a run never sees one
 * half-written; an existing one is left as it is (same name, same content).
 */
export function stageNotebookContext(context: string, env: NotebookPackages, root = userFilesDir("notebook-contexts")): StagedContext {
    const key = crypto
        .createHash("sha256")
        .update(hashBuildInputs(context, path.join(context, "Dockerfile"), null))
        .update(JSON.stringify([env.environment?.text, env.requirements?.text]))
        .digest("hex")
        .slice(0, 32);
    const staged = { context: path.join(root, key), log: path.join(root, `${key}.build.log`) };
    if (fs.existsSync(staged.context)) return staged;
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const staging = fs.mkdtempSync(path.join(root, "staging-"));
    try {
        fs.cpSync(context, staging, { recursive: true });
        const dockerfile = path.join(staging, "Dockerfile");
        fs.writeFileSync(dockerfile, withUserEnvironment(fs.readFileSync(dockerfile, "utf8"), env, staged.log));
        fs.mkdirSync(path.join(staging, USER_DIR));
        if (env.environment) fs.writeFileSync(path.join(staging, USER_DIR, "environment.yml"), env.environment.text, { mode: 0o644 });
        if (env.requirements) fs.writeFileSync(path.join(staging, USER_DIR, "requirements.txt"), env.requirements.text, { mode: 0o644 });
        try {
            fs.renameSync(staging, staged.context);
        } catch (e) {
            // Another run staged the same content first.
            if (!fs.existsSync(staged.context)) throw e;
        }
        return staged;
    } finally {
        fs.rmSync(staging, { recursive: true, force: true });
    }
}
