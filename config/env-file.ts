import * as pulumi from "@pulumi/pulumi";

// appEnvFile is read the way `docker run --env-file` reads a file (docker/cli,
// opts/envfile.go), so a file means the same to dsenv as to Docker:
//   - lines end with LF or CRLF; a UTF-8 byte order mark at the start is skipped
//   - leading white space is dropped; empty lines and lines starting with # are skipped
//   - KEY=VALUE: the key is what comes before the first "=" and has no white space;
//     the value is everything after it, literally: quotes, " #" and trailing
//     spaces are part of the value (no quote removal, no escapes, no ${...})
// What Docker would accept but dsenv refuses, each with the line number:
//   - a line without "=": Docker copies that variable from the environment of
//     the process reading the file, which here is Pulumi with your credentials
//   - `export KEY=...` (Docker would fail on the key "export KEY"; say why)
//   - NUL, a CR that ends no line (classic Mac line endings) and other control
//     characters (tab is fine): they cannot be passed to a container intact
// Problems name the line and the key, never a value: it may be a secret.

export interface EnvFile {
    /** KEY -> value, in file order; a key given twice keeps its last value, as with Docker. */
    entries: Record<string, string>;
    /** "line N: what is wrong". */
    errors: string[];
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/;

/** Parses the text of an env file (already checked to be UTF-8). */
export function parseEnvFile(text: string): EnvFile {
    const entries: Record<string, string> = {};
    const errors: string[] = [];
    const lines = text.replace(/^\uFEFF/, "").split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    lines.forEach((raw, i) => {
        const where = `line ${i + 1}`;
        const line = (raw.endsWith("\r") ? raw.slice(0, -1) : raw).trimStart();
        const control = CONTROL.exec(line);
        if (control) {
            errors.push(`${where}: ${controlName(control[0])}`);
            return;
        }
        if (line === "" || line.startsWith("#")) return;
        const eq = line.indexOf("=");
        const key = eq < 0 ? line : line.slice(0, eq);
        if (/^export[ \t]/.test(key)) {
            errors.push(`${where}: "export" is not part of Docker's env-file format (write ${key.replace(/^export[ \t]+/, "")}=...)`);
        } else if (key === "") {
            errors.push(`${where}: no variable name before "="`);
        } else if (/[ \t]/.test(key)) {
            errors.push(`${where}: the variable name ${JSON.stringify(key.trimEnd())} contains white space`);
        } else if (eq < 0) {
            errors.push(
                `${where}: ${key} has no "=" (Docker would copy it from the environment of the machine reading the file; give its value)`,
            );
        } else {
            entries[key] = line.slice(eq + 1);
        }
    });
    return { entries, errors };
}

function controlName(c: string): string {
    if (c === "\u0000") return "a NUL character";
    if (c === "\r") return "a carriage return that ends no line (save the file with LF or CRLF line endings)";
    return `the control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** Names that hold a secret whether or not the user listed them: a safety net, not the rule. */
const SECRET_LOOKING = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)/i;

/**
 * Splits entries into plain and secret environment: the keys listed as secret,
 * and any whose name says it is one, go in as secrets (kept secret in state).
 */
export function splitSecretEnv(
    entries: Record<string, string>,
    secretKeys: string[],
): { env: Record<string, string>; secretEnv: Record<string, pulumi.Output<string>> } {
    const env: Record<string, string> = {};
    const secretEnv: Record<string, pulumi.Output<string>> = {};
    for (const [key, value] of Object.entries(entries)) {
        if (secretKeys.includes(key) || SECRET_LOOKING.test(key)) secretEnv[key] = pulumi.secret(value);
        else env[key] = value;
    }
    return { env, secretEnv };
}
