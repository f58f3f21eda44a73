// Random credentials: AWS-style access keys for the admin, passwords for NATS.
import { randomBytes, randomInt } from "node:crypto";

const UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SECRET_CHARS = ALNUM + "+/";

function pick(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** `AKIA` + 16 characters, as AWS issues them. */
export const newAccessKeyId = (): string => "AKIA" + pick(UPPER_DIGITS, 16);
/** 40 characters, as AWS issues them. */
export const newSecretAccessKey = (): string => pick(SECRET_CHARS, 40);
/** A password safe to put in a nats-server config without quoting trouble. */
export const newPassword = (): string => pick(ALNUM, 32);
/** 32 random bytes, base64: the region's key for SecureString parameters (AES-256-GCM). */
export const newParameterKey = (): string => randomBytes(32).toString("base64");
/** A 12-digit AWS account id that does not start with 0. */
export const newAccountId = (): string => String(randomInt(1, 10)) + Array.from(randomBytes(11), (b) => b % 10).join("");
