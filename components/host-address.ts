import * as ipaddr from "ipaddr.js";

// How a client on the engine's host reaches a port published on `hostIp`, and
// how that address is written in a URL (IPv6 in brackets).

/** The address to connect to: a port on every interface (0.0.0.0, ::) answers on loopback. */
export function clientAddress(hostIp: string): string {
    if (!ipaddr.isValid(hostIp)) return hostIp;
    const ip = ipaddr.process(hostIp);
    if (ip.range() !== "unspecified") return hostIp;
    return ip.kind() === "ipv4" ? "127.0.0.1" : "::1";
}

/** An address as the host part of a URL or of ssh -L: IPv6 in brackets. */
export function urlHost(address: string): string {
    return address.includes(":") ? `[${address}]` : address;
}
