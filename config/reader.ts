import * as pulumi from "@pulumi/pulumi";
import { allConfig } from "@pulumi/pulumi/runtime/config";
import { ConfigKey, DEFAULTS } from "./defaults";
import { nearest } from "./nearest";
import { Rule } from "./rules";

// Whether the stack stores a key encrypted. The SDK marks this @internal (no
// typing), yet it is what Config.getSecret's own warning uses: the language
// host hands the secret keys over with the config.
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** How a secret value appears in a message: never itself. */
export const SECRET_SHOWN = "[secret]";

/** A value as a message shows it: JSON, with the password of a URL (scheme://user:password@) hidden. */
function shown(value: unknown): string {
    const text = JSON.stringify(value) ?? String(value);
    return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/@\s"]*?:)[^/@\s"]*@/gi, `$1${SECRET_SHOWN}@`);
}

/** Every problem of a stack's config at once, raised before any resource is declared. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
        this.name = "ConfigError";
    }
}

/**
 * Reads typed values from stack config, applies the defaults, and collects
 * problems instead of stopping at the first, so a user fixes them all in one go.
 * Each problem names the key, the value and what would be accepted.
 */
export class ConfigReader {
    readonly problems: string[] = [];
    /** Keys some reader asked for: a key set but never asked for has no effect. */
    private readonly asked = new Set<string>();

    constructor(private readonly config: pulumi.Config) {}

    /** The full key as a user types it: `dsenv:mysqlHostPort`. */
    key(name: ConfigKey | string): string {
        return `${this.config.name}:${name}`;
    }

    /** Records a problem; `value` is shown as the user wrote it, unless the key holds a secret. */
    reject(name: string, value: unknown, accepted: string): void {
        const secret = isConfigSecret(this.key(name));
        this.problems.push(`${this.key(name)}: got ${secret ? SECRET_SHOWN : shown(value)}, expected ${accepted}`);
    }

    /** The raw value when the stack sets the key to something other than its default. */
    changed(name: ConfigKey): string | undefined {
        const raw = this.config.get(name);
        const fallback = DEFAULTS[name];
        return raw === undefined || raw === (typeof fallback === "string" ? fallback : JSON.stringify(fallback)) ? undefined : raw;
    }

    /**
     * A value with no effect because of another (a password without a registry):
     * reported, so that a user does not believe it applies.
     */
    rejectOrphan(name: ConfigKey, because: string): void {
        // Said once: not again as a key no reader asked for.
        this.asked.add(name);
        const raw = this.changed(name);
        if (raw !== undefined) this.reject(name, parsedForMessage(raw), `it unset, since ${because} (it has no effect)`);
    }

    /** Keys of this project the stack sets that Pulumi.yaml does not declare, each with the nearest declared key. */
    rejectUnknownKeys(): void {
        const declared = Object.keys(DEFAULTS);
        const prefix = `${this.config.name}:`;
        for (const [full, raw] of Object.entries(allConfig())) {
            const name = full.slice(prefix.length);
            if (!full.startsWith(prefix) || declared.includes(name)) continue;
            this.reject(
                name,
                parsedForMessage(raw),
                `a key that Pulumi.yaml declares; the nearest is ${this.key(nearest(name, declared))}`,
            );
        }
    }

    /** Keys set to something other than their default that no reader asked for, except those `exempt`. */
    unaskedChanges(exempt: (name: ConfigKey) => boolean): ConfigKey[] {
        return (Object.keys(DEFAULTS) as ConfigKey[]).filter(k => !this.asked.has(k) && !exempt(k) && this.changed(k) !== undefined);
    }

    string(name: ConfigKey, rule?: Rule<string>): string {
        this.asked.add(name);
        const value = this.config.get(name) ?? (DEFAULTS[name] as string);
        return this.check(name, value, rule);
    }

    integer(name: ConfigKey, rule: Rule<number>): number {
        this.asked.add(name);
        const raw = this.config.get(name);
        if (raw === undefined) return DEFAULTS[name] as number;
        if (!/^-?[0-9]+$/.test(raw.trim())) {
            this.reject(name, raw, rule(Number.NaN) ?? "an integer");
            return DEFAULTS[name] as number;
        }
        return this.check(name, Number(raw), rule);
    }

    boolean(name: ConfigKey): boolean {
        this.asked.add(name);
        const raw = this.config.get(name);
        if (raw === undefined) return DEFAULTS[name] as boolean;
        if (raw !== "true" && raw !== "false") {
            this.reject(name, raw, "true or false");
            return DEFAULTS[name] as boolean;
        }
        return raw === "true";
    }

    strings(name: ConfigKey, rule: Rule<string>): string[] {
        this.asked.add(name);
        const raw = this.config.get(name);
        if (raw === undefined) return [...(DEFAULTS[name] as string[])];
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            parsed = undefined;
        }
        if (!Array.isArray(parsed) || parsed.some(v => typeof v !== "string")) {
            this.reject(name, raw, "a list of strings (pulumi config set --path 'key[0]' value)");
            return [];
        }
        return parsed.map(v => this.check(name, v as string, rule));
    }

    /**
     * A key of Pulumi.yaml type object, as JSON (its default when unset); the
     * caller checks its shape. Whether any of it is stored encrypted is
     * `storedSecret`: Pulumi marks a whole key secret when one value inside it
     * was set with --secret --path, and tells the program no more than that.
     */
    json(name: ConfigKey): unknown {
        this.asked.add(name);
        const raw = this.config.get(name);
        if (raw === undefined) return DEFAULTS[name];
        try {
            return JSON.parse(raw);
        } catch {
            return raw;
        }
    }

    /** Whether the stack stores the key (or a value inside it) encrypted. */
    storedSecret(name: ConfigKey): boolean {
        return isConfigSecret(this.key(name));
    }

    /**
     * A secret value, or undefined when unset or "" (Pulumi.yaml's default: it
     * cannot declare the key `secret: true`, or the CLI would demand a value on
     * every stack). A value stored in plain text is refused, not echoed.
     */
    secret(name: ConfigKey): pulumi.Output<string> | undefined {
        this.asked.add(name);
        const raw = this.config.get(name);
        if (raw === undefined || raw === "") return undefined;
        if (!isConfigSecret(this.key(name))) {
            this.problems.push(
                `${this.key(name)}: got ${SECRET_SHOWN} in plain text, expected a secret: pulumi config set --secret ${this.key(name)} <value>`,
            );
        }
        return this.config.getSecret(name);
    }

    private check<T>(name: string, value: T, rule?: Rule<T>): T {
        const accepted = rule?.(value);
        if (accepted !== undefined) this.reject(name, value, accepted);
        return value;
    }
}

/** Lists, integers and booleans as values, anything else as the string the user wrote (a number only where it reads back the same: not "007", "-0" or 20 digits). */
export function parsedForMessage(raw: string): unknown {
    if (raw === "true" || raw === "false") return raw === "true";
    if (/^-?[0-9]+$/.test(raw)) return String(Number(raw)) === raw ? Number(raw) : raw;
    try {
        const parsed: unknown = JSON.parse(raw);
        return typeof parsed === "object" && parsed !== null ? parsed : raw;
    } catch {
        return raw;
    }
}
