// The hive command line as a newcomer meets it: the AWS profile `hive up` writes, init's refusals, --help.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { HIVE_BIN, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

let hive: HiveInstance;
before(async () => {
  hive = await startHive([], { awsProfile: true });
});
after(async () => {
  await hive?.stop();
});

test("hive up writes a 'hive' profile that the aws CLI can use with no other setup", () => {
  const config = fs.readFileSync(path.join(hive.home, ".aws", "config"), "utf8");
  assert.match(config, /\[profile hive\]/);
  assert.match(config, new RegExp(`endpoint_url = https://localhost:${hive.ports.gateway}`));
  assert.match(config, /ca_bundle = .*tls\/ca\.pem/);
  const credentials = path.join(hive.home, ".aws", "credentials");
  assert.equal(fs.statSync(credentials).mode & 0o077, 0, "credentials file is readable by others");
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: hive.home };
  for (const k of Object.keys(env)) if (k.startsWith("AWS_")) delete env[k];
  const r = spawnSync("aws", ["--profile", "hive", "ec2", "describe-regions", "--output", "json"], { env, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).Regions[0].RegionName, "us-east-1");
});

test("eval \"$(hive env)\" makes aws reach Hive with the aws CLI on PATH and with Debian's awscli 2.9", (t) => {
  const clean: NodeJS.ProcessEnv = { ...process.env, HOME: hive.home };
  for (const k of Object.keys(clean)) if (k.startsWith("AWS_")) delete clean[k];
  const script = `eval "$(${HIVE_BIN} env --data-dir ${hive.dataDir})" && aws ec2 describe-regions --output json`;
  const run = (env: NodeJS.ProcessEnv) => spawnSync("bash", ["-c", script], { env, encoding: "utf8", timeout: 60_000 });

  const onPath = run(clean);
  assert.equal(onPath.status, 0, onPath.stderr);
  assert.equal(JSON.parse(onPath.stdout).Regions[0].RegionName, "us-east-1");

  if (!fs.existsSync("/usr/bin/aws")) return t.skip("Debian's awscli is not installed (apt-get install awscli)");
  // Debian 12's awscli (2.9) ignores AWS_ENDPOINT_URL: without the function hive env adds it would ask the real AWS.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "hive-debian-aws-"));
  try {
    fs.symlinkSync("/usr/bin/aws", path.join(bin, "aws"));
    const debian = run({ ...clean, PATH: `${bin}:${process.env.PATH}` });
    assert.equal(debian.status, 0, debian.stderr);
    assert.match(debian.stderr, /aws-cli 2\.9\.\d+, which ignores AWS_ENDPOINT_URL/);
    const regions = JSON.parse(debian.stdout).Regions as { RegionName: string; Endpoint: string }[];
    assert.deepEqual(regions.map((r) => r.RegionName), JSON.parse(onPath.stdout).Regions.map((r: { RegionName: string }) => r.RegionName));
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

test("hive init keeps other profiles, refuses an existing directory, and replaces it with --force", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-init-"));
  const home = path.join(tmp, "home");
  fs.mkdirSync(path.join(home, ".aws"), { recursive: true });
  fs.writeFileSync(path.join(home, ".aws", "config"), "[default]\nregion = eu-west-1\n");
  const dir = path.join(tmp, "data");
  try {
    const first = runHive(["init", "--data-dir", dir, "--region", "ap-southeast-2", "--node-name", "edge-7"], { HOME: home });
    assert.equal(first.status, 0, first.stderr);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
    assert.equal(cfg.region, "ap-southeast-2");
    assert.equal(cfg.az, "ap-southeast-2a");
    assert.equal(cfg.azId, "apse2-az1");
    assert.equal(cfg.node, "edge-7");
    const awsConfig = fs.readFileSync(path.join(home, ".aws", "config"), "utf8");
    assert.match(awsConfig, /\[default\]\nregion = eu-west-1/);
    assert.match(awsConfig, /\[profile hive\]\nregion = ap-southeast-2/);

    const again = runHive(["init", "--data-dir", dir, "--no-aws-profile"], { HOME: home });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already initialised.*--force/);

    const keyBefore = JSON.parse(fs.readFileSync(path.join(dir, "secrets.json"), "utf8")).admin.accessKeyId;
    const forced = runHive(["init", "--data-dir", dir, "--force"], { HOME: home });
    assert.equal(forced.status, 0, forced.stderr);
    const keyAfter = JSON.parse(fs.readFileSync(path.join(dir, "secrets.json"), "utf8")).admin.accessKeyId;
    assert.notEqual(keyAfter, keyBefore);
    assert.equal((fs.readFileSync(path.join(home, ".aws", "config"), "utf8").match(/\[profile hive\]/g) ?? []).length, 1);

    const bad = runHive(["init", "--data-dir", path.join(tmp, "other"), "--region", "Mars", "--no-aws-profile"], { HOME: home });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /invalid region 'Mars'/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("hive service install writes a unit systemd accepts and enables it; --dry-run touches nothing; uninstall removes it", (t) => {
  if (spawnSync("systemctl", ["--version"]).status !== 0) return t.skip("systemd is not installed");
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "hive-service-"));
  const unit = path.join(root, "etc", "systemd", "system", "hive.service");
  const wanted = path.join(root, "etc", "systemd", "system", "multi-user.target.wants", "hive.service");
  const dataDir = path.join(root, "media", "ops", "EDGE STICK", "hive-data");
  const flags = ["--data-dir", dataDir, "--user", "root", "--", "--gateway-host", "0.0.0.0", "--gateway-port", "9443"];
  try {
    const dry = runHive(["service", "install", "--dry-run", ...flags]);
    assert.equal(dry.status, 0, dry.stderr);
    assert.equal(fs.readdirSync(root).length, 0, "--dry-run wrote something");

    const installed = runHive(["service", "install", "--root", root, ...flags]);
    assert.equal(installed.status, 0, installed.stderr);
    const text = fs.readFileSync(unit, "utf8");
    assert.equal(text, dry.stdout, "--dry-run printed another unit than install wrote");
    assert.ok(text.includes(`ExecStart=${HIVE_BIN} up --data-dir "${dataDir}" --gateway-host 0.0.0.0 --gateway-port 9443`), text);
    assert.match(text, /^User=root$/m);
    assert.match(text, /^Restart=on-failure$/m);
    assert.match(text, /^After=network-online\.target$/m);
    assert.equal(fs.readlinkSync(wanted), "/etc/systemd/system/hive.service", "not enabled for multi-user.target");
    const verify = spawnSync("systemd-analyze", ["verify", unit], { encoding: "utf8" });
    assert.equal(verify.status, 0, verify.stderr);

    const badFlag = runHive(["service", "install", "--root", root, "--name", "other", "--", "--gateway-port", "99999"]);
    assert.equal(badFlag.status, 1);
    assert.match(badFlag.stderr, /expected a port number/);
    const vpcAsUser = runHive(["service", "install", "--root", root, "--name", "other", "--user", "nobody", "--", "--network", "vpc"]);
    assert.equal(vpcAsUser.status, 1);
    assert.match(vpcAsUser.stderr, /--network vpc needs root/);
    assert.equal(fs.existsSync(path.join(root, "etc", "systemd", "system", "other.service")), false);

    const removed = runHive(["service", "uninstall", "--root", root]);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(fs.existsSync(unit), false);
    assert.equal(fs.existsSync(wanted), false);
    const again = runHive(["service", "uninstall", "--root", root]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /nothing to uninstall/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("every command has --help naming its flags", () => {
  const expected: Record<string, RegExp[]> = {
    up: [/--gateway-port/, /--nats-port/, /--leaf-port/, /--data-dir/, /--portable/],
    init: [/--force/, /--no-aws-profile/, /--region/],
    env: [/--data-dir/, /endpoint-url/],
    ssh: [/user +QEMU user mode.*forwarded/s, /vpc +\(root\).*private IP/s, /--print/],
    "service install": [/--user/, /--dry-run/, /--no-enable/, /--root/, /--binary/],
    status: [/--json/],
    version: [/print the version/],
  };
  for (const [cmd, patterns] of Object.entries(expected)) {
    const r = runHive([...cmd.split(" "), "--help"]);
    assert.equal(r.status, 0, `${cmd} --help: ${r.stderr}`);
    for (const p of patterns) assert.match(r.stdout, p, `${cmd} --help lacks ${p}`);
  }
});

test("a bad port is refused before anything starts", () => {
  const r = runHive(["up", "--gateway-port", "99999", "--data-dir", path.join(os.tmpdir(), "hive-never")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /expected a port number/);
  assert.equal(fs.existsSync(path.join(os.tmpdir(), "hive-never")), false);
});
