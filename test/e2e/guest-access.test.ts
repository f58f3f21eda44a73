// End to end, guest access: key pairs, user data, the NoCloud seed, IMDSv2 and SSH into a real guest
// (user-mode networking), driven by the aws CLI and `hive ssh`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { waitUntilInstanceRunning } from "@aws-sdk/client-ec2";
import { awsDriver, imdsExchange } from "../helpers/e2e.ts";
import { aws, ec2Client, HIVE_BIN, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
let hive: HiveInstance;
let tmp: string;
let ami = "";
let keyFile = "";
let a = "";
let b = "";

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-guest-"));
  hive = await startHive(["--cpu-overcommit", String(4 / Math.max(1, Math.min(4, os.availableParallelism())))]);
  const r = runHive(["image", "import", GUEST, "--name", "guest", "--data-dir", hive.dataDir], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
  ami = r.stdout.trim();
});
after(async () => {
  await hive?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const { ok, until, consoleOf: consoleText, createKeyFile } = awsDriver(() => hive);

/** Runs a shell command in the guest through `hive ssh`, as a user would. */
function inGuest(id: string, command: string, key = keyFile) {
  const r = spawnSync(HIVE_BIN, ["ssh", id, "--data-dir", hive.dataDir, "-i", key, "--", command], {
    env: { ...process.env, HOME: hive.home },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}
const imds = imdsExchange;

describe("key pairs", () => {
  test("create-key-pair hands out a private key that ssh-keygen reads back to the public key Hive keeps", () => {
    keyFile = path.join(tmp, "me.pem");
    const created = createKeyFile("me", keyFile);
    assert.match(created.KeyMaterial, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const derived = spawnSync("ssh-keygen", ["-y", "-f", keyFile], { encoding: "utf8" }).stdout.trim();
    const [kp] = ok(["ec2", "describe-key-pairs", "--key-names", "me", "--include-public-key"]).KeyPairs;
    assert.equal(kp.PublicKey.split(" ").slice(0, 2).join(" "), derived.split(" ").slice(0, 2).join(" "));
  });

  test("an unknown key name is InvalidKeyPair.NotFound at launch", () => {
    const r = aws(hive, ["ec2", "run-instances", "--image-id", ami, "--key-name", "nobody"]);
    assert.match(r.stderr, /\(InvalidKeyPair\.NotFound\)/);
  });
});

describe("a guest with a key, user data and IMDSv2 required", () => {
  test("it boots, runs the user-data script and lets the key's owner in over SSH", async () => {
    const script = path.join(tmp, "setup.sh");
    fs.writeFileSync(script, "#!/bin/sh\necho user-data-ran-$(hostname) > /tmp/user-data-proof\ncat /tmp/user-data-proof\n");
    const res = ok([
      "ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--count", "2", "--key-name", "me",
      "--user-data", `file://${script}`, "--metadata-options", "HttpTokens=required,HttpEndpoint=enabled",
    ]);
    [a, b] = res.Instances.map((i: any) => i.InstanceId);
    await waitUntilInstanceRunning({ client: ec2Client(hive), maxWaitTime: 120 }, { InstanceIds: [a, b] });
    await until(`SSH in both guests, ${a} and ${b}`, () => consoleText(a).includes("HIVE-GUEST-SSH-READY") && consoleText(b).includes("HIVE-GUEST-SSH-READY"));
    await until("the user-data script", () => consoleText(a).includes("HIVE-USERDATA: user-data-ran-"));
    const r = inGuest(a, "id -un; hostname; cat /var/log/user-data.log");
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /^ec2-user\n/);
    // The seed's host name is the private DNS name, as the metadata service and DescribeInstances say.
    const name = ok(["ec2", "describe-instances", "--instance-ids", a]).Reservations[0].Instances[0].PrivateDnsName as string;
    assert.match(r.out, new RegExp(`\\n${name.replaceAll(".", "\\.")}\\n`));
    assert.match(r.out, /user-data-ran-/);
  });

  test("DescribeInstances reports the address, DNS name, interface and metadata options", () => {
    const [inst] = ok(["ec2", "describe-instances", "--instance-ids", a]).Reservations[0].Instances;
    assert.match(inst.PrivateIpAddress, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(inst.PrivateDnsName, `ip-${inst.PrivateIpAddress.replaceAll(".", "-")}.ec2.internal`);
    assert.equal(inst.NetworkInterfaces[0].PrivateIpAddress, inst.PrivateIpAddress);
    assert.equal(inst.MetadataOptions.HttpTokens, "required");
    assert.equal(inst.KeyName, "me");
    assert.ok(inst.Tags.some((t: any) => t.Key === "aws:hive:ssh-port" && Number(t.Value) > 1024), "the forward is a reserved aws: tag");
  });

  test("inside, IMDSv2 answers with a token and refuses without one", () => {
    const token = inGuest(a, `${imds("PUT", "/latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds: 60"])} | tail -n 1`);
    assert.equal(token.status, 0, token.err);
    const t = token.out.trim();
    assert.match(t, /^[A-Za-z0-9_-]{20,}$/);
    const id = inGuest(a, imds("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${t}`]));
    assert.match(id.out, /^HTTP\/1\.[01] 200/);
    assert.ok(id.out.trim().endsWith(a), id.out);
    const key = inGuest(a, imds("GET", "/latest/meta-data/public-keys/0/openssh-key", [`X-aws-ec2-metadata-token: ${t}`]));
    assert.match(key.out, /ssh-rsa AAAA/);
    const doc = inGuest(a, imds("GET", "/latest/dynamic/instance-identity/document", [`X-aws-ec2-metadata-token: ${t}`]));
    assert.match(doc.out, new RegExp(`"instanceId": "${a}"`));
    assert.match(inGuest(a, imds("GET", "/latest/meta-data/instance-id")).out, /^HTTP\/1\.[01] 401/);
    assert.match(inGuest(a, imds("PUT", "/latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds: 21601"])).out, /^HTTP\/1\.[01] 400/);
    assert.match(inGuest(a, imds("PUT", "/latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds: 0"])).out, /^HTTP\/1\.[01] 400/);
  });

  test("a token of another instance is refused: each guest reads only its own metadata", () => {
    const other = inGuest(b, `${imds("PUT", "/latest/api/token", ["X-aws-ec2-metadata-token-ttl-seconds: 60"])} | tail -n 1`).out.trim();
    assert.match(other, /^[A-Za-z0-9_-]{20,}$/);
    assert.match(inGuest(a, imds("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${other}`])).out, /^HTTP\/1\.[01] 401/);
    const own = inGuest(b, imds("GET", "/latest/meta-data/instance-id", [`X-aws-ec2-metadata-token: ${other}`])).out;
    assert.ok(own.trim().endsWith(b), own);
  });

  test("modify-instance-metadata-options makes tokens optional, and IMDSv1 answers", () => {
    const out = ok(["ec2", "modify-instance-metadata-options", "--instance-id", a, "--http-tokens", "optional"]);
    assert.equal(out.InstanceMetadataOptions.HttpTokens, "optional");
    const v1 = inGuest(a, imds("GET", "/latest/meta-data/instance-id"));
    assert.ok(v1.out.trim().endsWith(a), v1.out);
    const bad = aws(hive, ["ec2", "modify-instance-metadata-options", "--instance-id", a, "--http-put-response-hop-limit", "65"]);
    assert.match(bad.stderr, /InvalidParameterValue/);
  });

  test("a tool that owns the instance's tags leaves the reserved forward alone, and hive ssh still finds it", () => {
    ok(["ec2", "create-tags", "--resources", a, "--tags", "Key=Name,Value=web", "Key=stray,Value=1"]);
    // Ansible's ec2_instance with purge_tags: describe, then delete every tag it was not given that is not aws:-prefixed.
    const purge = (wanted: string[]): string[] => {
      const tags = ok(["ec2", "describe-tags", "--filters", `Name=resource-id,Values=${a}`]).Tags as Array<{ Key: string }>;
      const extra = tags.map((t) => t.Key).filter((k) => !wanted.includes(k) && !k.startsWith("aws:"));
      if (extra.length > 0) ok(["ec2", "delete-tags", "--resources", a, "--tags", ...extra.map((k) => `Key=${k}`)]);
      return extra;
    };
    assert.deepEqual(purge(["Name"]), ["stray"], "the first run removes the tag it was not given");
    assert.deepEqual(purge(["Name"]), [], "a second run finds nothing to change");
    // Deleting every tag (no --tags) and naming the reserved one both leave it in place.
    ok(["ec2", "delete-tags", "--resources", a]);
    const refused = aws(hive, ["ec2", "delete-tags", "--resources", a, "--tags", "Key=aws:hive:ssh-port"]);
    assert.match(refused.stderr, /InvalidParameterValue.*reserved/);
    const left = ok(["ec2", "describe-tags", "--filters", `Name=resource-id,Values=${a}`]).Tags.map((t: any) => t.Key);
    assert.deepEqual(left, ["aws:hive:ssh-port"]);
    assert.match(aws(hive, ["ec2", "create-tags", "--resources", a, "--tags", "Key=aws:mine,Value=1"]).stderr, /InvalidParameterValue.*reserved/);
    const printed = runHive(["ssh", a, "--print", "--data-dir", hive.dataDir], { HOME: hive.home });
    const port = Number(/-p (\d+)/.exec(printed.stdout)?.[1]);
    assert.ok(port > 1024, printed.stdout + printed.stderr);
    const status = runHive(["status", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.match(status.stdout, new RegExp(`${a} → 127\\.0\\.0\\.1:${port}`), status.stdout);
  });

  test("hive ssh --print shows the forward it would use", () => {
    const r = runHive(["ssh", a, "--print", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ssh -p \d+ .*ec2-user@127\.0\.0\.1/);
  });
});
