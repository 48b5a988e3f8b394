import { isHostIp, isNeverLocal, parseHostPort } from "./addresses";
import { isImageRef } from "./image-ref";

// What each kind of config value accepts. A rule returns nothing when the value
// is fine, or the words "what would be accepted" for the error message.
export type Rule<T> = (value: T) => string | undefined;

export const imageRef: Rule<string> = v =>
    isImageRef(v)
        ? undefined
        : "an image reference like name:tag, repo/name:tag or host:port/repo/name@sha256:<64 hex> (lower-case repository, tag up to 128 characters, name up to 255)";

export const registryServer: Rule<string> = v =>
    parseHostPort(v.replace(/^http:\/\//, "")) !== undefined
        ? undefined
        : "a registry host name with an optional port (1 to 65535), without path: HTTPS as is (e.g. myregistry.example.com, 127.0.0.1:5000, [2001:db8::5]:5000), plain HTTP after http:// (e.g. http://127.0.0.1:5000)";

export const port: Rule<number> = v => (Number.isInteger(v) && v >= 1 && v <= 65535 ? undefined : "an integer port from 1 to 65535");

export const portOrOff: Rule<number> = v =>
    Number.isInteger(v) && v >= 0 && v <= 65535 ? undefined : "0 (not published) or an integer port from 1 to 65535";

export const hostIp: Rule<string> = v =>
    isHostIp(v) && !isNeverLocal(v)
        ? undefined
        : "an IPv4 or IPv6 address of this host, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)";

/** MySQL's own schemas: initialising "into" one would change the server itself (any case: lower_case_table_names may fold it). */
const SYSTEM_SCHEMAS = ["mysql", "information_schema", "performance_schema", "sys"];

export const mysqlDatabase: Rule<string> = v => {
    if (SYSTEM_SCHEMAS.includes(v.toLowerCase()))
        return `a database of your own, not one of MySQL's system schemas (${SYSTEM_SCHEMAS.join(", ")})`;
    return /^[A-Za-z0-9_]{1,64}$/.test(v) ? undefined : "1 to 64 letters, digits or underscores";
};

export const mysqlUser: Rule<string> = v => {
    if (v.toLowerCase() === "root") return "a user other than root (root is created by the image itself)";
    return /^[A-Za-z0-9_]{1,32}$/.test(v) ? undefined : "1 to 32 letters, digits or underscores, not root";
};

/** One DNS label (RFC 1123), as Docker's embedded DNS answers a network alias. */
export const dnsLabel: Rule<string> = v =>
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(v)
        ? undefined
        : "a DNS label: 1 to 63 letters, digits and inner hyphens, no dots";

export const resourceName: Rule<string> = v =>
    /^[a-z0-9][a-z0-9_.-]{0,39}$/.test(v)
        ? undefined
        : "1 to 40 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit";

/** A Docker host URL as the docker CLI and the provider read it (DOCKER_HOST). */
export const dockerHost: Rule<string> = v => {
    const tcp = /^tcp:\/\/(.+)$/.exec(v);
    const ssh = /^ssh:\/\/(?:[A-Za-z0-9._-]+@)?(.+)$/.exec(v);
    const fine =
        /^unix:\/\/\/[^\u0000-\u001f\u007f]+$/.test(v) ||
        (tcp !== null && parseHostPort(tcp[1])?.port !== undefined) ||
        (ssh !== null && parseHostPort(ssh[1]) !== undefined);
    return fine
        ? undefined
        : "unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port] (port 1 to 65535, an IPv6 address in brackets)";
};

export function oneOf<T extends string>(allowed: readonly T[]): Rule<string> {
    return v => ((allowed as readonly string[]).includes(v) ? undefined : `one of ${allowed.join(", ")}`);
}

export const hostPath: Rule<string> = v =>
    v.startsWith("/") || v === "~" || v.startsWith("~/") ? undefined : "an absolute host path (/...) or one under your home (~/...)";
