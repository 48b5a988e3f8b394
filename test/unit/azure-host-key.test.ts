import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { hostKeyFromSeed, pinHostKey } from "../../components/azure/host-key";

// The VM's host key is made by the program from a seed in the stack's state:
// OpenSSH itself must read the private key, and the same seed must give the
// same bytes on every run (they are part of the VM's custom data).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-hostkey-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const SEED = "k3Jd9sQ0pLmZx7Vb2Nc4Rt6Yw8Ua1Ei5Oo3Gh7Jk9Lp2Zq4Xs6";

test("OpenSSH reads the private key and derives the same public key from it", () => {
    const key = hostKeyFromSeed(SEED);
    const file = path.join(dir, "ssh_host_ed25519_key");
    fs.writeFileSync(file, key.privateKey, { mode: 0o600 });
    const derived = execFileSync("ssh-keygen", ["-y", "-f", file], { encoding: "utf8" }).trim();
    expect(derived.split(" ").slice(0, 2).join(" ")).toBe(key.publicKey);
    expect(execFileSync("ssh-keygen", ["-l", "-f", file], { encoding: "utf8" })).toMatch(/^256 SHA256:\S+ .*\(ED25519\)\n$/);
});

test("the same seed gives the same key, byte for byte; another seed another key", () => {
    expect(hostKeyFromSeed(SEED)).toEqual(hostKeyFromSeed(SEED));
    const other = hostKeyFromSeed(`${SEED}x`);
    expect(other.publicKey).not.toBe(hostKeyFromSeed(SEED).publicKey);
    expect(other.privateKey).not.toBe(hostKeyFromSeed(SEED).privateKey);
    expect(() => hostKeyFromSeed("short")).toThrow("at least 32 characters");
});

test("the pinned known_hosts file holds the key under the VM's name, and only that", () => {
    const key = hostKeyFromSeed(SEED);
    const file = pinHostKey("dsenv-azure-vm", key.publicKey, path.join(dir, "known_hosts.d"));
    expect(fs.readFileSync(file, "utf8")).toBe(`dsenv-azure-vm ${key.publicKey}\n`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // ssh-keygen finds it under the alias (the lookup ssh does with HostKeyAlias).
    expect(execFileSync("ssh-keygen", ["-F", "dsenv-azure-vm", "-f", file], { encoding: "utf8" })).toContain(key.publicKey);
    expect(pinHostKey("dsenv-azure-vm", key.publicKey, path.join(dir, "known_hosts.d"))).toBe(file);
    expect(pinHostKey("dsenv-azure-vm", hostKeyFromSeed(`${SEED}x`).publicKey, path.join(dir, "known_hosts.d"))).not.toBe(file);
});
