// End to end: a power cut. A guest writes its data volume and syncs it; then hive and every process of its appliance
// (QEMU, the storage daemon, nats-server) get SIGKILL at once. The next `hive up` starts the guest again with the data
// it synced, StateReason saying it was restarted after a host failure; an instance that was stopped stays stopped, and
// with --no-restart-instances the running one comes back stopped, saying so. Before that, hive killed alone while a
// guest powers itself off: that guest is its own shutdown, the other re-adopted, neither taken for a host failure.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { DescribeInstancesCommand, GetConsoleOutputCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { awsDriver } from "../helpers/e2e.ts";
import { ec2Client, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";
import { pidRunning } from "../../src/runtime/index.ts";
import { runtimeDir } from "../../src/runtime/index.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");

// At each boot: the first data disk (vdb…) is read; one that starts with the marker is reported ("READ <marker line>
// md5=<of its 2nd MiB>"), a blank one gets the marker in its first sector and 1 MiB of random bytes at 1 MiB, both
// fsync'd ("WROTE <marker line> md5=<of that MiB>").
const USER_DATA = `#!/bin/sh
say() { echo "POWERCUT-E2E $*" >/dev/console; }
dev=""
i=0
while [ -z "$dev" ] && [ $i -lt 60 ]; do
  for d in /sys/block/vd*; do
    [ -e "$d" ] && [ "\${d##*/}" != vda ] && dev=/dev/\${d##*/} && break
  done
  [ -n "$dev" ] || sleep 1
  i=$((i + 1))
done
[ -n "$dev" ] || { say "NO-DATA-DISK"; exit 1; }
head="$(dd if=$dev bs=64 count=1 2>/dev/null | tr -d '\\000' | head -n 1)"
case "$head" in
  hive-power-cut*) say "READ $head md5=$(dd if=$dev bs=1M skip=1 count=1 2>/dev/null | md5sum | cut -c1-32)" ;;
  *)
    t="$(cut -c1-8 /proc/sys/kernel/random/uuid)"
    dd if=/dev/urandom of=/tmp/p bs=1M count=1 2>/dev/null
    printf 'hive-power-cut %s\\n' "$t" | dd of=$dev conv=notrunc,fsync 2>/dev/null &&
      dd if=/tmp/p of=$dev bs=1M seek=1 conv=notrunc,fsync 2>/dev/null &&
      say "WROTE hive-power-cut $t md5=$(md5sum </tmp/p | cut -c1-32)"
    ;;
esac
`;

let hive: HiveInstance;
let ec2: EC2Client;
let writer = ""; // writes its launch-time data volume, then lives through the power cuts
let quitter = ""; // powers itself off while hive is down; stopped from then on
let written = ""; // "hive-power-cut <token> md5=<of the MiB written>"
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-power-cut-"));
const { ok, until } = awsDriver(() => hive);

before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  hive = await startHive(["--cpu-overcommit", "4"]);
  const r = runHive(["image", "import", GUEST, "--name", "power-cut-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
  const ami = r.stdout.trim();
  const userData = path.join(tmp, "user-data.sh");
  fs.writeFileSync(userData, USER_DATA);
  const run = (...extra: string[]) => ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", ...extra]).Instances[0].InstanceId as string;
  writer = run("--user-data", `file://${userData}`, "--block-device-mappings", "DeviceName=/dev/sdb,Ebs={VolumeSize=1,VolumeType=gp3,DeleteOnTermination=true}");
  quitter = run();
  ec2 = ec2Client(hive);
});
after(async () => {
  ec2?.destroy();
  await hive?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Through the SDK with a fresh client (hive restarts between calls); a failed call counts as not yet. */
async function describe1(id: string) {
  const c = ec2Client(hive);
  try {
    return (await c.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
  } finally {
    c.destroy();
  }
}
async function waitFor(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 400));
  }
  assert.fail(`timed out waiting for ${what}\n${hive.output().slice(-3000)}`);
}
const stateOf = async (id: string) => (await describe1(id)).State?.Name;
/** The current boot's console (GetConsoleOutput without Latest: from QEMU's last start on). */
async function bootConsole(id: string): Promise<string> {
  const c = ec2Client(hive);
  try {
    return Buffer.from((await c.send(new GetConsoleOutputCommand({ InstanceId: id }))).Output ?? "", "base64").toString("utf8");
  } finally {
    c.destroy();
  }
}
async function consoleLine(id: string, re: RegExp): Promise<RegExpExecArray> {
  let m: RegExpExecArray | null = null;
  await waitFor(`${id}: ${re.source}`, async () => (m = re.exec(await bootConsole(id))) !== null);
  return m!;
}
const qemuPid = (id: string) => Number(fs.readFileSync(path.join(hive.dataDir, "instances", id, "qemu.pid"), "utf8"));
/** How many log lines of this hive's run name the instance with a host failure. */
const hostFailureLines = (id: string) => hive.output().split("\n").filter((l) => l.includes(`instance ${id}: taken down by a host failure`));

describe("power cuts", () => {
  test("the writer's guest writes its data volume and syncs it; the other guest is up", async () => {
    for (const id of [writer, quitter]) await waitFor(`${id} running`, async () => (await stateOf(id)) === "running");
    written = (await consoleLine(writer, /POWERCUT-E2E WROTE (hive-power-cut \w+ md5=\w{32})/))[1]!;
    await consoleLine(quitter, /HIVE-GUEST-READY/);
  });

  test("hive killed alone while a guest powers itself off: that guest is its own shutdown, the other is re-adopted, no host failure", async () => {
    const writerPid = qemuPid(writer);
    const quitterPid = qemuPid(quitter);
    await hive.kill9();
    // The power button through the guest's own QMP monitor, which hive no longer holds: the guest powers off.
    const qmp = spawnSync("socat", ["-t", "2", "-", `UNIX-CONNECT:${path.join(runtimeDir(hive.dataDir), "vm", quitter, "qmp.sock")}`], {
      input: '{"execute":"qmp_capabilities"}\n{"execute":"system_powerdown"}\n',
      encoding: "utf8",
    });
    assert.equal(qmp.status, 0, qmp.stderr);
    await until(`${quitter}'s QEMU to end`, () => !pidRunning(quitterPid), 60_000);
    await hive.restart();
    await waitFor(`${quitter} stopped`, async () => (await stateOf(quitter)) === "stopped");
    const q = await describe1(quitter);
    assert.equal(q.StateReason?.Code, "Client.InstanceInitiatedShutdown");
    const w = await describe1(writer);
    assert.equal(w.State?.Name, "running");
    assert.equal(qemuPid(writer), writerPid, "re-adopted, not restarted");
    assert.ok(pidRunning(writerPid));
    assert.equal(w.StateReason, undefined);
    assert.deepEqual([...hostFailureLines(writer), ...hostFailureLines(quitter)], []);
  });

  test("after a power cut the running instance comes back with the data its guest synced, saying why; the stopped one stays stopped", async () => {
    const before = qemuPid(writer);
    await hive.powerCut();
    assert.ok(!pidRunning(before));
    await hive.restart();
    await waitFor(`${writer} running again`, async () => (await stateOf(writer)) === "running");
    const w = ok(["ec2", "describe-instances", "--instance-ids", writer]).Reservations[0].Instances[0];
    assert.equal(w.StateReason.Code, "Server.InternalError");
    assert.match(w.StateReason.Message, /restarted after a host failure/);
    assert.notEqual(qemuPid(writer), before, "a new QEMU");
    const sdb = w.BlockDeviceMappings.find((m: any) => m.DeviceName === "/dev/sdb");
    assert.equal(ok(["ec2", "describe-volumes", "--volume-ids", sdb.Ebs.VolumeId]).Volumes[0].Attachments[0].State, "attached");
    // The guest boots again and reads back what it wrote and synced before the cut.
    assert.equal((await consoleLine(writer, /POWERCUT-E2E READ (hive-power-cut \w+ md5=\w{32})/))[1], written);
    assert.equal(hostFailureLines(writer).length, 1, "one log line for the restarted instance");
    assert.match(hostFailureLines(writer)[0]!, /restarting it/);
    const q = await describe1(quitter);
    assert.deepEqual([q.State?.Name, q.StateReason?.Code], ["stopped", "Client.InstanceInitiatedShutdown"]);
    assert.deepEqual(hostFailureLines(quitter), []);
  });

  test("with --no-restart-instances the running instance comes back stopped, saying it was not restarted", async () => {
    await hive.powerCut();
    await hive.restart(["--no-restart-instances"]);
    await waitFor(`${writer} stopped`, async () => (await stateOf(writer)) === "stopped");
    const w = ok(["ec2", "describe-instances", "--instance-ids", writer]).Reservations[0].Instances[0];
    assert.equal(w.StateReason.Code, "Server.InternalError");
    assert.match(w.StateReason.Message, /host failure and was not restarted/);
    assert.equal(hostFailureLines(writer).length, 1);
    assert.match(hostFailureLines(writer)[0]!, /not restarted \(--no-restart-instances\)/);
    assert.equal(await stateOf(quitter), "stopped");
  });
});
