import * as pulumi from "@pulumi/pulumi";

// The seed's `--env-file .env`: KEY=VALUE lines read on the machine running
// Pulumi and handed to the container at run time, never built into an image.

export interface EnvFile {
    /** KEY -> value, in file order; a key given twice keeps its last value. */
    entries: Record<string, string>;
    /** "line N: what is wrong", never the value (it may be a secret). */
    errors: string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses .env text: blank lines and `#` comments are skipped, `export ` is
 * allowed before a key, values may be bare (a ` #` starts a comment), 'single
 * quoted' (taken literally) or "double quoted" (\n, \t, \" and \\ are escapes).
 */
export function parseEnvFile(text: string): EnvFile {
    const entries: Record<string, string> = {};
    const errors: string[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) return;
        const where = `line ${i + 1}`;
        const eq = line.indexOf("=");
        if (eq < 0) {
            errors.push(`${where}: not KEY=VALUE`);
            return;
        }
        const key = line.slice(0, eq).replace(/^export\s+/, "").trim();
        if (!KEY.test(key)) {
            errors.push(`${where}: ${JSON.stringify(key)} is not a variable name`);
            return;
        }
        const value = parseValue(line.slice(eq + 1).trim());
        if (value === undefined) {
            errors.push(`${where}: the value of ${key} has an unclosed quote or text after its closing quote`);
            return;
        }
        entries[key] = value;
    });
    return { entries, errors };
}

function parseValue(v: string): string | undefined {
    const quote = v[0];
    if (quote === "'" || quote === '"') {
        const close = findClosingQuote(v, quote);
        if (close < 0) return undefined;
        const rest = v.slice(close + 1).trim();
        if (rest !== "" && !rest.startsWith("#")) return undefined;
        const inner = v.slice(1, close);
        return quote === "'" ? inner : inner.replace(/\\([nt"\\])/g, (_, c: string) => ({ n: "\n", t: "\t", '"': '"', "\\": "\\" })[c]!);
    }
    const comment = v.search(/\s#/);
    return (comment < 0 ? v : v.slice(0, comment)).trim();
}

function findClosingQuote(v: string, quote: string): number {
    for (let i = 1; i < v.length; i++) {
        if (quote === '"' && v[i] === "\\") i++;
        else if (v[i] === quote) return i;
    }
    return -1;
}

/** Names that hold a secret whether or not the user listed them: a safety net, not the rule. */
const SECRET_LOOKING = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)/i;

/**
 * Splits entries into plain and secret environment: the keys listed as secret,
 * and any whose name says it is one, go in as secrets (kept secret in state).
 */
export function splitSecretEnv(entries: Record<string, string>, secretKeys: string[]): { env: Record<string, string>; secretEnv: Record<string, pulumi.Output<string>> } {
    const env: Record<string, string> = {};
    const secretEnv: Record<string, pulumi.Output<string>> = {};
    for (const [key, value] of Object.entries(entries)) {
        if (secretKeys.includes(key) || SECRET_LOOKING.test(key)) secretEnv[key] = pulumi.secret(value);
        else env[key] = value;
    }
    return { env, secretEnv };
}
