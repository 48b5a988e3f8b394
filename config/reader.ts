import * as pulumi from "@pulumi/pulumi";
import { ConfigKey, DEFAULTS } from "./defaults";
import { Rule } from "./rules";

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

    constructor(private readonly config: pulumi.Config) {}

    /** The full key as a user types it: `dsenv:mysqlHostPort`. */
    key(name: ConfigKey | string): string {
        return `${this.config.name}:${name}`;
    }

    /** Records a problem; `value` is shown as the user wrote it. */
    reject(name: string, value: unknown, accepted: string): void {
        this.problems.push(`${this.key(name)}: got ${JSON.stringify(value)}, expected ${accepted}`);
    }

    string(name: ConfigKey, rule?: Rule<string>): string {
        const value = this.config.get(name) ?? (DEFAULTS[name] as string);
        return this.check(name, value, rule);
    }

    integer(name: ConfigKey, rule: Rule<number>): number {
        const raw = this.config.get(name);
        if (raw === undefined) return DEFAULTS[name] as number;
        if (!/^-?[0-9]+$/.test(raw.trim())) {
            this.reject(name, raw, rule(Number.NaN) ?? "an integer");
            return DEFAULTS[name] as number;
        }
        return this.check(name, Number(raw), rule);
    }

    boolean(name: ConfigKey): boolean {
        const raw = this.config.get(name);
        if (raw === undefined) return DEFAULTS[name] as boolean;
        if (raw !== "true" && raw !== "false") {
            this.reject(name, raw, "true or false");
            return DEFAULTS[name] as boolean;
        }
        return raw === "true";
    }

    strings(name: ConfigKey, rule: Rule<string>): string[] {
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

    secret(name: string): pulumi.Output<string> | undefined {
        return this.config.getSecret(name);
    }

    private check<T>(name: string, value: T, rule?: Rule<T>): T {
        const accepted = rule?.(value);
        if (accepted !== undefined) this.reject(name, value, accepted);
        return value;
    }
}
