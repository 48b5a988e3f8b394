import { parseHostPort } from "./addresses";

// Docker's image reference grammar (distribution/reference), split the way
// `docker pull` splits a name: the first part is a registry when it has a "."
// or a ":" or is "localhost"; everything else is the repository path, which is
// lower case. (Docker also takes an upper-case first part as a registry host:
// "PyTorch/pytorch" would be pulled from a host named PyTorch. That is a typo
// far more often than a registry, so it is refused here.)

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** The digest algorithms Docker registers, with their length in hex digits. */
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** distribution/reference's NameTotalLengthMax: registry and path together. */
const NAME_MAX = 255;

export function isImageRef(v: string): boolean {
    const at = v.indexOf("@");
    const named = at < 0 ? v : v.slice(0, at);
    if (at >= 0 && !isDigest(v.slice(at + 1))) return false;
    const lastSlash = named.lastIndexOf("/");
    const colon = named.indexOf(":", lastSlash + 1);
    const name = colon < 0 ? named : named.slice(0, colon);
    if (colon >= 0 && !TAG.test(named.slice(colon + 1))) return false;
    if (name.length === 0 || name.length > NAME_MAX) return false;
    const parts = name.split("/");
    const first = parts[0];
    const isRegistry = parts.length > 1 && (/[.:]/.test(first) || first === "localhost");
    if (isRegistry && parseHostPort(first) === undefined) return false;
    return (isRegistry ? parts.slice(1) : parts).every(p => PATH_COMPONENT.test(p));
}

function isDigest(d: string): boolean {
    const [algorithm, hex, ...rest] = d.split(":");
    return rest.length === 0 && hex !== undefined && DIGEST_HEX[algorithm] === hex.length && /^[a-f0-9]+$/.test(hex);
}
