import * as pulumi from "@pulumi/pulumi";
import { NOTEBOOK_RESERVED_ENV, NotebookVariables } from "../components/jupyter";
import { ConfigKey } from "./defaults";
import { ConfigReader, SECRET_SHOWN } from "./reader";
import { envName } from "./workload-rules";

// The user's own environment variables in the notebooks, from four keys:
//   jupyterEnv, jupyterSecretEnv             NAME -> value, for every notebook
//   jupyterUserEnv, jupyterUserSecretEnv     user -> { NAME -> value }, for that
//                                            user's notebook, over the shared ones
// A name is a variable name of its own: not one dsenv sets or the image's start
// scripts read (NOTEBOOK_RESERVED_ENV, in any case: a swarm names secret files
// in lower case), not *_FILE (the image reads those as files), not two names
// that differ only in case, and never plain and secret in one notebook.

/** Every notebook's variables (jupyterEnv/jupyterSecretEnv), and each user's, merged over them. */
export interface NotebookEnvSettings {
    shared: NotebookVariables;
    byUser: Record<string, NotebookVariables>;
}

const RESERVED = new Set(NOTEBOOK_RESERVED_ENV.map(n => n.toUpperCase()));
const ACCEPTED_VALUE =
    "a string (an integer or true/false is taken as written; quote anything else: pulumi config set --path --type string ...)";

/** What a variable's name must be; undefined when it is fine. */
function nameProblem(name: string): string | undefined {
    const bad = envName(name);
    if (bad) return bad;
    if (RESERVED.has(name.toUpperCase())) return `a name dsenv does not set itself (${NOTEBOOK_RESERVED_ENV.join(", ")}, in any case)`;
    if (/_FILE$/i.test(name)) return "a name that does not end in _FILE (the notebook image reads VAR_FILE as the file holding VAR)";
    return undefined;
}

/**
 * A value as the environment takes it: a string, or an integer or boolean,
 * which `pulumi config set --path` stores typed only when it reads back the
 * same (5 and true, not 007 or 1.50), so their text is what the user wrote.
 */
function valueText(value: unknown): string | undefined {
    if (typeof value === "string") return value.includes("\u0000") ? undefined : value;
    if (typeof value === "boolean" || (typeof value === "number" && Number.isSafeInteger(value))) return String(value);
    return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isSecretKey = (key: ConfigKey) => key === "jupyterSecretEnv" || key === "jupyterUserSecretEnv";

/** ConfigReader.reject, never showing a value of a secret key (even one stored in plain text by mistake). */
function reject(read: ConfigReader, key: ConfigKey, value: unknown, accepted: string): void {
    if (isSecretKey(key)) read.problems.push(`${read.key(key)}: got ${SECRET_SHOWN}, expected ${accepted}`);
    else read.reject(key, value, accepted);
}

/** How a value is set, for messages: `pulumi config set [--secret] --path 'dsenv:key.[user.]NAME' value`. */
function howToSet(read: ConfigReader, key: ConfigKey, user?: string): string {
    return `pulumi config set${isSecretKey(key) ? " --secret" : ""} --path '${read.key(key)}.${user ? `${user}.` : ""}NAME' value`;
}

/** One NAME -> value object, checked; `user` when it is that user's. */
function readVariables(read: ConfigReader, key: ConfigKey, raw: unknown, user?: string): Record<string, string> {
    const shownAs = (v: unknown) => (user ? { [user]: v } : v);
    if (!isObject(raw)) {
        reject(
            read,
            key,
            shownAs(raw),
            `${user ? `for ${user}, ` : ""}an object of variable names and values (${howToSet(read, key, user)})`,
        );
        return {};
    }
    const vars: Record<string, string> = {};
    const seen = new Map<string, string>();
    for (const [name, value] of Object.entries(raw)) {
        const shown = shownAs({ [name]: value });
        const problem = nameProblem(name);
        const twin = seen.get(name.toUpperCase());
        const text = valueText(value);
        if (problem) reject(read, key, shown, `${problem}; got the name ${JSON.stringify(name)}`);
        else if (twin)
            reject(read, key, shown, `names that differ in more than case (${JSON.stringify(twin)} and ${JSON.stringify(name)})`);
        else if (text === undefined) reject(read, key, shown, `${ACCEPTED_VALUE} as the value of ${name}, without NUL characters`);
        else vars[name] = text;
        seen.set(name.toUpperCase(), name);
    }
    return vars;
}

/**
 * Secret keys must be stored encrypted (their values would sit in plain text in
 * the stack file), plain keys must not be (their values would be plain in state).
 */
function checkStorage(read: ConfigReader, key: ConfigKey, user?: string): void {
    if (read.changed(key) === undefined) return;
    if (isSecretKey(key) && !read.storedSecret(key)) reject(read, key, undefined, `values set with --secret: ${howToSet(read, key, user)}`);
    if (!isSecretKey(key) && read.storedSecret(key))
        reject(
            read,
            key,
            undefined,
            `plain values only; secret ones go in ${read.key(key === "jupyterEnv" ? "jupyterSecretEnv" : "jupyterUserSecretEnv")}`,
        );
}

/** jupyterUserEnv / jupyterUserSecretEnv: user -> variables, for users of dsenv:jupyterUsers only. */
function readUserVariables(read: ConfigReader, key: ConfigKey, users: string[]): Record<string, Record<string, string>> {
    checkStorage(read, key, "<user>");
    const raw = read.json(key);
    if (!isObject(raw)) {
        reject(read, key, raw, `an object of user names and their variables (${howToSet(read, key, "<user>")})`);
        return {};
    }
    const byUser: Record<string, Record<string, string>> = {};
    for (const [user, vars] of Object.entries(raw)) {
        if (users.includes(user)) byUser[user] = readVariables(read, key, vars, user);
        else
            reject(
                read,
                key,
                { [user]: vars },
                users.length
                    ? `users of dsenv:jupyterUsers (${users.join(", ")}); got the user ${JSON.stringify(user)}`
                    : `it unset, since dsenv:jupyterUsers is empty (got the user ${JSON.stringify(user)})`,
            );
    }
    return byUser;
}

type Layer = { key: ConfigKey; vars: Record<string, string> };

/**
 * One notebook's names: none both plain and secret, and none spelt in another
 * case than in another key (that would be a second variable, and on a swarm the
 * same secret file). `skip` says which pairs of keys were checked already.
 */
function checkApart(read: ConfigReader, layers: Layer[], skip: (a: ConfigKey, b: ConfigKey) => boolean, user?: string): void {
    const whose = user ? ` for ${user}` : "";
    layers.forEach((a, i) => {
        for (const b of layers.slice(i + 1)) {
            if (skip(a.key, b.key)) continue;
            const names = new Map(Object.keys(a.vars).map(n => [n.toUpperCase(), n]));
            for (const name of Object.keys(b.vars)) {
                const other = names.get(name.toUpperCase());
                if (other === undefined) continue;
                const shown = user && b.key.startsWith("jupyterUser") ? { [user]: { [name]: b.vars[name] } } : { [name]: b.vars[name] };
                if (isSecretKey(a.key) !== isSecretKey(b.key))
                    reject(read, b.key, shown, `names that are not both plain and secret${whose}: ${name} is in ${read.key(a.key)} too`);
                else if (other !== name)
                    reject(
                        read,
                        b.key,
                        shown,
                        `${other}${whose}, as ${read.key(a.key)} spells it (a name that differs only in case is another variable); got ${name}`,
                    );
            }
        }
    });
}

export function readNotebookVariables(read: ConfigReader, users: string[]): NotebookEnvSettings {
    checkStorage(read, "jupyterEnv");
    checkStorage(read, "jupyterSecretEnv");
    const env = readVariables(read, "jupyterEnv", read.json("jupyterEnv"));
    const secretEnv = readVariables(read, "jupyterSecretEnv", read.json("jupyterSecretEnv"));
    const userEnv = readUserVariables(read, "jupyterUserEnv", users);
    const userSecretEnv = readUserVariables(read, "jupyterUserSecretEnv", users);

    const shared: Layer[] = [
        { key: "jupyterEnv", vars: env },
        { key: "jupyterSecretEnv", vars: secretEnv },
    ];
    checkApart(read, shared, () => false);
    const isShared = (k: ConfigKey) => k === "jupyterEnv" || k === "jupyterSecretEnv";
    const byUser: Record<string, NotebookVariables> = {};
    for (const user of users) {
        const own = { env: userEnv[user] ?? {}, secretEnv: userSecretEnv[user] ?? {} };
        // The user's own keys after the shared ones: a user's value replaces a shared value of the same name.
        checkApart(
            read,
            [...shared, { key: "jupyterUserEnv", vars: own.env }, { key: "jupyterUserSecretEnv", vars: own.secretEnv }],
            (a, b) => isShared(a) && isShared(b),
            user,
        );
        byUser[user] = { env: { ...env, ...own.env }, secretEnv: secrets({ ...secretEnv, ...own.secretEnv }) };
    }
    return { shared: { env, secretEnv: secrets(secretEnv) }, byUser };
}

/** Each value a Pulumi secret of its own, so that it stays one wherever it is carried. */
function secrets(vars: Record<string, string>): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, pulumi.secret(v)]));
}
