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

const { ok, until, consoleOf, createKeyFile } = awsDriver(() => hive);

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

// Run inside the guest with its own python3 (as root): IMDSv2 by hand, then cloud-init's own EC2 data source as it runs
// on AWS: it recognises EC2 by the machine's firmware tables, fetches a token and crawls everything with it.
const IMDS_CHECK = `
import json, tempfile, urllib.request, urllib.error
from cloudinit import distros, helpers
from cloudinit.sources.DataSourceEc2 import DataSourceEc2
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
tmp = tempfile.mkdtemp()
paths = helpers.Paths({"cloud_dir": tmp + "/cloud", "run_dir": tmp + "/run"})
distro = distros.fetch("debian")("debian", {}, paths)
cfg = {"datasource": {"Ec2": {"metadata_urls": [base], "max_wait": 30, "timeout": 5}}}
ds = DataSourceEc2(cfg, distro, paths)
out["ds"] = {
    "found": ds.get_data(),
    "cloud_name": ds.cloud_name,
    "token_used": bool(ds._api_token),
    "api_version": ds.get_metadata_api_version(),
    "instance_id": ds.get_instance_id(),
    "region": ds.region,
    "az": ds.availability_zone,
    "local_hostname": ds.get_hostname().hostname,
    "keys": ds.get_public_ssh_keys(),
    "user_data": (ds.get_userdata_raw() or b"").decode(),
    "identity_instance_id": ds.identity.get("instanceId"),
    "network": ds.network_config,
}
print(json.dumps(out))
`;

describe("a stock-style Debian cloud image", { skip }, () => {
  test("cloud-init installs the key for the default user and runs the user data; SSH works as on AWS", async () => {
    const imported = runHive(["image", "import", IMAGE, "--name", "debian-cloud", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(imported.status, 0, imported.stderr);
    key = path.join(tmp, "me.pem");
    createKeyFile("me", key, "ed25519");
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

    const r = inGuest(
      "cloud-init status --wait >/dev/null; cloud-init status; cat /run/cloud-init/cloud-id; hostname; cat /var/tmp/proof; sudo -n true && echo sudo-ok; " +
        "cat /sys/class/dmi/id/sys_vendor /sys/class/dmi/id/product_name; systemd-detect-virt",
    );
    assert.equal(r.status, 0, r.err);
    const [status, cloudId, hostname, proof, sudo, vendor, product, virt] = r.out.trim().split("\n");
    const why = () => inGuest("cloud-init status --long; sudo grep -E 'WARNING|ERROR|Traceback' /var/log/cloud-init.log | tail -n 40").out;
    assert.equal(status, "status: done", why());
    assert.equal(cloudId, "nocloud", "cloud-init took its data from Hive's NoCloud seed");
    // EC2's default host name is the private DNS name (ip-172-31-0-4…), the same in the seed and the metadata service.
    const privateName = ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0].PrivateDnsName as string;
    assert.match(privateName, /^ip-172-31-\d+-\d+\.ec2\.internal$/);
    assert.equal(hostname!.split(".")[0], privateName.split(".")[0], "cloud-init set the seed's local-hostname");
    assert.equal(proof, `cloud-user-data-ran on ${hostname}`);
    assert.equal(sudo, "sudo-ok", "the default user has passwordless sudo, as on Debian's images");
    assert.deepEqual([vendor, product, virt], ["Amazon EC2", "t3.micro", "amazon"], "the machine presents itself as EC2 does");
  });

  test("inside, IMDSv2 works, tokenless reads are refused, and cloud-init's EC2 data source reads this instance", () => {
    const r = inGuest("sudo -n python3 -", IMDS_CHECK);
    assert.equal(r.status, 0, r.err);
    const out = JSON.parse(r.out.trim().split("\n").pop()!);
    assert.equal(out.token_status, 200);
    assert.equal(out.tokenless_status, 401, "HttpTokens=required");
    assert.equal(out.bad_ttl_status, 400, "a TTL over 21600 s");
    assert.equal(out.instance_id, id);

    const [instance] = ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances;
    const ds = out.ds;
    assert.equal(ds.cloud_name, "aws", "cloud-init recognises the machine as EC2");
    assert.equal(ds.found, true, "the data source found the metadata service");
    assert.equal(ds.token_used, true, "and used it with an IMDSv2 token, as on AWS");
    assert.equal(ds.api_version, "2021-03-23", "the newest metadata version cloud-init asks for is served");
    assert.equal(ds.instance_id, id);
    assert.equal(ds.identity_instance_id, id, "the instance identity document");
    assert.equal(ds.az, instance.Placement.AvailabilityZone);
    assert.equal(ds.region, instance.Placement.AvailabilityZone.slice(0, -1));
    // cloud-init keeps the first label of local-hostname (the private DNS name, as on EC2).
    assert.equal(ds.local_hostname, instance.PrivateDnsName.split(".")[0], "local-hostname is the private DNS name, as on EC2");
    const openssh = ok(["ec2", "describe-key-pairs", "--key-names", "me", "--include-public-key"]).KeyPairs[0].PublicKey.split(" ").slice(0, 2).join(" ");
    assert.ok(ds.keys.some((k: string) => k.startsWith(openssh)), JSON.stringify(ds.keys));
    assert.match(ds.user_data, /^#!\/bin\/sh\n/);
    // Its network configuration comes from network/interfaces/macs/: DHCP on the NIC with this instance's MAC.
    const nic = Object.values(ds.network.ethernets as Record<string, any>).find((e) => e.match?.macaddress === instance.NetworkInterfaces[0].MacAddress);
    assert.ok(nic, JSON.stringify(ds.network));
    assert.equal(nic.dhcp4, true);
  });
});
