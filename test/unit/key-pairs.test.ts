// The key-pair handlers over an in-memory store: the key material they hand out, read back by node:crypto, ssh-keygen,
// openssl and puttygen where installed, and EC2's fingerprints, errors and listings.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import { catalogue } from "../../src/actions/index.ts";
import { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair, keyPairHandlers, publicKeyOf } from "../../src/daemon/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";

let store: Store;
let dir: string;
before(async () => {
  store = await openStore(":memory:");
  dir = mkdtempSync(join(tmpdir(), "hive-keys-"));
});
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const SSH_KEYGEN = has("ssh-keygen");
const OPENSSL = has("openssl");
const PUTTYGEN = has("puttygen");

/** Runs a shell pipeline in the test directory and returns its stdout; fails the test on a non-zero exit. */
const sh = (script: string): string => {
  const r = spawnSync("sh", ["-c", script], { cwd: dir, encoding: "utf8" });
  assert.equal(r.status, 0, `${script}: ${r.stderr}`);
  return r.stdout.trim();
};
let fileNo = 0;
const file = (content: string | Buffer, mode = 0o600): string => {
  const name = `f${++fileNo}`;
  writeFileSync(join(dir, name), content, { mode });
  return name;
};

const blob = (text: string): Uint8Array => new Uint8Array(Buffer.from(text));
const firstTwo = (line: string): string => line.trim().split(/\s+/).slice(0, 2).join(" ");
let names = 0;
const uniqueName = (prefix: string): string => `${prefix}-${++names}`;

// --- an independent reading of the SSH wire format, for checking what the handlers wrote

class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}
  u32(): number {
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  bytes(n: number): Buffer {
    assert.ok(this.offset + n <= this.buf.length, "read past the end");
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }
  str(): Buffer {
    return this.bytes(this.u32());
  }
  big(): bigint {
    const b = this.str();
    return b.length === 0 ? 0n : BigInt(`0x${b.toString("hex")}`);
  }
}

const opensshBlob = (line: string): Buffer => Buffer.from(line.trim().split(/\s+/)[1]!, "base64");
const md5Colon = (data: Buffer): string => createHash("md5").update(data).digest("hex").match(/../g)!.join(":");
const sha1Colon = (data: Buffer): string => createHash("sha1").update(data).digest("hex").match(/../g)!.join(":");
const sha256NoPad = (data: Buffer): string => createHash("sha256").update(data).digest("base64").replace(/=+$/, "");

const isError = (kind: string, resource: string | undefined, message: string | RegExp) => (err: unknown) => {
  assert.ok(err instanceof HiveError, `expected HiveError, got ${String(err)}`);
  assert.equal(err.kind, kind);
  assert.equal(err.resource, resource);
  if (typeof message === "string") assert.equal(err.message, message);
  else assert.match(err.message, message);
  return true;
};
const badFormat = isError("InvalidParameter", "key-format", "Key is not in valid OpenSSH public key format");

const storedPublicKey = (name: string): string => {
  const [info] = describeKeyPairs({ KeyNames: [name], IncludePublicKey: true }, store).KeyPairs ?? [];
  return info!.PublicKey!;
};

describe("CreateKeyPair", () => {
  test("an rsa key by default: 2048-bit PKCS#1 PEM, fingerprint SHA-1 of its PKCS#8 DER", () => {
    const out = createKeyPair({ KeyName: "default" }, store);
    assert.equal(out.KeyName, "default");
    assert.match(out.KeyPairId!, /^key-[0-9a-f]{17}$/);
    assert.deepEqual(out.Tags, []);
    assert.match(out.KeyMaterial!, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n$/);
    const key = createPrivateKey(out.KeyMaterial!);
    assert.equal(key.asymmetricKeyType, "rsa");
    assert.equal(key.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(key.asymmetricKeyDetails?.publicExponent, 65537n);
    assert.equal(out.KeyFingerprint, sha1Colon(key.export({ type: "pkcs8", format: "der" })));
    assert.match(out.KeyFingerprint!, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);

    // The stored public key is the private key's, in OpenSSH form.
    const pub = storedPublicKey("default");
    const blob = new Reader(opensshBlob(pub));
    assert.equal(blob.str().toString(), "ssh-rsa");
    const jwk = createPublicKey(key).export({ format: "jwk" });
    assert.equal(blob.big(), BigInt(`0x${Buffer.from(jwk.e!, "base64url").toString("hex")}`));
    assert.equal(blob.big(), BigInt(`0x${Buffer.from(jwk.n!, "base64url").toString("hex")}`));
    assert.equal(describeKeyPairs({ KeyNames: ["default"] }, store).KeyPairs![0]!.KeyType, "rsa");
  });

  test("openssl and ssh-keygen agree with the rsa fingerprint and public key", { skip: !(OPENSSL && SSH_KEYGEN) && "needs openssl and ssh-keygen" }, () => {
    const out = createKeyPair({ KeyName: uniqueName("rsa-tools"), KeyType: "rsa" }, store);
    const pem = file(out.KeyMaterial!);
    // AWS's documented check for a key it created.
    const sha1 = sh(`openssl pkcs8 -in ${pem} -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c`);
    assert.equal(sha1.split("= ")[1], out.KeyFingerprint);
    assert.equal(sh(`ssh-keygen -y -f ${pem}`), storedPublicKey(out.KeyName!));
  });

  test("an ed25519 key as an OpenSSH private key whose structure and seed check out", () => {
    const name = uniqueName("ed");
    const out = createKeyPair({ KeyName: name, KeyType: "ed25519" }, store);
    const m = /^-----BEGIN OPENSSH PRIVATE KEY-----\n([\s\S]+)\n-----END OPENSSH PRIVATE KEY-----\n$/.exec(out.KeyMaterial!);
    assert.ok(m, out.KeyMaterial);
    assert.ok(m[1]!.split("\n").every((l) => l.length <= 70));
    const r = new Reader(Buffer.from(m[1]!.replace(/\n/g, ""), "base64"));
    assert.equal(r.bytes(15).toString("latin1"), "openssh-key-v1\0");
    assert.deepEqual([r.str().toString(), r.str().toString(), r.str().length, r.u32()], ["none", "none", 0, 1]);
    const pubBlob = r.str();
    const section = new Reader(r.str());
    assert.equal(r.offset, r.buf.length);
    assert.equal(section.buf.length % 8, 0, "padded to the block size");
    assert.equal(section.u32(), section.u32(), "the two check numbers match");
    assert.equal(section.str().toString(), "ssh-ed25519");
    const pub = section.str();
    const priv = section.str();
    assert.equal(section.str().toString(), name, "the comment is the key name");
    const padding = section.buf.subarray(section.offset);
    assert.deepEqual([...padding], padding.length ? Array.from({ length: padding.length }, (_, i) => i + 1) : []);
    assert.equal(priv.length, 64);
    assert.deepEqual(priv.subarray(32), pub);
    // The seed really yields that public key.
    const key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: priv.subarray(0, 32).toString("base64url"), x: pub.toString("base64url") }, format: "jwk" });
    assert.equal(createPublicKey(key).export({ format: "jwk" }).x, pub.toString("base64url"));

    assert.deepEqual(opensshBlob(storedPublicKey(name)), pubBlob);
    assert.equal(out.KeyFingerprint, sha256NoPad(pubBlob));
    assert.doesNotMatch(out.KeyFingerprint!, /=/);
  });

  test("ssh-keygen reads the ed25519 key and shows the same fingerprint", { skip: !SSH_KEYGEN && "needs ssh-keygen" }, () => {
    const name = uniqueName("ed-tools");
    const out = createKeyPair({ KeyName: name, KeyType: "ed25519" }, store);
    const pem = file(out.KeyMaterial!);
    assert.equal(sh(`ssh-keygen -y -f ${pem}`), `${storedPublicKey(name)} ${name}`);
    assert.match(sh(`ssh-keygen -l -f ${pem}`), new RegExp(`^256 SHA256:${out.KeyFingerprint!.replace(/[+/]/g, "\\$&")} `));
  });

  for (const type of ["rsa", "ed25519"] as const) {
    test(`a ${type} key in ppk format is a PuTTY-User-Key-File-2 with a valid MAC and matching halves`, () => {
      const name = uniqueName(`ppk-${type}`);
      const out = createKeyPair({ KeyName: name, KeyType: type, KeyFormat: "ppk" }, store);
      const lines = out.KeyMaterial!.split("\n");
      const alg = type === "rsa" ? "ssh-rsa" : "ssh-ed25519";
      assert.deepEqual(lines.slice(0, 3), [`PuTTY-User-Key-File-2: ${alg}`, "Encryption: none", `Comment: ${name}`]);
      const nPub = Number(/^Public-Lines: (\d+)$/.exec(lines[3]!)![1]);
      const pubB64 = lines.slice(4, 4 + nPub);
      const nPriv = Number(/^Private-Lines: (\d+)$/.exec(lines[4 + nPub]!)![1]);
      const privB64 = lines.slice(5 + nPub, 5 + nPub + nPriv);
      const mac = /^Private-MAC: ([0-9a-f]{40})$/.exec(lines[5 + nPub + nPriv]!)![1];
      assert.deepEqual(lines.slice(6 + nPub + nPriv), [""]);
      assert.ok([...pubB64, ...privB64].every((l) => l.length <= 64));
      const pub = Buffer.from(pubB64.join(""), "base64");
      const priv = Buffer.from(privB64.join(""), "base64");
      assert.deepEqual(pub, opensshBlob(storedPublicKey(name)));

      // PPK v2's MAC: HMAC-SHA-1 keyed by SHA-1("putty-private-key-file-mac-key"), over the five fields as SSH strings.
      const s = (b: Buffer | string) => {
        const bytes = Buffer.from(b);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(bytes.length);
        return Buffer.concat([len, bytes]);
      };
      const macKey = createHash("sha1").update("putty-private-key-file-mac-key").digest();
      const expected = createHmac("sha1", macKey).update(Buffer.concat([s(alg), s("none"), s(name), s(pub), s(priv)])).digest("hex");
      assert.equal(mac, expected);

      const r = new Reader(priv);
      if (type === "rsa") {
        const pr = new Reader(pub);
        pr.str();
        const [e, n] = [pr.big(), pr.big()];
        const [d, p, q, iqmp] = [r.big(), r.big(), r.big(), r.big()];
        assert.equal(p * q, n);
        assert.equal((iqmp * q) % p, 1n);
        const m = 0x1234567890abcdefn;
        const modPow = (b: bigint, x: bigint, mod: bigint) => {
          let result = 1n;
          for (b %= mod; x > 0n; x >>= 1n, b = (b * b) % mod) if (x & 1n) result = (result * b) % mod;
          return result;
        };
        assert.equal(modPow(modPow(m, e, n), d, n), m, "d inverts e");
      } else {
        const seed = r.str();
        assert.equal(seed.length, 32);
        const x = new Reader(pub);
        x.str();
        const key = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", d: seed.toString("base64url"), x: x.str().toString("base64url") }, format: "jwk" });
        assert.deepEqual(Buffer.from(createPublicKey(key).export({ format: "jwk" }).x!, "base64url"), x.buf.subarray(x.offset - 32));
      }
      assert.equal(r.offset, priv.length, "no padding when unencrypted");
    });

    test(`puttygen loads the ${type} ppk (checking its MAC) and yields the same key`, { skip: !(PUTTYGEN && SSH_KEYGEN) && "needs puttygen and ssh-keygen" }, () => {
      const name = uniqueName(`puttygen-${type}`);
      const out = createKeyPair({ KeyName: name, KeyType: type, KeyFormat: "ppk" }, store);
      const ppk = file(out.KeyMaterial!);
      sh(`puttygen ${ppk} -O private-openssh -o ${ppk}.pem`);
      assert.equal(firstTwo(sh(`ssh-keygen -y -f ${ppk}.pem`)), storedPublicKey(name));
      // A tampered MAC is refused, so the check above really exercised it.
      const tampered = file(out.KeyMaterial!.replace(/Private-MAC: (.)/, (_, c: string) => `Private-MAC: ${c === "0" ? "1" : "0"}`));
      assert.notEqual(spawnSync("puttygen", [tampered, "-O", "private-openssh", "-o", `${tampered}.pem`], { cwd: dir }).status, 0);
    });
  }

  test("tags from TagSpecifications of type key-pair", () => {
    const name = uniqueName("tagged");
    const out = createKeyPair({ KeyName: name, KeyType: "ed25519", TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "team", Value: "ops" }] }] }, store);
    assert.deepEqual(out.Tags, [{ Key: "team", Value: "ops" }]);
    assert.deepEqual(describeKeyPairs({ KeyNames: [name] }, store).KeyPairs![0]!.Tags, [{ Key: "team", Value: "ops" }]);
    assert.throws(
      () => createKeyPair({ KeyName: uniqueName("x"), TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "a", Value: "b" }] }] }, store),
      isError("InvalidParameter", undefined, "'instance' is not a valid taggable resource type for this operation."),
    );
  });

  test("checks the name, type and format", () => {
    const before = store.keyPairs.list().length;
    assert.throws(() => createKeyPair({ KeyName: "" }, store), isError("InvalidParameter", undefined, /KeyName/));
    assert.throws(() => createKeyPair({ KeyName: "x".repeat(256) }, store), isError("InvalidParameter", undefined, /Length exceeds maximum of 255/));
    assert.throws(() => createKeyPair({ KeyName: "clé" }, store), isError("InvalidParameter", undefined, /ASCII/));
    assert.throws(() => createKeyPair({ KeyName: "tab\there" }, store), isError("InvalidParameter", undefined, /ASCII/));
    assert.throws(() => createKeyPair({ KeyName: "k", KeyType: "dsa" as "rsa" }, store), isError("InvalidParameter", undefined, /KeyType/));
    assert.throws(() => createKeyPair({ KeyName: "k", KeyFormat: "der" as "pem" }, store), isError("InvalidParameter", undefined, /KeyFormat/));
    assert.equal(store.keyPairs.list().length, before);
    const long = "k".repeat(255);
    assert.equal(createKeyPair({ KeyName: long, KeyType: "ed25519" }, store).KeyName, long);
    assert.equal(createKeyPair({ KeyName: "with spaces & symbols!", KeyType: "ed25519" }, store).KeyName, "with spaces & symbols!");
  });
});

describe("ImportKeyPair", () => {
  const nodeKey = (type: "rsa" | "ed25519"): KeyObject =>
    type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey : generateKeyPairSync("ed25519").publicKey;
  // Writes the OpenSSH line by hand from the JWK, independently of the code under test.
  const opensshLine = (key: KeyObject, comment = "me@host"): string => {
    const jwk = key.export({ format: "jwk" });
    const s = (b: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return Buffer.concat([len, b]);
    };
    const mp = (b64: string) => {
      const b = Buffer.from(b64, "base64url");
      return s(b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
    };
    const body =
      jwk.kty === "RSA"
        ? Buffer.concat([s(Buffer.from("ssh-rsa")), mp(jwk.e!), mp(jwk.n!)])
        : Buffer.concat([s(Buffer.from("ssh-ed25519")), s(Buffer.from(jwk.x!, "base64url"))]);
    return `${jwk.kty === "RSA" ? "ssh-rsa" : "ssh-ed25519"} ${body.toString("base64")} ${comment}\n`;
  };

  test("an rsa key made by node:crypto: fingerprint MD5 of its SubjectPublicKeyInfo DER", () => {
    const key = nodeKey("rsa");
    const name = uniqueName("imp-rsa");
    const out = importKeyPair({ KeyName: name, PublicKeyMaterial: blob(opensshLine(key)) }, store);
    assert.match(out.KeyPairId!, /^key-[0-9a-f]{17}$/);
    assert.equal(out.KeyName, name);
    assert.equal(out.KeyFingerprint, md5Colon(key.export({ type: "spki", format: "der" })));
    assert.match(out.KeyFingerprint!, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
    assert.equal(storedPublicKey(name), firstTwo(opensshLine(key)), "kept without the comment");
    assert.equal(describeKeyPairs({ KeyNames: [name] }, store).KeyPairs![0]!.KeyType, "rsa");
  });

  test("an ed25519 key made by node:crypto: fingerprint SHA-256 of the blob, unpadded base64", () => {
    const key = nodeKey("ed25519");
    const line = opensshLine(key, "");
    const name = uniqueName("imp-ed");
    const out = importKeyPair({ KeyName: name, PublicKeyMaterial: blob(line) }, store);
    assert.equal(out.KeyFingerprint, sha256NoPad(opensshBlob(line)));
    assert.equal(storedPublicKey(name), firstTwo(line));
    assert.equal(describeKeyPairs({ KeyNames: [name] }, store).KeyPairs![0]!.KeyType, "ed25519");
  });

  for (const type of ["rsa", "ed25519"] as const) {
    test(`a ${type} key made by ssh-keygen, in OpenSSH and RFC 4716 form, with the fingerprint the tools compute`, { skip: !(SSH_KEYGEN && OPENSSL) && "needs ssh-keygen and openssl" }, () => {
      const base = file("");
      rmSync(join(dir, base));
      sh(`ssh-keygen -q -t ${type} ${type === "rsa" ? "-b 3072" : ""} -N '' -C 'user@example' -f ${base}`);
      const pub = readFileSync(join(dir, `${base}.pub`), "utf8");
      const out = importKeyPair({ KeyName: uniqueName(`kg-${type}`), PublicKeyMaterial: blob(pub) }, store);
      const expected =
        type === "rsa"
          ? sh(`ssh-keygen -e -m PKCS8 -f ${base}.pub | openssl pkey -pubin -outform DER | openssl md5 -c`).split("= ")[1]
          : /SHA256:(\S+)/.exec(sh(`ssh-keygen -l -f ${base}.pub`))![1];
      assert.equal(out.KeyFingerprint, expected);
      assert.equal(storedPublicKey(out.KeyName!), firstTwo(pub));

      const rfc4716 = sh(`ssh-keygen -e -f ${base}.pub`);
      assert.match(rfc4716, /^---- BEGIN SSH2 PUBLIC KEY ----/);
      const again = importKeyPair({ KeyName: uniqueName(`kg-${type}-rfc`), PublicKeyMaterial: blob(rfc4716) }, store);
      assert.equal(again.KeyFingerprint, expected);
      assert.equal(storedPublicKey(again.KeyName!), firstTwo(pub));
    });
  }

  test("RFC 4716 with quoted and continued headers", () => {
    const key = nodeKey("ed25519");
    const b64 = firstTwo(opensshLine(key)).split(" ")[1]!;
    const text = [
      "---- BEGIN SSH2 PUBLIC KEY ----",
      'Comment: "a long comment that \\',
      'goes on"',
      "x-private: thing",
      b64.slice(0, 40),
      b64.slice(40),
      "---- END SSH2 PUBLIC KEY ----",
      "",
    ].join("\r\n");
    const name = uniqueName("rfc");
    importKeyPair({ KeyName: name, PublicKeyMaterial: blob(text) }, store);
    assert.equal(storedPublicKey(name), firstTwo(opensshLine(key)));
  });

  test("the blob as JSON carried it over the bus is read the same", () => {
    const line = opensshLine(nodeKey("ed25519"));
    const wire = JSON.parse(JSON.stringify({ PublicKeyMaterial: blob(line) })).PublicKeyMaterial;
    assert.equal(typeof wire, "object");
    const name = uniqueName("wire");
    importKeyPair({ KeyName: name, PublicKeyMaterial: wire }, store);
    assert.equal(storedPublicKey(name), firstTwo(line));
  });

  test("anything but an OpenSSH rsa or ed25519 public key is InvalidKey.Format", () => {
    const ed = opensshLine(nodeKey("ed25519"));
    const [, edB64] = ed.split(" ");
    const ecdsa = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const rsa1024Less = generateKeyPairSync("rsa", { modulusLength: 768 }).publicKey;
    const cases: Record<string, string> = {
      garbage: "hello world",
      "one word": "ssh-ed25519",
      "bad base64": "ssh-ed25519 AAAA!!!!",
      "truncated blob": `ssh-ed25519 ${Buffer.from(edB64!, "base64").subarray(0, 20).toString("base64")}`,
      "name outside differs from inside": `ssh-rsa ${edB64}`,
      "trailing bytes in the blob": `ssh-ed25519 ${Buffer.concat([Buffer.from(edB64!, "base64"), Buffer.from([0])]).toString("base64")}`,
      "a PEM public key": String(generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" })),
      "a private key": String(generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" })),
      "an ECDSA key": `ecdsa-sha2-nistp256 ${Buffer.from("AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=", "base64").toString("base64")} x`,
      "an ECDSA PEM": String(ecdsa.publicKey.export({ type: "spki", format: "pem" })),
      "a 768-bit rsa key": opensshLine(rsa1024Less),
      "two keys on two lines": `${ed}${ed}`,
      "an empty RFC 4716 body": "---- BEGIN SSH2 PUBLIC KEY ----\n---- END SSH2 PUBLIC KEY ----\n",
    };
    const before = store.keyPairs.list().length;
    for (const [what, text] of Object.entries(cases)) {
      assert.throws(() => importKeyPair({ KeyName: uniqueName("bad"), PublicKeyMaterial: blob(text) }, store), badFormat, what);
    }
    assert.throws(() => importKeyPair({ KeyName: "bad", PublicKeyMaterial: new Uint8Array(0) }, store), isError("InvalidParameter", undefined, /PublicKeyMaterial/));
    assert.equal(store.keyPairs.list().length, before);
  });

  test("maps to the AWS codes: InvalidKey.Format, InvalidKeyPair.Duplicate, InvalidKeyPair.NotFound", () => {
    const code = (fn: () => unknown): string => {
      try {
        fn();
      } catch (err) {
        return awsErrorFromDomain(err as HiveError).code;
      }
      return "no error";
    };
    createKeyPair({ KeyName: "codes", KeyType: "ed25519" }, store);
    assert.equal(code(() => importKeyPair({ KeyName: "x", PublicKeyMaterial: blob("nope") }, store)), "InvalidKey.Format");
    assert.equal(code(() => createKeyPair({ KeyName: "codes" }, store)), "InvalidKeyPair.Duplicate");
    assert.equal(code(() => describeKeyPairs({ KeyNames: ["nope"] }, store)), "InvalidKeyPair.NotFound");
    assert.equal(code(() => createKeyPair({ KeyName: "" }, store)), "InvalidParameterValue");
  });
});

describe("duplicates", () => {
  test("a taken name is a Conflict on create and import, and nothing is written", () => {
    const first = createKeyPair({ KeyName: "dup", KeyType: "ed25519" }, store);
    const count = store.keyPairs.list().length;
    const dup = isError("Conflict", "key-pair", "The keypair 'dup' already exists.");
    assert.throws(() => createKeyPair({ KeyName: "dup" }, store), dup);
    const line = `ssh-ed25519 ${storedPublicKey("dup").split(" ")[1]}`;
    assert.throws(() => importKeyPair({ KeyName: "dup", PublicKeyMaterial: blob(line), TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "k", Value: "v" }] }] }, store), dup);
    assert.equal(store.keyPairs.list().length, count);
    assert.equal(store.keyPairs.byName("dup")?.id, first.KeyPairId);
    assert.deepEqual(store.tags.forResource(first.KeyPairId!), []);
    // Names are case-sensitive, and the same public key may be imported under another name.
    createKeyPair({ KeyName: "DUP", KeyType: "ed25519" }, store);
    importKeyPair({ KeyName: "dup-copy", PublicKeyMaterial: blob(line) }, store);
  });
});

describe("DescribeKeyPairs and DeleteKeyPair", () => {
  let a: string, b: string, c: string;
  let fresh: Store;
  before(async () => {
    fresh = await openStore(":memory:");
    a = createKeyPair({ KeyName: "alpha", KeyType: "ed25519", TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "env", Value: "prod" }] }] }, fresh).KeyPairId!;
    b = createKeyPair({ KeyName: "bravo", KeyType: "rsa", TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "env", Value: "dev" }, { Key: "owner", Value: "me" }] }] }, fresh).KeyPairId!;
    c = createKeyPair({ KeyName: "charlie", KeyType: "ed25519" }, fresh).KeyPairId!;
  });
  after(() => fresh.close());
  const named = (input: Parameters<typeof describeKeyPairs>[0]) => (describeKeyPairs(input, fresh).KeyPairs ?? []).map((k) => k.KeyName);

  test("lists every key by name with id, fingerprint, type, tags and creation time, but no public key unless asked", () => {
    const all = describeKeyPairs({}, fresh).KeyPairs!;
    assert.deepEqual(all.map((k) => k.KeyName), ["alpha", "bravo", "charlie"]);
    assert.deepEqual(all.map((k) => k.KeyPairId), [a, b, c]);
    assert.deepEqual(all.map((k) => k.KeyType), ["ed25519", "rsa", "ed25519"]);
    assert.deepEqual(all[1]!.Tags, [{ Key: "env", Value: "dev" }, { Key: "owner", Value: "me" }]);
    assert.ok(all.every((k) => k.CreateTime instanceof Date && Date.now() - k.CreateTime.getTime() < 60_000));
    assert.ok(all.every((k) => !("PublicKey" in k)));
    const withKeys = describeKeyPairs({ IncludePublicKey: true }, fresh).KeyPairs!;
    assert.match(withKeys[0]!.PublicKey!, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+$/);
    assert.match(withKeys[1]!.PublicKey!, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+$/);
  });

  test("by names and ids; an unknown one is NotFound", () => {
    assert.deepEqual(named({ KeyNames: ["charlie", "alpha"] }), ["alpha", "charlie"]);
    assert.deepEqual(named({ KeyPairIds: [b] }), ["bravo"]);
    assert.deepEqual(named({ KeyNames: ["alpha"], KeyPairIds: [b] }), ["alpha", "bravo"]);
    assert.throws(() => describeKeyPairs({ KeyNames: ["alpha", "zulu"] }, fresh), isError("NotFound", "key-pair", "The key pair 'zulu' does not exist"));
    assert.throws(() => describeKeyPairs({ KeyPairIds: ["key-00000000000000000"] }, fresh), isError("NotFound", "key-pair", "The key pair 'key-00000000000000000' does not exist"));
    assert.throws(() => describeKeyPairs({ KeyNames: ["Alpha"] }, fresh), isError("NotFound", "key-pair", /'Alpha'/));
  });

  test("filters: key-pair-id, key-name, fingerprint, key-type, tag:<key>, tag-key, tag-value", () => {
    const fp = describeKeyPairs({ KeyNames: ["bravo"] }, fresh).KeyPairs![0]!.KeyFingerprint!;
    assert.deepEqual(named({ Filters: [{ Name: "key-pair-id", Values: [a, c] }] }), ["alpha", "charlie"]);
    assert.deepEqual(named({ Filters: [{ Name: "key-name", Values: ["*r*"] }] }), ["bravo", "charlie"]);
    assert.deepEqual(named({ Filters: [{ Name: "fingerprint", Values: [fp] }] }), ["bravo"]);
    assert.deepEqual(named({ Filters: [{ Name: "key-type", Values: ["ed25519"] }] }), ["alpha", "charlie"]);
    assert.deepEqual(named({ Filters: [{ Name: "tag:env", Values: ["prod", "dev"] }] }), ["alpha", "bravo"]);
    assert.deepEqual(named({ Filters: [{ Name: "tag-key", Values: ["owner"] }] }), ["bravo"]);
    assert.deepEqual(named({ Filters: [{ Name: "tag-value", Values: ["pro?"] }] }), ["alpha"]);
    assert.deepEqual(named({ KeyNames: ["alpha", "bravo"], Filters: [{ Name: "key-type", Values: ["rsa"] }] }), ["bravo"]);
    assert.deepEqual(named({ Filters: [{ Name: "key-type", Values: ["ed25519"] }, { Name: "tag-key", Values: ["env"] }] }), ["alpha"]);
    assert.throws(() => describeKeyPairs({ Filters: [{ Name: "key-size", Values: ["1"] }] }, fresh), isError("InvalidParameter", undefined, "The filter 'key-size' is invalid"));
  });

  test("publicKeyOf gives RunInstances the name, type and OpenSSH public key", () => {
    const pk = publicKeyOf(fresh, "bravo");
    assert.deepEqual(pk, { name: "bravo", type: "rsa", openssh: describeKeyPairs({ KeyNames: ["bravo"], IncludePublicKey: true }, fresh).KeyPairs![0]!.PublicKey });
    assert.equal(publicKeyOf(fresh, "nobody"), undefined);
  });

  test("delete by name, by id, and a missing key succeeds without an id; tags go too", () => {
    assert.deepEqual(deleteKeyPair({ KeyName: "alpha" }, fresh), { Return: true, KeyPairId: a });
    assert.deepEqual(fresh.tags.forResource(a), []);
    assert.deepEqual(deleteKeyPair({ KeyPairId: b }, fresh), { Return: true, KeyPairId: b });
    assert.deepEqual(fresh.tags.forResource(b), []);
    assert.deepEqual(deleteKeyPair({ KeyName: "alpha" }, fresh), { Return: true });
    assert.deepEqual(deleteKeyPair({ KeyPairId: "key-00000000000000000" }, fresh), { Return: true });
    assert.throws(() => deleteKeyPair({}, fresh), isError("InvalidParameter", undefined, /KeyName or KeyPairId/));
    assert.deepEqual(named({}), ["charlie"]);
    // The name is free again.
    createKeyPair({ KeyName: "alpha", KeyType: "ed25519" }, fresh);
    assert.deepEqual(named({}), ["alpha", "charlie"]);
  });
});

test("key pairs are the region's: any box reads its copy, the region's writer (the hub) makes and deletes them", () => {
  const handlers = keyPairHandlers(store);
  assert.deepEqual(Object.keys(handlers).sort(), ["CreateKeyPair", "DeleteKeyPair", "DescribeKeyPairs", "ImportKeyPair"]);
  const kind = (action: string) => (catalogue.ec2 as Record<string, { travel: { kind: string } }>)[action]?.travel.kind;
  assert.deepEqual(Object.fromEntries(Object.keys(handlers).sort().map((a) => [a, kind(a)])), {
    CreateKeyPair: "region",
    DeleteKeyPair: "region",
    DescribeKeyPairs: "any",
    ImportKeyPair: "region",
  });
});
