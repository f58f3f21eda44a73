// Key pairs end to end: the compiled hive driven by the real aws CLI (and the SDK for ImportKeyPair's blob), with the
// private keys it hands out read back by ssh-keygen, openssl and puttygen.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { ImportKeyPairCommand } from "@aws-sdk/client-ec2";
import { awsDriver } from "../helpers/e2e.ts";
import { ec2Client, startHive, type HiveInstance } from "../helpers/hive.ts";

const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;

describe("e2e: key pairs", { skip: !(has("ssh-keygen") && has("openssl")) && "needs ssh-keygen and openssl" }, () => {
  let hive: HiveInstance;
  let dir: string;

  before(async () => {
    hive = await startHive();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-keys-"));
  });
  after(async () => {
    await hive?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const { ok, fails } = awsDriver(() => hive);
  /** A shell command in the scratch directory, with the appliance's AWS variables, as a user would type it. */
  const sh = (script: string): string => {
    const r = spawnSync("sh", ["-c", script], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...hive.env },
    });
    assert.equal(r.status, 0, `${script}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const publicKey = (name: string): string => ok(["ec2", "describe-key-pairs", "--key-names", name, "--include-public-key"]).KeyPairs[0].PublicKey;
  const firstTwo = (line: string): string => line.trim().split(/\s+/).slice(0, 2).join(" ");

  test("create-key-pair --query KeyMaterial --output text > me.pem gives a key ssh-keygen reads; its public half is described", () => {
    sh("aws ec2 create-key-pair --key-name me --query KeyMaterial --output text > me.pem && chmod 600 me.pem");
    assert.match(fs.readFileSync(path.join(dir, "me.pem"), "utf8"), /^-----BEGIN RSA PRIVATE KEY-----\n/);
    assert.equal(sh("ssh-keygen -y -f me.pem"), publicKey("me"));
    const [info] = ok(["ec2", "describe-key-pairs", "--key-names", "me"]).KeyPairs;
    assert.equal(info.KeyType, "rsa");
    assert.match(info.KeyPairId, /^key-[0-9a-f]{17}$/);
    assert.ok(Math.abs(Date.parse(info.CreateTime) - Date.now()) < 120_000, info.CreateTime);
    assert.equal(info.PublicKey, undefined);
    // AWS's documented fingerprint of a key it created: SHA-1 of the PKCS#8 DER.
    const sha1 = sh("openssl pkcs8 -in me.pem -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c").split("= ")[1];
    assert.equal(info.KeyFingerprint, sha1);
  });

  test("an ed25519 key comes as an OpenSSH private key, with its tags and ssh-keygen's fingerprint", () => {
    const out = ok([
      "ec2", "create-key-pair", "--key-name", "ed", "--key-type", "ed25519",
      "--tag-specifications", "ResourceType=key-pair,Tags=[{Key=env,Value=e2e}]",
    ]);
    assert.deepEqual(out.Tags, [{ Key: "env", Value: "e2e" }]);
    assert.match(out.KeyMaterial, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    fs.writeFileSync(path.join(dir, "ed.pem"), out.KeyMaterial, { mode: 0o600 });
    assert.equal(firstTwo(sh("ssh-keygen -y -f ed.pem")), publicKey("ed"));
    assert.equal(/SHA256:(\S+)/.exec(sh("ssh-keygen -l -f ed.pem"))![1], out.KeyFingerprint);
  });

  test("--key-format ppk gives a PuTTY-User-Key-File-2", () => {
    const out = ok(["ec2", "create-key-pair", "--key-name", "putty", "--key-type", "rsa", "--key-format", "ppk"]);
    assert.match(out.KeyMaterial, /^PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: putty\n/);
    assert.match(out.KeyMaterial, /\nPrivate-MAC: [0-9a-f]{40}\n$/);
    if (has("puttygen")) {
      fs.writeFileSync(path.join(dir, "putty.ppk"), out.KeyMaterial, { mode: 0o600 });
      sh("puttygen putty.ppk -O private-openssh -o putty.pem");
      assert.equal(firstTwo(sh("ssh-keygen -y -f putty.pem")), publicKey("putty"));
    }
  });

  for (const type of ["rsa", "ed25519"] as const) {
    test(`import-key-pair --public-key-material fileb://id_${type}.pub, with the fingerprint the tools compute`, () => {
      sh(`ssh-keygen -q -t ${type} -N '' -C 'me@laptop' -f id_${type}`);
      const out = ok(["ec2", "import-key-pair", "--key-name", `imported-${type}`, "--public-key-material", `fileb://${path.join(dir, `id_${type}.pub`)}`]);
      const expected =
        type === "rsa"
          ? sh(`ssh-keygen -e -m PKCS8 -f id_${type}.pub | openssl pkey -pubin -outform DER | openssl md5 -c`).split("= ")[1]
          : /SHA256:(\S+)/.exec(sh(`ssh-keygen -l -f id_${type}.pub`))![1];
      assert.equal(out.KeyFingerprint, expected);
      assert.match(out.KeyPairId, /^key-[0-9a-f]{17}$/);
      assert.equal(publicKey(`imported-${type}`), firstTwo(fs.readFileSync(path.join(dir, `id_${type}.pub`), "utf8")));
    });
  }

  test("the SDK's ImportKeyPair sends the blob the same way", async () => {
    const pub = fs.readFileSync(path.join(dir, "id_ed25519.pub"));
    const out = await ec2Client(hive).send(new ImportKeyPairCommand({ KeyName: "from-sdk", PublicKeyMaterial: pub }));
    assert.equal(publicKey("from-sdk"), firstTwo(pub.toString()));
    assert.equal(out.KeyFingerprint, ok(["ec2", "describe-key-pairs", "--key-names", "imported-ed25519"]).KeyPairs[0].KeyFingerprint);
  });

  test("a taken name is InvalidKeyPair.Duplicate, for create and import alike", () => {
    assert.match(fails(["ec2", "create-key-pair", "--key-name", "me"], "InvalidKeyPair.Duplicate"), /The keypair 'me' already exists/);
    fails(["ec2", "import-key-pair", "--key-name", "ed", "--public-key-material", `fileb://${path.join(dir, "id_rsa.pub")}`], "InvalidKeyPair.Duplicate");
  });

  test("what is not an OpenSSH public key is InvalidKey.Format", () => {
    fs.writeFileSync(path.join(dir, "junk.pub"), "this is not a key\n");
    const stderr = fails(["ec2", "import-key-pair", "--key-name", "junk", "--public-key-material", `fileb://${path.join(dir, "junk.pub")}`], "InvalidKey.Format");
    assert.match(stderr, /Key is not in valid OpenSSH public key format/);
    // A private key is not a public one.
    fails(["ec2", "import-key-pair", "--key-name", "junk", "--public-key-material", `fileb://${path.join(dir, "me.pem")}`], "InvalidKey.Format");
    fails(["ec2", "describe-key-pairs", "--key-names", "junk"], "InvalidKeyPair.NotFound");
  });

  test("describe-key-pairs by name, id and filters; an unknown name is InvalidKeyPair.NotFound", () => {
    const all = ok(["ec2", "describe-key-pairs"]).KeyPairs;
    assert.deepEqual(all.map((k: any) => k.KeyName), ["ed", "from-sdk", "imported-ed25519", "imported-rsa", "me", "putty"]);
    const ed = all.find((k: any) => k.KeyName === "ed");
    assert.deepEqual(ok(["ec2", "describe-key-pairs", "--key-pair-ids", ed.KeyPairId]).KeyPairs.map((k: any) => k.KeyName), ["ed"]);
    const names = (filters: string[]) => ok(["ec2", "describe-key-pairs", "--filters", ...filters]).KeyPairs.map((k: any) => k.KeyName);
    assert.deepEqual(names(["Name=key-type,Values=ed25519"]), ["ed", "from-sdk", "imported-ed25519"]);
    assert.deepEqual(names(["Name=tag:env,Values=e2e"]), ["ed"]);
    assert.deepEqual(names(["Name=key-name,Values=imported-*", "Name=key-type,Values=rsa"]), ["imported-rsa"]);
    assert.deepEqual(names([`Name=fingerprint,Values=${ed.KeyFingerprint}`]), ["ed"]);
    assert.match(fails(["ec2", "describe-key-pairs", "--key-names", "nobody"], "InvalidKeyPair.NotFound"), /The key pair 'nobody' does not exist/);
  });

  test("delete-key-pair by name and by id; a missing key succeeds", () => {
    const id = ok(["ec2", "describe-key-pairs", "--key-names", "putty"]).KeyPairs[0].KeyPairId;
    assert.equal(ok(["ec2", "delete-key-pair", "--key-name", "me"]).Return, true);
    assert.deepEqual(ok(["ec2", "delete-key-pair", "--key-pair-id", id]), { Return: true, KeyPairId: id });
    assert.equal(ok(["ec2", "delete-key-pair", "--key-name", "me"]).Return, true);
    fails(["ec2", "describe-key-pairs", "--key-names", "me"], "InvalidKeyPair.NotFound");
    fails(["ec2", "describe-key-pairs", "--key-pair-ids", id], "InvalidKeyPair.NotFound");
    // The name can be used again.
    ok(["ec2", "create-key-pair", "--key-name", "me", "--key-type", "ed25519"]);
  });
});
