// End to end with a stock-style cloud image (scripts/build-cloud-guest.sh: plain Debian with cloud-init, nothing of
// Hive's inside): cloud-init alone installs the key for the image's default user and runs the user data, from Hive's
// NoCloud seed; inside, a plain IMDSv2 client and cloud-init's own EC2 metadata crawler read the metadata service.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver } from "../helpers/e2e.ts";
import { HIVE_BIN, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const IMAGE = path.join(ROOT, "build", "cloud-guest", "debian-cloud.raw");
/** Debian's cloud images log in as "debian" (cloud-init's default_user there). */
const USER = "debian";
// Without root the image cannot be built (debootstrap); with root, setup.sh --test builds it, so it must be there.
const skip = process.getuid?.() === 0 ? false : "the cloud image is built with debootstrap, which needs root";

let hive: HiveInstance;
let tmp = "";
let key = "";
let id = "";

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(IMAGE), `${IMAGE} is missing: run scripts/setup.sh --test (or scripts/build-cloud-guest.sh)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-cloud-"));
  hive = await startHive(["--cpu-overcommit", String(4 / Math.max(1, Math.min(4, os.availableParallelism())))]);
});
after(async () => {
  if (skip) return;
  await hive?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const { ok, until, consoleOf } = awsDriver(() => hive);

/** Runs a command in the guest as the image's default user through `hive ssh`; `input` goes to its stdin. */
function inGuest(command: string, input?: string) {
  const r = spawnSync(HIVE_BIN, ["ssh", id, "--data-dir", hive.dataDir, "-i", key, "-l", USER, "--", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", command], {
    env: { ...process.env, HOME: hive.home },
    encoding: "utf8",
    input,
    timeout: 120_000,
  });
  return { status: r.status, out: r.stdout ?? "", err: r.stderr ?? "" };
}

// Run inside the guest with its own python3: IMDSv2 by hand, then cloud-init's EC2 crawler (what its Ec2 data source
// uses on AWS) walking the whole meta-data tree with the token.
const IMDS_CHECK = `
import json, urllib.request, urllib.error
from cloudinit.sources.helpers import ec2
base = "http://169.254.169.254"
def call(method, path, headers):
    req = urllib.request.Request(base + path, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, ""
status, token = call("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "300"})
out = {"token_status": status}
out["tokenless_status"] = call("GET", "/latest/meta-data/instance-id", {})[0]
out["instance_id"] = call("GET", "/latest/meta-data/instance-id", {"X-aws-ec2-metadata-token": token})[1]
out["bad_ttl_status"] = call("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "21601"})[0]
md = ec2.get_instance_metadata("latest", base, headers_cb=lambda url: {"X-aws-ec2-metadata-token": token}, retries=1)
out["crawled"] = {k: md.get(k) for k in ("instance-id", "local-ipv4", "placement", "public-keys", "instance-type")}
out["user_data"] = ec2.get_instance_userdata("latest", base, headers_cb=lambda url: {"X-aws-ec2-metadata-token": token}, retries=1).decode()
print(json.dumps(out))
`;

describe("a stock-style Debian cloud image", { skip }, () => {
  test("cloud-init installs the key for the default user and runs the user data; SSH works as on AWS", async () => {
    const imported = runHive(["image", "import", IMAGE, "--name", "debian-cloud", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(imported.status, 0, imported.stderr);
    const created = ok(["ec2", "create-key-pair", "--key-name", "me", "--key-type", "ed25519"]);
    key = path.join(tmp, "me.pem");
    fs.writeFileSync(key, created.KeyMaterial.endsWith("\n") ? created.KeyMaterial : `${created.KeyMaterial}\n`, { mode: 0o600 });
    const script = path.join(tmp, "setup.sh");
    fs.writeFileSync(script, "#!/bin/sh\necho \"cloud-user-data-ran on $(hostname)\" | tee /var/tmp/proof\n");
    const res = ok([
      "ec2", "run-instances", "--image-id", imported.stdout.trim(), "--instance-type", "t3.micro", "--key-name", "me",
      "--user-data", `file://${script}`, "--metadata-options", "HttpTokens=required",
    ]);
    id = res.Instances[0].InstanceId;
    // cloud-init's final stage prints the script's output on the console, as on EC2's GetConsoleOutput.
    await until("cloud-init to run the user data", () => consoleOf(id).includes("cloud-user-data-ran on"), 600_000);
    await until("SSH as the default user", () => inGuest("true").status === 0, 180_000);

    const r = inGuest("cloud-init status --wait >/dev/null; cloud-init status; cat /run/cloud-init/cloud-id; hostname; cat /var/tmp/proof; sudo -n true && echo sudo-ok");
    assert.equal(r.status, 0, r.err);
    const [status, cloudId, hostname, proof, sudo] = r.out.trim().split("\n");
    const why = () => inGuest("cloud-init status --long; sudo grep -E 'WARNING|ERROR|Traceback' /var/log/cloud-init.log | tail -n 40").out;
    assert.equal(status, "status: done", why());
    assert.equal(cloudId, "nocloud", "cloud-init took its data from Hive's NoCloud seed");
    assert.match(hostname!, new RegExp(`^${id}(\\.|$)`), "cloud-init set the seed's local-hostname");
    assert.equal(proof, `cloud-user-data-ran on ${hostname}`);
    assert.equal(sudo, "sudo-ok", "the default user has passwordless sudo, as on Debian's images");
  });

  test("inside, IMDSv2 and cloud-init's EC2 crawler read this instance's metadata; tokenless reads are refused", () => {
    const r = inGuest("python3 -", IMDS_CHECK);
    assert.equal(r.status, 0, r.err);
    const out = JSON.parse(r.out.trim().split("\n").pop()!);
    assert.equal(out.token_status, 200);
    assert.equal(out.tokenless_status, 401, "HttpTokens=required");
    assert.equal(out.bad_ttl_status, 400, "a TTL over 21600 s");
    assert.equal(out.instance_id, id);
    assert.equal(out.crawled["instance-id"], id);
    assert.equal(out.crawled["instance-type"], "t3.micro");
    assert.match(out.crawled.placement["availability-zone"], /^us-east-1[a-z]$/);
    const openssh = ok(["ec2", "describe-key-pairs", "--key-names", "me", "--include-public-key"]).KeyPairs[0].PublicKey.split(" ").slice(0, 2).join(" ");
    assert.ok(JSON.stringify(out.crawled["public-keys"]).includes(openssh), JSON.stringify(out.crawled["public-keys"]));
    assert.match(out.user_data, /^#!\/bin\/sh\n/);
  });
});
