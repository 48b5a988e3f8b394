import * as net from "net";
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
