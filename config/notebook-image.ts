import * as path from "path";
import { parseDocument } from "yaml";
import { NotebookPackages, PackageFile } from "../components/notebook-packages";
import { expandHome, readTextFile } from "./host-paths";
import { defaultNotebookBaseImage } from "./notebook-images";
import { ConfigReader } from "./reader";
import * as rules from "./rules";

// What the notebook image is made of: its base (dsenv:jupyterBaseImage, else
// the pinned default of config/notebook-images.ts) and the user's own packages
// (dsenv:jupyterRequirements, dsenv:jupyterEnvironment).

/** dsenv:jupyterBaseImage; "": the pinned default, chosen once the notebooks' GPUs are known (notebookBaseImage). */
export function readNotebookBaseImage(read: ConfigReader): string {
    return read.string("jupyterBaseImage", v => (v === "" ? undefined : rules.imageRef(v)));
}

/** The image the notebook image is built on: the one given, else the pinned default, its CUDA variant when a notebook has GPUs. */
export function notebookBaseImage(given: string, gpus: boolean): string {
    return given || defaultNotebookBaseImage(gpus);
}

/**
 * The user's requirements.txt and environment.yml, read here, on the machine
 * running Pulumi (paths relative to the project directory, absolute, or ~/...).
 * What can be checked without installing is checked now; the rest (a package
 * that does not exist, a version conflict) is pip's or mamba's error at build.
 */
export function readNotebookPackages(read: ConfigReader): NotebookPackages {
    return {
        environment: readUserFile(read, "jupyterEnvironment", "conda environment file (environment.yml)", checkEnvironmentYml),
        requirements: readUserFile(read, "jupyterRequirements", "pip requirements file (requirements.txt)", checkRequirementsTxt),
    };
}

function readUserFile(
    read: ConfigReader,
    key: "jupyterEnvironment" | "jupyterRequirements",
    what: string,
    check: (text: string) => string[],
): PackageFile | undefined {
    const value = read.string(key);
    if (value === "") return undefined;
    const source = path.resolve(expandHome(value));
    const contents = readTextFile(source, what);
    if ("problem" in contents) {
        read.reject(key, value, contents.problem);
        return undefined;
    }
    const problems = check(contents.text);
    if (problems.length > 0) {
        read.reject(
            key,
            value,
            `a ${what} that the build can install on its own (${source}: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? `; and ${problems.length - 3} more` : ""})`,
        );
        return undefined;
    }
    return { source, text: contents.text };
}

/** A reference to another local file: only the named file itself goes into the build. */
const LOCAL_OPTION = /^(-r|--requirement|-c|--constraint|-e|--editable|-f|--find-links)(?:\s*=\s*|\s+)(\S+)/;
const LOCAL_PATH = /^(\.{1,2}[/\\]|[/~]|file:)/i;
const REMOTE = /^([a-z][a-z0-9+.-]*\+)?(https?|ftp|ssh|git):\/\//i;

/** Why a requirement line needs a file the build does not have, or undefined. */
function localReference(line: string): string | undefined {
    const option = LOCAL_OPTION.exec(line);
    if (option && !REMOTE.test(option[2])) return `${option[1]} ${option[2]} names a local file or directory`;
    if (!option && LOCAL_PATH.test(line)) return `${line.split(/\s/)[0]} is a local path`;
    return undefined;
}

/** requirements.txt: pip reads it, but not what it names beside it. */
export function checkRequirementsTxt(text: string): string[] {
    const problems: string[] = [];
    text.replace(/^\uFEFF/, "")
        .split("\n")
        .forEach((raw, i) => {
            const line = raw.replace(/(^|\s)#.*$/, "").trim();
            const problem = line === "" ? undefined : localReference(line);
            if (problem) problems.push(`line ${i + 1}: ${problem}, which is not copied into the image (list the packages, or a URL)`);
        });
    return problems;
}

/** environment.yml: a YAML mapping whose dependencies are a list (conda's env spec). */
export function checkEnvironmentYml(text: string): string[] {
    const doc = parseDocument(text, { prettyErrors: false });
    if (doc.errors.length > 0)
        return doc.errors.slice(0, 3).map(e => `not YAML at line ${(e.linePos?.[0].line ?? 0) || "?"}: ${e.message.split("\n")[0]}`);
    const spec = doc.toJS() as unknown;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return ["not a mapping (name:, channels:, dependencies:)"];
    const deps = (spec as Record<string, unknown>).dependencies;
    if (deps === undefined) return ["no dependencies: list"];
    if (!Array.isArray(deps)) return ["dependencies: is not a list"];
    const problems: string[] = [];
    for (const dep of deps) {
        if (typeof dep === "string") continue;
        const pip = dep !== null && typeof dep === "object" && !Array.isArray(dep) ? (dep as Record<string, unknown>).pip : undefined;
        if (!Array.isArray(pip)) {
            problems.push(`dependencies: entry ${JSON.stringify(dep)} is neither a package spec nor a pip: list`);
            continue;
        }
        for (const req of pip) {
            const problem = typeof req === "string" ? localReference(req.trim()) : `${JSON.stringify(req)} is not a requirement`;
            if (problem) problems.push(`pip: ${problem}, which is not copied into the image`);
        }
    }
    return problems;
}
