// SecureString values at rest: AES-256-GCM under the region's parameter key (every box of a region holds the same
// one, in its secrets.json), bound to the parameter's name, so a ciphertext cannot be passed off as another's.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { HiveError } from "../../errors/index.ts";
import { invalidKeyId } from "./errors.ts";

/** The only KMS key Hive answers to: AWS's default for Parameter Store. */
export const DEFAULT_KEY_ID = "alias/aws/ssm";

// Format 1: version byte, 12-byte IV, 16-byte tag, ciphertext; base64 is what GetParameter shows without decryption.
const FORMAT = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface ParameterCipher {
  encrypt(name: string, plaintext: string): string;
  decrypt(name: string, stored: string): string;
}

const noKey = (): HiveError =>
  new HiveError({
    kind: "Internal",
    message: "this box has no parameter key (secrets.json parameterKey): it joined its region before Hive kept one; join it again to receive the region's key",
  });

/** The cipher over a 32-byte key; without one (a member that joined before keys existed) every use fails clearly. */
export function parameterCipher(key: Uint8Array | undefined): ParameterCipher {
  if (key !== undefined && key.byteLength !== 32) throw new Error(`the parameter key must be 32 bytes, not ${key.byteLength}`);
  return {
    encrypt(name, plaintext) {
      if (!key) throw noKey();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(name, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return Buffer.concat([Buffer.from([FORMAT]), iv, cipher.getAuthTag(), body]).toString("base64");
    },
    decrypt(name, stored) {
      if (!key) throw noKey();
      const bytes = Buffer.from(stored, "base64");
      if (bytes.byteLength < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT) {
        throw new HiveError({ kind: "Internal", message: `the stored value of ${name} is not a SecureString ciphertext Hive wrote` });
      }
      const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(Buffer.from(name, "utf8"));
      decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch {
        throw new HiveError({ kind: "Internal", message: `the value of ${name} does not open with this box's parameter key (was it written under another region's key?)` });
      }
    },
  };
}

/**
 * The KeyId a SecureString is stored with: the default (omitted, the alias, or its ARN in this region and account);
 * any other key is refused, naming it, since Hive has no KMS to hold it.
 */
export function secureKeyId(keyId: string | undefined, region: string, accountId: string): string {
  if (keyId === undefined || keyId === DEFAULT_KEY_ID || keyId === `arn:aws:kms:${region}:${accountId}:${DEFAULT_KEY_ID}`) return DEFAULT_KEY_ID;
  throw invalidKeyId(keyId);
}
