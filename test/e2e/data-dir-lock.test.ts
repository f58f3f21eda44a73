// One appliance per data directory, as a newcomer meets it: a second `hive up` (or `hive init --force`) in another
// terminal is refused at once and leaves the running appliance alone; a `kill -9` never blocks the next start.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { alive, aws, freePort, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

let hive: HiveInstance;
before(async () => {
  hive = await startHive();
});
after(async () => {
  await hive?.stop();
});

const natsPidFile = () => path.join(hive.dataDir, "nats", "nats-server.pid");
const natsPid = () => Number(fs.readFileSync(natsPidFile(), "utf8").trim());
const refusal = (pid: number) =>
  new RegExp(`^hive: the data directory ${hive.dataDir} is in use by hive pid ${pid} \\(started [^)]+\\); stop it first$`, "m");

test("a second hive up on a data directory in use is refused at once, and the first keeps answering with the same nats-server", async () => {
  const firstPid = hive.proc.pid!;
  const serverPid = natsPid();
  const conf = fs.readFileSync(path.join(hive.dataDir, "nats", "nats.conf"), "utf8");
  // Other ports, as a second terminal with other flags would: nothing but the lock may stop it.
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()].map(String);
  const started = performance.now();
  const second = runHive(
    ["up", "--data-dir", hive.dataDir, "--no-aws-profile", "--network", "user",
      "--gateway-port", ports[0]!, "--nats-port", ports[1]!, "--leaf-port", ports[2]!, "--monitor-port", ports[3]!],
    { HOME: hive.home },
  );
  const ms = performance.now() - started;
  assert.equal(second.status, 1, second.stderr);
  assert.match(second.stderr, refusal(firstPid));
  assert.doesNotMatch(second.stderr, /left over|nats-server|storage/);
  assert.ok(ms < 5_000, `the refusal took ${Math.round(ms)} ms`);

  const r = aws(hive, ["ec2", "describe-regions"]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.json().Regions[0].RegionName, "us-east-1");
  assert.equal(natsPid(), serverPid);
  assert.ok(alive(serverPid), "the first appliance's nats-server was ended");
  assert.equal(fs.readFileSync(path.join(hive.dataDir, "nats", "nats.conf"), "utf8"), conf, "nats.conf was rewritten");
  assert.equal(hive.proc.exitCode, null);
});

test("hive init --force on a data directory in use is refused and touches nothing", () => {
  const secrets = fs.readFileSync(path.join(hive.dataDir, "secrets.json"), "utf8");
  const config = fs.readFileSync(path.join(hive.dataDir, "config.json"), "utf8");
  const r = runHive(["init", "--data-dir", hive.dataDir, "--force", "--no-aws-profile"], { HOME: hive.home });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, refusal(hive.proc.pid!));
  assert.equal(fs.readFileSync(path.join(hive.dataDir, "secrets.json"), "utf8"), secrets);
  assert.equal(fs.readFileSync(path.join(hive.dataDir, "config.json"), "utf8"), config);
  assert.equal(aws(hive, ["ec2", "describe-regions"]).status, 0);
});

test("after kill -9 of the appliance, the next hive up goes through and holds the directory itself", async () => {
  const oldPid = hive.proc.pid!;
  await hive.kill9();
  await hive.restart();
  assert.notEqual(hive.proc.pid, oldPid);
  const r = aws(hive, ["ec2", "describe-regions"]);
  assert.equal(r.status, 0, r.stderr);
  const owner = JSON.parse(fs.readFileSync(path.join(hive.dataDir, "hive.lock.json"), "utf8"));
  assert.equal(owner.pid, hive.proc.pid);
  // And it is the one a further start now names.
  const third = runHive(["init", "--data-dir", hive.dataDir, "--force", "--no-aws-profile"], { HOME: hive.home });
  assert.equal(third.status, 1);
  assert.match(third.stderr, refusal(hive.proc.pid!));
});

test("a clean stop releases the directory: the record goes and hive init --force may run", async () => {
  hive.proc.kill("SIGTERM");
  await new Promise<void>((resolve) => (hive.proc.exitCode !== null ? resolve() : hive.proc.once("exit", () => resolve())));
  assert.equal(fs.existsSync(path.join(hive.dataDir, "hive.lock.json")), false);
  const r = runHive(["init", "--data-dir", hive.dataDir, "--force", "--no-aws-profile"], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
});
