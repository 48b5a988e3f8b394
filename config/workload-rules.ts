import { Rule } from "./rules";

// What the workload keys accept, in the style of rules.ts: nothing when the
// value is fine, else the words "what would be accepted".

/** Docker's --shm-size in MiB: more than Docker's 64 is the point, a machine's RAM the limit. */
export const shmSizeMb: Rule<number> = v =>
    Number.isInteger(v) && v >= 64 && v <= 1048576 ? undefined : "an integer size in MiB from 64 to 1048576";

/** A lab user or group id; -1 stands for the id of the user running pulumi. */
export const labId: Rule<number> = v =>
    v === -1 || (Number.isInteger(v) && v >= 1 && v <= 2147483647)
        ? undefined
        : "-1 (the id of the user running pulumi) or an integer from 1 to 2147483647 (not 0: the lab runs as a non-root user)";

/**
 * An http(s) URL, for proxies and downloads; empty is checked by the caller.
 * Without a user or password: these land in the stack's state and, for
 * proxies, in the image's history.
 */
export const httpUrl: Rule<string> = v => {
    let url: URL | undefined;
    try {
        url = /^https?:\/\/[^\s\u0000-\u001f\u007f]+$/i.test(v) ? new URL(v) : undefined;
    } catch {
        url = undefined;
    }
    if (!url || url.hostname === "") return "an http:// or https:// URL without spaces (port 1 to 65535, an IPv6 address in brackets)";
    if (url.username !== "" || url.password !== "")
        return "an http:// or https:// URL without a user or password (they would be kept in the stack's state and the image's history)";
    return url.port === "0" ? "an http:// or https:// URL with a port from 1 to 65535" : undefined;
};

/** An RStudio Server release as its .deb file names it, e.g. 2024.12.1-563. */
export const rstudioVersion: Rule<string> = v =>
    /^[0-9]{4}\.[0-9]{2}\.[0-9]+-[0-9]+$/.test(v) ? undefined : "an RStudio Server release like 2024.12.1-563";

/** A Debian package name, optionally =version: it reaches a shell word in the Dockerfile. */
export const aptPackage: Rule<string> = v =>
    /^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+:~-]+)?$/.test(v)
        ? undefined
        : "a Debian package name, optionally with =version (e.g. vim or git=1:2.39.5-0+deb12u1)";

/** A pip requirement without spaces or shell characters, e.g. pandas==2.2.3 or scikit-learn>=1.5. */
export const pipRequirement: Rule<string> = v =>
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?((==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+(,(==|>=|<=|~=|!=|>|<)[A-Za-z0-9.*+!-]+)*)?$/.test(
        v,
    )
        ? undefined
        : "a pip requirement like pandas==2.2.3 or scikit-learn>=1.5 (no spaces, no URLs)";

/** An environment variable name, as a shell and Docker accept it. */
export const envName: Rule<string> = v =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)
        ? undefined
        : "an environment variable name: letters, digits and underscores, not starting with a digit";

/** Free text that goes into an image label: one line, printable. */
export const labelText: Rule<string> = v =>
    /^[^\n\r"\\$`]{0,200}$/.test(v) ? undefined : 'up to 200 characters on one line, without " \\ $ or `';
