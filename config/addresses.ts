import * as net from "net";
import * as path from "path";
import * as ipaddr from "ipaddr.js";

// Addresses and host:port values as Docker and its clients read them. ipaddr.js
// knows every spelling of an address (:: and 0:0:0:0:0:0:0:0, ::ffff:0.0.0.0),
// so comparisons are of addresses, not of strings.

/** An IP address as Docker takes it for a published port: plain IPv4 or IPv6, no zone. */
export function isHostIp(v: string): boolean {
    return net.isIP(v) !== 0 && !v.includes("%");
}

/** The address itself, IPv4-mapped IPv6 as IPv4: equal addresses give equal strings. */
export function canonicalIp(v: string): string {
    return ipaddr.process(v).toNormalizedString();
}

/** 0.0.0.0, ::, and their other spellings: the port is published on every interface. */
export function isAllInterfaces(v: string): boolean {
    return isHostIp(v) && ipaddr.process(v).range() === "unspecified";
}

/** Multicast and broadcast addresses are no host's own: a port cannot be published there. */
export function isNeverLocal(v: string): boolean {
    const range = ipaddr.process(v).range();
    return range === "multicast" || range === "broadcast";
}

const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
const HOST_PORT = new RegExp(`^(${LABEL}(?:\\.${LABEL})*|\\[[^\\]]*\\])(?::([0-9]+))?$`);

export interface HostPort {
    host: string;
    port?: number;
}

/**
 * `host[:port]` with a DNS name, an IPv4 address or an IPv6 address in
 * brackets, and a port from 1 to 65535; undefined when it is anything else.
 */
export function parseHostPort(v: string): HostPort | undefined {
    const m = HOST_PORT.exec(v);
    if (!m) return undefined;
    const host = m[1];
    if (host.startsWith("[") && !net.isIPv6(host.slice(1, -1))) return undefined;
    // Digits and dots only: meant as an IPv4 address, so it must be one.
    if (/^[0-9.]+$/.test(host) && !net.isIPv4(host)) return undefined;
    if (m[2] === undefined) return { host };
    const port = Number(m[2]);
    return m[2].length <= 5 && port >= 1 && port <= 65535 ? { host, port } : undefined;
}

/** Where Docker's clients go without an address (DOCKER_HOST unset). */
export const DEFAULT_DOCKER_SOCKET = "unix:///var/run/docker.sock";

/**
 * A Docker engine address in one spelling, so that two spellings of one engine
 * compare equal: no address is the default socket, a socket path is
 * normalised, host names are case-blind, IP addresses canonical, and ssh's
 * default port is said. Addresses are valid ones (rules.dockerHost).
 */
export function canonicalEngineAddress(address: string | undefined): string {
    const a = address || DEFAULT_DOCKER_SOCKET;
    if (a.startsWith("unix://")) return `unix://${path.posix.normalize(a.slice("unix://".length))}`;
    const m = /^(tcp|ssh):\/\/(?:([^@]+)@)?(.+)$/.exec(a);
    const hp = m && parseHostPort(m[3]);
    if (!m || !hp) return a;
    const bare = hp.host.startsWith("[") ? hp.host.slice(1, -1) : hp.host;
    const host = net.isIP(bare) ? canonicalIp(bare) : bare.toLowerCase();
    const port = hp.port ?? (m[1] === "ssh" ? 22 : undefined);
    return `${m[1]}://${m[2] ? `${m[2]}@` : ""}${net.isIPv6(host) ? `[${host}]` : host}${port ? `:${port}` : ""}`;
}
