// SSH key formats for EC2 key pairs: the SSH wire encoding, OpenSSH public and private keys, PuTTY's PPK v2, fingerprints.

import { createHash, createHmac, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";

export type SshKeyType = "rsa" | "ed25519";

const ALGORITHM: Record<SshKeyType, string> = { rsa: "ssh-rsa", ed25519: "ssh-ed25519" };

// --- the SSH wire encoding (RFC 4251 §5): uint32, string, mpint

const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

const sshString = (data: Buffer | string): Buffer => {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([uint32(bytes.length), bytes]);
};

/** A non-negative big-endian integer as an mpint: no leading zeros, plus one zero byte when the top bit is set. */
const sshMpint = (magnitude: Buffer): Buffer => {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  const trimmed = magnitude.subarray(i);
  return sshString(trimmed.length > 0 && trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
};

/** Reads SSH strings off a buffer; any overrun throws, which callers turn into "not a valid key". */
class WireReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  string(): Buffer {
    if (this.offset + 4 > this.buf.length) throw new Error("truncated length");
    const len = this.buf.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (start + len > this.buf.length) throw new Error("truncated string");
    this.offset = start + len;
    return this.buf.subarray(start, start + len);
  }

  get done(): boolean {
    return this.offset === this.buf.length;
  }
}

const b64url = (s: string | undefined): Buffer => Buffer.from(s ?? "", "base64url");

// --- key generation and the public blob

export const generateSshKey = (type: SshKeyType): KeyObject =>
  type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 }).privateKey
    : generateKeyPairSync("ed25519").privateKey;

/** The key's SSH public blob: `string "ssh-rsa", mpint e, mpint n` or `string "ssh-ed25519", string key`. */
export const publicBlob = (key: KeyObject): Buffer => {
  const jwk = (key.type === "private" ? createPublicKey(key) : key).export({ format: "jwk" });
  if (jwk.kty === "RSA") return Buffer.concat([sshString("ssh-rsa"), sshMpint(b64url(jwk.e)), sshMpint(b64url(jwk.n))]);
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return Buffer.concat([sshString("ssh-ed25519"), sshString(b64url(jwk.x))]);
  throw new Error(`no SSH encoding for a ${jwk.kty} key`);
};

export const sshKeyType = (key: KeyObject): SshKeyType => {
  if (key.asymmetricKeyType === "rsa") return "rsa";
  if (key.asymmetricKeyType === "ed25519") return "ed25519";
  throw new Error(`unsupported key type ${key.asymmetricKeyType}`);
};

/** `ssh-ed25519 AAAA… comment`, as in an authorized_keys line. */
export const opensshPublicKey = (key: KeyObject, comment?: string): string => {
  const line = `${ALGORITHM[sshKeyType(key)]} ${publicBlob(key).toString("base64")}`;
  return comment ? `${line} ${comment}` : line;
};

// --- reading a public key a caller imports

export interface ParsedPublicKey {
  type: SshKeyType;
  key: KeyObject;
  /** The normalised one-line form, without the caller's comment. */
  openssh: string;
}

/** Decodes an SSH public blob into a KeyObject, checking that the algorithm named outside matches the one inside. */
const fromBlob = (blob: Buffer, outerName?: string): ParsedPublicKey | undefined => {
  const r = new WireReader(blob);
  const name = r.string().toString("latin1");
  if (outerName !== undefined && outerName !== name) return undefined;
  let key: KeyObject;
  if (name === "ssh-rsa") {
    const e = r.string();
    const n = r.string();
    if (!r.done) return undefined;
    key = createPublicKey({ key: { kty: "RSA", e: e.toString("base64url"), n: n.toString("base64url") }, format: "jwk" });
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    // EC2 takes 1024- to 4096-bit RSA keys for import; shorter ones are insecure, longer ones slow every login.
    if (bits < 1024 || bits > 4096) return undefined;
  } else if (name === "ssh-ed25519") {
    const x = r.string();
    if (!r.done || x.length !== 32) return undefined;
    key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: x.toString("base64url") }, format: "jwk" });
  } else {
    return undefined;
  }
  const type = sshKeyType(key);
  return { type, key, openssh: opensshPublicKey(key) };
};

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const decodeBase64 = (text: string): Buffer | undefined => (BASE64.test(text) ? Buffer.from(text, "base64") : undefined);

/** RFC 4716: `---- BEGIN SSH2 PUBLIC KEY ----`, optional `Tag: value` headers (`\` continues a line), base64 body. */
const parseRfc4716 = (text: string): Buffer | undefined => {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const begin = lines.indexOf("---- BEGIN SSH2 PUBLIC KEY ----");
  const end = lines.indexOf("---- END SSH2 PUBLIC KEY ----");
  if (begin < 0 || end < begin) return undefined;
  const body: string[] = [];
  let continued = false;
  for (const line of lines.slice(begin + 1, end)) {
    const header: boolean = continued || /^[^:\s]{1,64}:/.test(line);
    continued = header && line.endsWith("\\");
    if (!header && line) body.push(line);
  }
  return decodeBase64(body.join(""));
};

/**
 * Reads a public key as ImportKeyPair takes it: OpenSSH's one-line `ssh-rsa AAAA… comment` or
 * `ssh-ed25519 AAAA…`, or an RFC 4716 SSH2 public key; undefined for anything else (ECDSA and DSA included).
 */
export const parsePublicKey = (material: Uint8Array): ParsedPublicKey | undefined => {
  const text = Buffer.from(material).toString("utf8").trim();
  try {
    if (text.startsWith("---- BEGIN SSH2 PUBLIC KEY ----")) {
      const blob = parseRfc4716(text);
      return blob ? fromBlob(blob) : undefined;
    }
    const [name, data, ...rest] = text.split(/[ \t]+/);
    if (!name || !data || rest.some((w) => w.includes("\n"))) return undefined;
    const blob = decodeBase64(data);
    return blob ? fromBlob(blob, name) : undefined;
  } catch {
    // A truncated blob or numbers node:crypto refuses: not a key.
    return undefined;
  }
};

// --- fingerprints, as EC2 computes them

const colonHex = (digest: Buffer): string => digest.toString("hex").match(/../g)!.join(":");

/** EC2's fingerprint of an RSA key it generated: SHA-1 of the private key's PKCS#8 DER, colon-separated hex. */
export const createdRsaFingerprint = (privateKey: KeyObject): string =>
  colonHex(createHash("sha1").update(privateKey.export({ type: "pkcs8", format: "der" })).digest());

/** EC2's fingerprint of an imported RSA key: MD5 of the public key's SubjectPublicKeyInfo DER, colon-separated hex. */
export const importedRsaFingerprint = (publicKey: KeyObject): string =>
  colonHex(createHash("md5").update(publicKey.export({ type: "spki", format: "der" })).digest());

/** An ed25519 key's fingerprint, created or imported: SHA-256 of the SSH public blob in base64 without padding (ssh-keygen -l's "SHA256:…"). */
export const ed25519Fingerprint = (key: KeyObject): string =>
  createHash("sha256").update(publicBlob(key)).digest("base64").replace(/=+$/, "");

// --- private key material handed back once by CreateKeyPair

const pemWrap = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der.toString("base64").match(/.{1,70}/g)!.join("\n")}\n-----END ${label}-----\n`;

/**
 * The private key as an OpenSSH private key file (PROTOCOL.key, unencrypted), which is what EC2 hands out for ed25519:
 * magic, cipher/kdf "none", one public blob, then the padded private section with its repeated check number.
 */
export const opensshPrivateKey = (privateKey: KeyObject, comment: string): string => {
  const jwk = privateKey.export({ format: "jwk" });
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") throw new Error("OpenSSH private key format is written for ed25519 keys only");
  const seed = b64url(jwk.d);
  const pub = b64url(jwk.x);
  const check = randomBytes(4);
  const parts = [
    check, check,
    sshString("ssh-ed25519"), sshString(pub),
    // OpenSSH's ed25519 "private key" is the 32-byte seed followed by the public key.
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ];
  let section = Buffer.concat(parts);
  // Padding 1, 2, 3, … up to the cipher block size, 8 for "none".
  const pad = (8 - (section.length % 8)) % 8;
  section = Buffer.concat([section, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0", "latin1"),
    sshString("none"), sshString("none"), sshString(""),
    uint32(1),
    sshString(publicBlob(privateKey)),
    sshString(section),
  ]);
  return pemWrap("OPENSSH PRIVATE KEY", body);
};

/** RSA as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), ed25519 as an OpenSSH private key: what EC2's pem format gives. */
export const pemPrivateKey = (privateKey: KeyObject, comment: string): string =>
  sshKeyType(privateKey) === "rsa" ? String(privateKey.export({ type: "pkcs1", format: "pem" })) : opensshPrivateKey(privateKey, comment);

/** PuTTY's private blob: `mpint d, mpint p, mpint q, mpint iqmp` for RSA, `string seed` for ed25519. */
const ppkPrivateBlob = (privateKey: KeyObject): Buffer => {
  const jwk = privateKey.export({ format: "jwk" });
  if (jwk.kty === "RSA") return Buffer.concat([jwk.d, jwk.p, jwk.q, jwk.qi].map((v) => sshMpint(b64url(v))));
  return sshString(b64url(jwk.d));
};

const PPK_V2_MAC_KEY = "putty-private-key-file-mac-key";

/** The Private-MAC of an unencrypted PPK v2 file: HMAC-SHA-1, keyed by SHA-1 of the label (no passphrase), over every field. */
export const ppkV2Mac = (algorithm: string, encryption: string, comment: string, publicBlob: Buffer, privateBlob: Buffer): string => {
  const macKey = createHash("sha1").update(PPK_V2_MAC_KEY).digest();
  const data = Buffer.concat([sshString(algorithm), sshString(encryption), sshString(comment), sshString(publicBlob), sshString(privateBlob)]);
  return createHmac("sha1", macKey).update(data).digest("hex");
};

const base64Lines = (data: Buffer): string[] => data.toString("base64").match(/.{1,64}/g) ?? [];

/** The private key as a PuTTY-User-Key-File-2, unencrypted (PuTTY 0.52 and later read it). */
export const ppkPrivateKey = (privateKey: KeyObject, comment: string): string => {
  const algorithm = ALGORITHM[sshKeyType(privateKey)];
  const pub = publicBlob(privateKey);
  const priv = ppkPrivateBlob(privateKey);
  const publicLines = base64Lines(pub);
  const privateLines = base64Lines(priv);
  return [
    `PuTTY-User-Key-File-2: ${algorithm}`,
    "Encryption: none",
    `Comment: ${comment}`,
    `Public-Lines: ${publicLines.length}`,
    ...publicLines,
    `Private-Lines: ${privateLines.length}`,
    ...privateLines,
    `Private-MAC: ${ppkV2Mac(algorithm, "none", comment, pub, priv)}`,
    "",
  ].join("\n");
};
