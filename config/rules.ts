import * as net from "net";

// What each kind of config value accepts. A rule returns nothing when the value
// is fine, or the words "what would be accepted" for the error message.
export type Rule<T> = (value: T) => string | undefined;

const DOMAIN = "(?:localhost|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+|\\[[0-9a-fA-F:]+\\])(?::[0-9]{1,5})?";
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "sha256:[a-f0-9]{64}";
// Docker's reference grammar (distribution/reference), without the rarely used digest algorithms.
const IMAGE_REF = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);
const REGISTRY = new RegExp(`^(?:http://)?${DOMAIN}$`);

export const imageRef: Rule<string> = v =>
    IMAGE_REF.test(v) ? undefined : "an image reference like name:tag, repo/name:tag or host:port/repo/name@sha256:<64 hex> (lower-case repository)";

export const registryServer: Rule<string> = v =>
    REGISTRY.test(v) ? undefined : "a registry host name with an optional port, without path: HTTPS as is (e.g. myregistry.example.com, 127.0.0.1:5000), plain HTTP after http:// (e.g. http://127.0.0.1:5000)";

export const port: Rule<number> = v =>
    Number.isInteger(v) && v >= 1 && v <= 65535 ? undefined : "an integer port from 1 to 65535";

export const portOrOff: Rule<number> = v =>
    Number.isInteger(v) && v >= 0 && v <= 65535 ? undefined : "0 (not published) or an integer port from 1 to 65535";

export const hostIp: Rule<string> = v =>
    net.isIP(v) !== 0 ? undefined : "an IPv4 or IPv6 address of this host, e.g. 127.0.0.1 (loopback only) or 0.0.0.0 (every interface)";

export const sqlIdentifier: Rule<string> = v =>
    /^[A-Za-z0-9_]{1,64}$/.test(v) ? undefined : "1 to 64 letters, digits or underscores";

export const mysqlUser: Rule<string> = v => {
    if (v === "root") return "a user other than root (root is created by the image itself)";
    return /^[A-Za-z0-9_]{1,32}$/.test(v) ? undefined : "1 to 32 letters, digits or underscores, not root";
};

export const dnsName: Rule<string> = v =>
    /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/.test(v)
        ? undefined
        : "a lower-case DNS name: letters, digits and inner hyphens, labels separated by dots";

export const resourceName: Rule<string> = v =>
    /^[a-z0-9][a-z0-9_.-]{0,39}$/.test(v) ? undefined : "1 to 40 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit";

export const dockerHost: Rule<string> = v =>
    /^(unix:\/\/\/.+|tcp:\/\/[^/\s]+:[0-9]+|ssh:\/\/(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.[\]:-]+(?::[0-9]+)?)$/.test(v)
        ? undefined
        : "unix:///path/to/docker.sock, tcp://host:port or ssh://user@host[:port]";

export function oneOf<T extends string>(allowed: readonly T[]): Rule<string> {
    return v => (allowed as readonly string[]).includes(v) ? undefined : `one of ${allowed.join(", ")}`;
}

export const hostPath: Rule<string> = v =>
    v.startsWith("/") || v === "~" || v.startsWith("~/") ? undefined : "an absolute host path (/...) or one under your home (~/...)";
