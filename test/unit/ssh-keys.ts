import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as sshpk from "sshpk";

/** A real OpenSSH public key line of a fresh key pair (ed25519, or RSA of `bits`). */
export function sshPublicKeyLine(type: "ed25519" | "rsa" | "ecdsa" = "ed25519", bits = 3072, comment = "me@laptop"): string {
    const { publicKey } =
        type === "rsa"
            ? crypto.generateKeyPairSync("rsa", { modulusLength: bits })
            : type === "ecdsa"
              ? crypto.generateKeyPairSync("ec", { namedCurve: "P-256" })
              : crypto.generateKeyPairSync("ed25519");
    const key = sshpk.parseKey(publicKey.export({ type: "spki", format: "pem" }), "pem");
    key.comment = comment;
    return key.toString("ssh");
}

/** A file standing in for the private key (only its existence is checked). */
export function privateKeyFile(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dsenv-key-"));
    const file = path.join(dir, "id_ed25519");
    fs.writeFileSync(file, "-----BEGIN OPENSSH PRIVATE KEY-----\nstand-in\n-----END OPENSSH PRIVATE KEY-----\n", { mode: 0o600 });
    return file;
}

/** The keys every azure stack must set, with a fresh key pair: what the azure tests start from. */
export function azureStackConfig(): Record<string, string> {
    return {
        target: "azure",
        azureSshPublicKey: sshPublicKeyLine(),
        azureSshPrivateKeyPath: privateKeyFile(),
        azureAllowedCidrs: '["10.20.30.40/32"]',
        azureRegistryName: "dsenvunit01",
    };
}
