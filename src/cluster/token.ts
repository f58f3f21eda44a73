// A join token and the sealed answer it opens: the token is the one secret a joining box and the hub share, so the
// join exchange may cross an unverified TLS link (the joiner does not have the region's CA yet) without exposing
// the region's credentials: the joiner proves it holds the secret, and the hub seals its answer with a key only the
// secret derives. The CA fingerprint in the token then pins the CA that answer carries.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

const PREFIX = "HIVE1.";

export interface JoinToken {
  /** The hub's leaf-node addresses (host:port), as the hub advertises them. */
  hub: string[];
  /** The token's id, and its secret (base64url, 32 bytes). */
  id: string;
  secret: string;
  /** SHA-256 of the region CA's certificate, hex. */
  ca: string;
  /** Credentials of the hub's JOIN account: they reach nothing but the join service. */
  user: string;
  password: string;
  /** Expiry, ms since the epoch. */
  expires: number;
}

export class BadToken extends Error {}

export function encodeToken(t: JoinToken): string {
  return PREFIX + Buffer.from(JSON.stringify(t), "utf8").toString("base64url");
}

export function decodeToken(text: string): JoinToken {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PREFIX)) throw new BadToken("not a Hive join token (it starts with HIVE1.): copy the whole line `hive cluster invite` printed");
  let t: Partial<JoinToken>;
  try {
    t = JSON.parse(Buffer.from(trimmed.slice(PREFIX.length), "base64url").toString("utf8")) as Partial<JoinToken>;
  } catch {
    throw new BadToken("the join token is damaged: copy the whole line `hive cluster invite` printed");
  }
  const ok =
    Array.isArray(t.hub) && t.hub.length > 0 && t.hub.every((h) => typeof h === "string") &&
    typeof t.id === "string" && typeof t.secret === "string" && typeof t.ca === "string" &&
    typeof t.user === "string" && typeof t.password === "string" && typeof t.expires === "number";
  if (!ok) throw new BadToken("the join token is damaged: copy the whole line `hive cluster invite` printed");
  return t as JoinToken;
}

export const newSecret = (): string => randomBytes(32).toString("base64url");
export const newTokenId = (): string => randomBytes(6).toString("hex");

/** What the joiner sends to prove it holds the secret, bound to its nonce and name. */
export function proofOf(secret: string, nonce: string, node: string): string {
  return createHmac("sha256", keyOf(secret, "proof")).update(`${nonce}\n${node}`).digest("base64url");
}

export function proofMatches(secret: string, nonce: string, node: string, proof: string): boolean {
  const want = Buffer.from(proofOf(secret, nonce, node));
  const got = Buffer.from(proof);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** AES-256-GCM under a key derived from the secret: `iv.tag.ciphertext`, base64url. */
export function seal(secret: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secret, "seal"), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
}

export function unseal<T>(secret: string, sealed: string): T {
  const [iv, tag, body] = sealed.split(".").map((p) => Buffer.from(p, "base64url"));
  if (!iv || !tag || !body) throw new BadToken("the hub's answer is damaged");
  const decipher = createDecipheriv("aes-256-gcm", keyOf(secret, "seal"), iv);
  decipher.setAuthTag(tag);
  try {
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8")) as T;
  } catch {
    throw new BadToken("the hub's answer does not open with this token's secret: something between this box and the hub altered it");
  }
}

function keyOf(secret: string, purpose: "proof" | "seal"): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secret, "base64url"), Buffer.alloc(0), `hive-join-${purpose}`, 32));
}
