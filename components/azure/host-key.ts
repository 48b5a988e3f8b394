import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { userFilesDir } from "../user-files";

// The VM's SSH host key, made by the stack instead of by the VM on its first
// boot: cloud-init installs it, and Pulumi's ssh client knows it before it
// ever connects, so nothing is trusted on first use. Derived from a secret
// seed kept in the stack's state (a RandomPassword), so every run of the
// program produces the same key, byte for byte, and the VM is not replaced.

export interface HostKey {
    /** The private key in OpenSSH's format (what /etc/ssh/ssh_host_ed25519_key holds). */
    privateKey: string;
    /** One line: ssh-ed25519 AAAA... */
    publicKey: string;
}

// An Ed25519 private key in PKCS#8 DER is this prefix and the 32-byte seed (RFC 8410).
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const KEY_TYPE = "ssh-ed25519";

/** The Ed25519 host key of a seed: the same seed, the same key. */
export function hostKeyFromSeed(seedText: string): HostKey {
    if (seedText.length < 32) throw new Error("a host key seed needs at least 32 characters");
    const seed = crypto.createHash("sha256").update(`dsenv-host-key\0${seedText}`).digest();
    const key = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
    const publicRaw = crypto.createPublicKey(key).export({ format: "der", type: "spki" }).subarray(-32);
    const publicBlob = Buffer.concat([sshString(KEY_TYPE), sshString(publicRaw)]);
    return { privateKey: opensshPrivateKey(seed, publicRaw, publicBlob), publicKey: `${KEY_TYPE} ${publicBlob.toString("base64")}` };
}

/** The known_hosts line that pins the key to a name (ssh's HostKeyAlias). */
export function knownHostsLine(alias: string, publicKey: string): string {
    return `${alias} ${publicKey}\n`;
}

/** Where the pinned host keys live: one file per VM and key, apart from ~/.ssh/known_hosts. */
export function defaultKnownHostsDir(): string {
    return userFilesDir("known_hosts.d");
}

/**
 * Writes a known_hosts file holding only this VM's key under its alias and
 * returns its path. Named by the key: a second stack with the same VM name
 * never overwrites it, and it is the same file on every run. Written by each
 * run of the program, so any machine with the stack's state can connect.
 */
export function pinHostKey(alias: string, publicKey: string, dir: string = defaultKnownHostsDir()): string {
    const file = path.join(dir, `${alias}-${crypto.createHash("sha256").update(publicKey).digest("hex").slice(0, 16)}`);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, knownHostsLine(alias, publicKey), { mode: 0o600 });
    return file;
}

function sshString(data: string | Buffer): Buffer {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
}

function uint32(n: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
}

/**
 * OpenSSH's "openssh-key-v1" format, unencrypted (PROTOCOL.key). Its check
 * integer is random in ssh-keygen; here it comes from the seed, so that the
 * text, and with it the VM's custom data, stays the same from run to run.
 */
function opensshPrivateKey(seed: Buffer, publicRaw: Buffer, publicBlob: Buffer): string {
    const check = crypto.createHash("sha256").update(seed).digest().readUInt32BE(0);
    let secret = Buffer.concat([
        uint32(check),
        uint32(check),
        sshString(KEY_TYPE),
        sshString(publicRaw),
        sshString(Buffer.concat([seed, publicRaw])),
        sshString("dsenv host key"),
    ]);
    const padding: number[] = [];
    for (let i = 1; (secret.length + padding.length) % 8 !== 0; i++) padding.push(i);
    secret = Buffer.concat([secret, Buffer.from(padding)]);
    const body = Buffer.concat([
        Buffer.from("openssh-key-v1\0"),
        sshString("none"),
        sshString("none"),
        sshString(""),
        uint32(1),
        sshString(publicBlob),
        sshString(secret),
    ]);
    const lines = body.toString("base64").match(/.{1,70}/g)!;
    return ["-----BEGIN OPENSSH PRIVATE KEY-----", ...lines, "-----END OPENSSH PRIVATE KEY-----", ""].join("\n");
}
