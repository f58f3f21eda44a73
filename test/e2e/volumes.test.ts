// End to end: EBS volumes and snapshots through the compiled hive, two real QEMU guests and the aws CLI — a volume
// attached to a running instance, written by its guest, snapshotted while attached, detached, restored from the
// snapshot and read by the other guest; online growth; launch-time data volumes; filters and pages; every refusal
// with its AWS code; and a hive killed right after an attach, whose restart leaves no half-made attachment.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  AttachVolumeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  GetConsoleOutputCommand,
  ModifyVolumeCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { awsDriver } from "../helpers/e2e.ts";
import { ec2Client, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const GiB_SECTORS = (1024 ** 3) / 512;

// The loop never ends, so its lines go to the console directly (user data's own output is piped, and buffered).
// Every second, in both guests: "DISKS vda:<serial>:<sectors> vdb:…" when the set of disks changes. A data disk seen for
// the first time is read: one that starts with a marker is reported ("READ <serial> <its marker> md5=<of its 2nd MiB>");
// a blank one gets a marker in its first sector and 1 MiB of random bytes at 1 MiB, both fsync'd ("WROTE <serial>
// <token> md5=<of that MiB>"). A disk that goes is forgotten, so a disk plugged again is read again.
const USER_DATA = `#!/bin/sh
say() { echo "EBS-E2E $*" >/dev/console; }
prev=""
while :; do
  cur=""
  for d in /sys/block/vd*; do
    [ -e "$d" ] || continue
    n=\${d##*/} s="$(cat $d/serial 2>/dev/null)"
    cur="$cur $n:$s:$(cat $d/size)"
    [ "$n" = vda ] || [ -z "$s" ] || [ -e /tmp/seen.$s ] && continue
    : >/tmp/seen.$s
    head="$(dd if=/dev/$n bs=64 count=1 2>/dev/null | tr -d '\\000' | head -n 1)"
    case "$head" in
      hive-ebs-e2e*) say "READ $s $head md5=$(dd if=/dev/$n bs=1M skip=1 count=1 2>/dev/null | md5sum | cut -c1-32)" ;;
      *)
        t="$(cut -c1-8 /proc/sys/kernel/random/uuid)"
        dd if=/dev/urandom of=/tmp/p bs=1M count=1 2>/dev/null
        printf 'hive-ebs-e2e %s %s\\n' "$s" "$t" | dd of=/dev/$n conv=notrunc,fsync 2>/dev/null &&
          dd if=/tmp/p of=/dev/$n bs=1M seek=1 conv=notrunc,fsync 2>/dev/null &&
          say "WROTE $s $t md5=$(md5sum </tmp/p | cut -c1-32)"
        ;;
    esac
  done
  for f in /tmp/seen.*; do
    [ -e "$f" ] || continue
    case "$cur " in *":\${f#/tmp/seen.}:"*) ;; *) rm -f "$f" ;; esac
  done
  [ "$cur" != "$prev" ] && say "DISKS$cur"
  prev="$cur"
  sleep 1
done
`;

let hive: HiveInstance;
let ami = "";
let zone = "";
let instA = "";
let instB = "";
let data = ""; // gp3, 1 GiB, Name=data: attached to A, written, snapshotted, detached
let snap = "";
let restored = ""; // made of `snap`, attached to B
let launched = ""; // B's launch-time data volume (/dev/sdb, deleted on termination)
let written = { token: "", md5: "" };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-volumes-"));

before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  hive = await startHive(["--cpu-overcommit", "4"]);
  const r = runHive(["image", "import", GUEST, "--name", "volumes-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
  ami = r.stdout.trim();
  zone = ok(["ec2", "describe-availability-zones"]).AvailabilityZones[0].ZoneName;
  const userData = path.join(tmp, "user-data.sh");
  fs.writeFileSync(userData, USER_DATA);
  const run = (...extra: string[]) =>
    ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--user-data", `file://${userData}`, ...extra]).Instances[0].InstanceId as string;
  instA = run();
  instB = run("--block-device-mappings", "DeviceName=/dev/sdb,Ebs={VolumeSize=1,VolumeType=gp3,DeleteOnTermination=true}");
  ec2 = ec2Client(hive);
  for (const id of [instA, instB]) await until(`${id} running`, async () => (await stateOf(id)) === "running");
});
after(async () => {
  ec2?.destroy();
  await hive?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const { ok, fails } = awsDriver(() => hive);
// Waits and look-ups poll through the SDK: the CLI's start-up (a second or more on a busy box) would dominate the
// file's runtime. What is being tested goes through the aws CLI.
let ec2: EC2Client;

/** For a call that must not fail on a kept-alive connection the server has closed meanwhile (the client never retries). */
async function withFreshClient<T>(fn: (c: EC2Client) => Promise<T>): Promise<T> {
  const c = ec2Client(hive);
  try {
    return await fn(c);
  } finally {
    c.destroy();
  }
}

/** Polls `check` every 0.4 s; a failed call (hive restarting) counts as not yet. */
async function until(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 400));
  }
  assert.fail(`timed out waiting for ${what}\n${hive.output().slice(-3000)}`);
}
/** DeleteVolume answers at once; the volume is `deleting` until its file is gone, then InvalidVolume.NotFound. */
const deleted = (id: string) =>
  until(`${id} deleted`, async () => {
    try {
      await volume(id);
      return false;
    } catch (err) {
      return (err as { name?: string }).name === "InvalidVolume.NotFound";
    }
  });
const stateOf = async (id: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!.State!.Name;
const volume = async (id: string) => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0]!;
const attachState = async (id: string) => (await volume(id)).Attachments?.[0]?.State;
const consoleOf = async (id: string): Promise<string> =>
  Buffer.from((await ec2.send(new GetConsoleOutputCommand({ InstanceId: id, Latest: true }))).Output ?? "", "base64").toString("utf8");
const volumeIds = (...filters: string[]): string[] =>
  ok(["ec2", "describe-volumes", ...(filters.length ? ["--filters", ...filters] : [])]).Volumes.map((v: any) => v.VolumeId).sort();
const serial = (vol: string): string => vol.replace("-", "");

/** The guest's latest view of its disks: serial → { dev, sectors }. */
async function guestDisks(instance: string): Promise<Map<string, { dev: string; sectors: number }>> {
  const lines = (await consoleOf(instance)).split(/\r?\n/).filter((l) => l.includes("EBS-E2E DISKS"));
  const last = lines.at(-1)?.split("EBS-E2E DISKS")[1] ?? "";
  return new Map(
    last.trim().split(/\s+/).filter(Boolean).map((e) => {
      const [dev, s, sectors] = e.split(":");
      return [s!, { dev: dev!, sectors: Number(sectors) }];
    }),
  );
}
const guestSees = (instance: string, what: string, cond: (disks: Map<string, { dev: string; sectors: number }>) => boolean, ms = 120_000) =>
  until(`${instance}: ${what}`, async () => cond(await guestDisks(instance)), ms);
/** Waits for a console line of the guest and returns its match. */
async function consoleLine(instance: string, re: RegExp): Promise<RegExpExecArray> {
  let m: RegExpExecArray | null = null;
  await until(`${instance}: ${re.source}`, async () => (m = re.exec(await consoleOf(instance))) !== null);
  return m!;
}

describe("a volume's life with two guests", () => {
  test("create-volume: gp3, 1 GiB, tagged; available at once with gp3's defaults", () => {
    const v = ok([
      "ec2", "create-volume", "--availability-zone", zone, "--size", "1", "--volume-type", "gp3",
      "--tag-specifications", "ResourceType=volume,Tags=[{Key=Name,Value=data}]",
    ]);
    data = v.VolumeId;
    assert.match(data, /^vol-[0-9a-f]{17}$/);
    const d = ok(["ec2", "describe-volumes", "--volume-ids", data]).Volumes[0];
    assert.equal(d.State, "available");
    assert.equal(d.Size, 1);
    assert.equal(d.VolumeType, "gp3");
    assert.equal(d.Iops, 3000);
    assert.equal(d.Throughput, 125);
    assert.equal(d.AvailabilityZone, zone);
    assert.equal(d.Encrypted, false);
    assert.deepEqual(d.Attachments, []);
    assert.deepEqual(d.Tags, [{ Key: "Name", Value: "data" }]);
  });

  test("the launch-time data volume (/dev/sdb) is attached to B and B's guest sees and writes it", async () => {
    const b = ok(["ec2", "describe-instances", "--instance-ids", instB]).Reservations[0].Instances[0];
    const sdb = b.BlockDeviceMappings.find((m: any) => m.DeviceName === "/dev/sdb");
    assert.ok(sdb, JSON.stringify(b.BlockDeviceMappings));
    launched = sdb.Ebs.VolumeId;
    assert.equal(sdb.Ebs.DeleteOnTermination, true);
    const v = ok(["ec2", "describe-volumes", "--volume-ids", launched]).Volumes[0];
    assert.equal(v.State, "in-use");
    assert.equal(v.Size, 1);
    assert.equal(v.VolumeType, "gp3");
    assert.deepEqual([v.Attachments[0].InstanceId, v.Attachments[0].Device, v.Attachments[0].State], [instB, "/dev/sdb", "attached"]);
    await guestSees(instB, "its launch-time disk", (d) => d.get(serial(launched))?.sectors === GiB_SECTORS);
    await consoleLine(instB, new RegExp(`WROTE ${serial(launched)} `));
  });

  test("attach-volume to running A as /dev/sdf: attaching, then attached; the guest sees vol… of 1 GiB and writes it", async () => {
    await guestSees(instA, "its root disk only", (d) => d.size === 1);
    const a = ok(["ec2", "attach-volume", "--volume-id", data, "--instance-id", instA, "--device", "/dev/sdf"]);
    assert.equal(a.VolumeId, data);
    assert.equal(a.InstanceId, instA);
    assert.equal(a.Device, "/dev/sdf");
    assert.ok(["attaching", "attached"].includes(a.State), a.State);
    await until(`${data} attached`, async () => (await attachState(data)) === "attached");
    assert.equal(ok(["ec2", "describe-volumes", "--volume-ids", data]).Volumes[0].State, "in-use");
    const mapping = ok(["ec2", "describe-instances", "--instance-ids", instA]).Reservations[0].Instances[0].BlockDeviceMappings
      .find((m: any) => m.DeviceName === "/dev/sdf");
    assert.equal(mapping?.Ebs.VolumeId, data);
    await guestSees(instA, `disk ${serial(data)}`, (d) => d.get(serial(data))?.sectors === GiB_SECTORS);
    const m = await consoleLine(instA, new RegExp(`WROTE ${serial(data)} (\\w{8}) md5=(\\w{32})`));
    written = { token: m[1]!, md5: m[2]! };
  });

  test("create-snapshot while attached: pending, then completed, of the volume's size, with its tags", async () => {
    const s = ok([
      "ec2", "create-snapshot", "--volume-id", data, "--description", "data at rest",
      "--tag-specifications", "ResourceType=snapshot,Tags=[{Key=Name,Value=data-snap}]",
    ]);
    snap = s.SnapshotId;
    assert.match(snap, /^snap-[0-9a-f]{17}$/);
    assert.equal(s.VolumeId, data);
    assert.equal(s.VolumeSize, 1);
    await until(`${snap} completed`, async () => (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap] }))).Snapshots![0]!.State === "completed");
    const d = ok(["ec2", "describe-snapshots", "--snapshot-ids", snap]).Snapshots[0];
    assert.equal(d.Progress, "100%");
    assert.equal(d.Description, "data at rest");
    assert.deepEqual(d.Tags, [{ Key: "Name", Value: "data-snap" }]);
    assert.equal(d.OwnerId, hive.accountId);
    const mine = ok(["ec2", "describe-snapshots", "--owner-ids", "self", "--filters", `Name=volume-id,Values=${data}`]).Snapshots;
    assert.deepEqual(mine.map((x: any) => x.SnapshotId), [snap]);
    // The guest goes on using the volume.
    assert.equal(await attachState(data), "attached");
  });

  test("detach-volume: the volume is available again and the disk leaves A's guest", async () => {
    const d = ok(["ec2", "detach-volume", "--volume-id", data]);
    assert.equal(d.State, "detaching");
    await until(`${data} available`, async () => (await volume(data)).State === "available");
    assert.deepEqual(ok(["ec2", "describe-volumes", "--volume-ids", data]).Volumes[0].Attachments, []);
    await guestSees(instA, `disk ${serial(data)} gone`, (d) => !d.has(serial(data)) && d.size === 1);
  });

  test("a volume made of the snapshot, attached to B: B's guest reads what A wrote", async () => {
    const v = ok(["ec2", "create-volume", "--availability-zone", zone, "--snapshot-id", snap, "--volume-type", "gp3"]);
    restored = v.VolumeId;
    assert.equal(v.SnapshotId, snap);
    assert.equal(v.Size, 1);
    assert.equal((await volume(restored)).State, "available");
    ok(["ec2", "attach-volume", "--volume-id", restored, "--instance-id", instB, "--device", "/dev/sdf"]);
    await until(`${restored} attached`, async () => (await attachState(restored)) === "attached");
    await guestSees(instB, `disk ${serial(restored)}`, (d) => d.get(serial(restored))?.sectors === GiB_SECTORS);
    // The marker names the disk it was written on (the original volume) and A's token; the MiB behind it is intact.
    const m = await consoleLine(instB, new RegExp(`READ ${serial(restored)} hive-ebs-e2e (\\S+) (\\w{8}) md5=(\\w{32})`));
    assert.deepEqual([m[1], m[2], m[3]], [serial(data), written.token, written.md5]);
  });

  test("modify-volume --size 2 on the attached volume: the guest sees 2 GiB; the modification completes", async () => {
    const r = ok(["ec2", "modify-volume", "--volume-id", restored, "--size", "2"]).VolumeModification;
    assert.equal(r.VolumeId, restored);
    assert.equal(r.OriginalSize, 1);
    assert.equal(r.TargetSize, 2);
    assert.ok(["modifying", "optimizing", "completed"].includes(r.ModificationState), r.ModificationState);
    const mod = async () => (await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [restored] }))).VolumesModifications![0]!;
    await until("the modification to reach optimizing or completed", async () => ["optimizing", "completed"].includes((await mod()).ModificationState!));
    assert.equal(ok(["ec2", "describe-volumes", "--volume-ids", restored]).Volumes[0].Size, 2);
    await guestSees(instB, `disk ${serial(restored)} at 2 GiB`, (d) => d.get(serial(restored))?.sectors === 2 * GiB_SECTORS);
    await until("the modification to complete", async () => (await mod()).ModificationState === "completed");
    const done = ok(["ec2", "describe-volumes-modifications", "--volume-ids", restored]).VolumesModifications[0];
    assert.deepEqual([done.ModificationState, done.Progress, done.OriginalSize, done.TargetSize], ["completed", 100, 1, 2]);
    const filtered = ok(["ec2", "describe-volumes-modifications", "--filters", "Name=modification-state,Values=completed", "Name=target-size,Values=2"]);
    assert.deepEqual(filtered.VolumesModifications.map((x: any) => x.VolumeId), [restored]);
    // Growth does not touch what was there.
    assert.equal(await attachState(restored), "attached");
  });

  test("modify-volume while a modification runs: IncorrectModificationState", async () => {
    // Two requests at once (through the SDK: two CLI processes would not overlap): the second finds the first one's
    // modification still in progress.
    const results = await withFreshClient((c) =>
      Promise.allSettled([c.send(new ModifyVolumeCommand({ VolumeId: data, Size: 3 })), c.send(new ModifyVolumeCommand({ VolumeId: data, Size: 3 }))]),
    );
    const refused = results.filter((x) => x.status === "rejected").map((x) => (x as PromiseRejectedResult).reason?.name);
    assert.deepEqual(refused, ["IncorrectModificationState"], JSON.stringify(results.map((x) => x.status)));
    await until(`${data}'s modification to complete`, async () =>
      (await ec2.send(new DescribeVolumesModificationsCommand({ VolumeIds: [data] }))).VolumesModifications![0]!.ModificationState === "completed");
    assert.equal((await volume(data)).Size, 3);
  });
});

describe("describe-volumes: filters and pages", () => {
  test("filters by attachment.instance-id, status, volume-type, tag:Name and size", () => {
    const roots = (id: string) => ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId as string;
    assert.deepEqual(volumeIds(`Name=attachment.instance-id,Values=${instB}`), [roots(instB), launched, restored].sort());
    assert.deepEqual(volumeIds(`Name=attachment.instance-id,Values=${instA}`), [roots(instA)]);
    assert.deepEqual(volumeIds("Name=status,Values=available"), [data]);
    assert.deepEqual(volumeIds("Name=tag:Name,Values=data"), [data]);
    assert.deepEqual(volumeIds("Name=size,Values=2"), [restored]);
    assert.deepEqual(volumeIds("Name=size,Values=3", "Name=status,Values=available"), [data]);
    assert.equal(volumeIds("Name=volume-type,Values=gp3").length, 5);
    assert.deepEqual(volumeIds("Name=volume-type,Values=io1"), []);
    assert.deepEqual(volumeIds(`Name=attachment.device,Values=/dev/sdf`, `Name=attachment.instance-id,Values=${instB}`), [restored]);
  });

  test("pages: MaxResults with NextToken, and the CLI's --max-items with --starting-token, cover every volume once", async () => {
    // Two more, so that a page of the smallest size EC2 takes (5) does not hold them all.
    const extra = [1, 2].map(() => ok(["ec2", "create-volume", "--availability-zone", zone, "--size", "1"]).VolumeId as string);
    const all = volumeIds();
    assert.equal(all.length, 7);
    const first = ok(["ec2", "describe-volumes", "--max-results", "5", "--no-paginate"]);
    assert.equal(first.Volumes.length, 5);
    assert.ok(first.NextToken, "a NextToken after a full page");
    const second = ok(["ec2", "describe-volumes", "--max-results", "5", "--next-token", first.NextToken, "--no-paginate"]);
    assert.equal(second.Volumes.length, 2);
    assert.equal(second.NextToken, undefined);
    assert.deepEqual([...first.Volumes, ...second.Volumes].map((v: any) => v.VolumeId).sort(), all);
    // Two at a time through the CLI's own paging, over pages of 5 from hive.
    const seen: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = ok(["ec2", "describe-volumes", "--page-size", "5", "--max-items", "2", ...(token ? ["--starting-token", token] : [])]);
      assert.ok(page.Volumes.length <= 2);
      seen.push(...page.Volumes.map((v: any) => v.VolumeId));
      token = page.NextToken;
      if (!token) break;
    }
    assert.equal(token, undefined);
    assert.deepEqual(seen.sort(), all);
    fails(["ec2", "describe-volumes", "--max-results", "3", "--no-paginate"], "InvalidParameterValue");
    for (const id of extra) ok(["ec2", "delete-volume", "--volume-id", id]);
    for (const id of extra) await deleted(id);
    assert.equal(volumeIds().length, 5);
  });
});

describe("refusals, with EC2's codes", () => {
  test("attached volumes: VolumeInUse to delete or attach again; a taken or bad device name: InvalidParameterValue", () => {
    fails(["ec2", "delete-volume", "--volume-id", restored], "VolumeInUse");
    fails(["ec2", "attach-volume", "--volume-id", restored, "--instance-id", instA, "--device", "/dev/sdg"], "VolumeInUse");
    fails(["ec2", "attach-volume", "--volume-id", data, "--instance-id", instB, "--device", "/dev/sdf"], "InvalidParameterValue");
    fails(["ec2", "attach-volume", "--volume-id", data, "--instance-id", instB, "--device", "/dev/xvdf"], "InvalidParameterValue");
    fails(["ec2", "attach-volume", "--volume-id", data, "--instance-id", instB, "--device", "/dev/vdb"], "InvalidParameterValue");
    fails(["ec2", "attach-volume", "--volume-id", data, "--instance-id", instB, "--device", "sdf"], "InvalidParameterValue");
  });

  test("detach: an available volume, or a running instance's root volume: IncorrectState", () => {
    fails(["ec2", "detach-volume", "--volume-id", data], "IncorrectState");
    const root = ok(["ec2", "describe-instances", "--instance-ids", instA]).Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId;
    fails(["ec2", "detach-volume", "--volume-id", root], "IncorrectState");
  });

  test("sizes and shapes: out of range or shrinking, Iops on gp2, Throughput on io1, no size nor snapshot, io1 without Iops", () => {
    const create = (...args: string[]) => ["ec2", "create-volume", "--availability-zone", zone, ...args];
    fails(create("--size", "0", "--volume-type", "gp3"), "InvalidParameterValue");
    fails(create("--size", "20000", "--volume-type", "gp3"), "InvalidParameterValue");
    fails(create("--size", "10", "--volume-type", "st1"), "InvalidParameterValue");
    fails(["ec2", "modify-volume", "--volume-id", restored, "--size", "1"], "InvalidParameterValue");
    fails(create("--size", "10", "--volume-type", "gp2", "--iops", "3000"), "InvalidParameterCombination");
    fails(create("--size", "10", "--volume-type", "io1", "--iops", "200", "--throughput", "200"), "InvalidParameterCombination");
    fails(create("--volume-type", "gp3"), "MissingParameter");
    fails(create("--size", "10", "--volume-type", "io1"), "MissingParameter");
  });

  test("unknown ids: InvalidVolume.NotFound and InvalidSnapshot.NotFound", () => {
    fails(["ec2", "describe-volumes", "--volume-ids", "vol-0123456789abcdef0"], "InvalidVolume.NotFound");
    fails(["ec2", "delete-volume", "--volume-id", "vol-0123456789abcdef0"], "InvalidVolume.NotFound");
    fails(["ec2", "attach-volume", "--volume-id", "vol-0123456789abcdef0", "--instance-id", instA, "--device", "/dev/sdh"], "InvalidVolume.NotFound");
    fails(["ec2", "describe-snapshots", "--snapshot-ids", "snap-0123456789abcdef0"], "InvalidSnapshot.NotFound");
    fails(["ec2", "delete-snapshot", "--snapshot-id", "snap-0123456789abcdef0"], "InvalidSnapshot.NotFound");
    fails(["ec2", "create-volume", "--availability-zone", zone, "--snapshot-id", "snap-0123456789abcdef0"], "InvalidSnapshot.NotFound");
  });

  test("a ClientToken used again: the same volume for the same call, IdempotentParameterMismatch for another", async () => {
    const args = ["ec2", "create-volume", "--availability-zone", zone, "--size", "1", "--volume-type", "gp3", "--client-token", "e2e-token-1"];
    const one = ok(args).VolumeId;
    assert.equal(ok(args).VolumeId, one);
    fails(["ec2", "create-volume", "--availability-zone", zone, "--size", "2", "--volume-type", "gp3", "--client-token", "e2e-token-1"], "IdempotentParameterMismatch");
    ok(["ec2", "delete-volume", "--volume-id", one]);
    await deleted(one);
    fails(["ec2", "describe-volumes", "--volume-ids", one], "InvalidVolume.NotFound");
  });

  test("a volume larger than the disk can hold: InsufficientVolumeCapacity", () => {
    fails(["ec2", "create-volume", "--availability-zone", zone, "--size", "16000", "--volume-type", "gp3"], "InsufficientVolumeCapacity");
    fails(["ec2", "modify-volume", "--volume-id", data, "--size", "16000"], "InsufficientVolumeCapacity");
  });
});

describe("hive killed right after an attach", () => {
  test("after the restart the volume is attached (or available) and the guest agrees; never left attaching", async () => {
    // Through the SDK, so the kill follows the answer within milliseconds (the CLI's exit takes longer than the plug).
    await withFreshClient((c) => c.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: instA, Device: "/dev/sdg" })));
    await hive.kill9();
    const plugged = hive.output().includes(`volume ${data}: attached to ${instA}`);
    await hive.restart();
    await until(`${data} out of attaching`, async () => (await attachState(data)) !== "attaching", 60_000);
    const v = ok(["ec2", "describe-volumes", "--volume-ids", data]).Volumes[0];
    if (v.State === "in-use") {
      assert.equal(v.Attachments[0].State, "attached");
      assert.equal(v.Attachments[0].InstanceId, instA);
      await guestSees(instA, `disk ${serial(data)} at 3 GiB`, (d) => d.get(serial(data))?.sectors === 3 * GiB_SECTORS);
      // The guest reads back what it wrote before the snapshot: the disk is the same volume.
      await consoleLine(instA, new RegExp(`READ ${serial(data)} hive-ebs-e2e ${serial(data)} ${written.token} md5=${written.md5}`));
    } else {
      assert.equal(v.State, "available");
      assert.deepEqual(v.Attachments, []);
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(!(await guestDisks(instA)).has(serial(data)));
    }
    process.stderr.write(`kill -9 right after attach-volume (plug ${plugged ? "done" : "not done"} before the kill): after the restart ${data} is ${v.State}\n`);
    // Still usable either way: detach (when attached) and it is available.
    if (v.State === "in-use") {
      ok(["ec2", "detach-volume", "--volume-id", data]);
      await until(`${data} available`, async () => (await volume(data)).State === "available");
      await guestSees(instA, `disk ${serial(data)} gone`, (d) => !d.has(serial(data)));
    }
  });
});

describe("the end: termination and deletion", () => {
  test("terminating B deletes its DeleteOnTermination volume and frees the other", async () => {
    ok(["ec2", "terminate-instances", "--instance-ids", instB]);
    await until(`${instB} terminated`, async () => (await stateOf(instB)) === "terminated");
    await until(`${restored} available`, async () => (await volume(restored)).State === "available");
    await until(`${launched} gone`, async () => !(await ec2.send(new DescribeVolumesCommand({}))).Volumes!.some((v) => v.VolumeId === launched));
    fails(["ec2", "describe-volumes", "--volume-ids", launched], "InvalidVolume.NotFound");
  });

  test("AMIs on snapshots: an image's root snapshot and one registered from a snapshot are InvalidSnapshot.InUse until deregistered", () => {
    const rootSnap = ok(["ec2", "describe-images", "--image-ids", ami]).Images[0].BlockDeviceMappings[0].Ebs.SnapshotId as string;
    assert.match(rootSnap, /^snap-[0-9a-f]{17}$/);
    assert.equal(ok(["ec2", "describe-snapshots", "--snapshot-ids", rootSnap]).Snapshots[0].State, "completed");
    fails(["ec2", "delete-snapshot", "--snapshot-id", rootSnap], "InvalidSnapshot.InUse");

    const registered = ok([
      "ec2", "register-image", "--name", "from-data-snapshot", "--root-device-name", "/dev/xvda",
      "--block-device-mappings", `DeviceName=/dev/xvda,Ebs={SnapshotId=${snap}}`,
    ]).ImageId as string;
    const image = ok(["ec2", "describe-images", "--image-ids", registered]).Images[0];
    assert.equal(image.State, "available");
    assert.equal(image.BlockDeviceMappings[0].Ebs.SnapshotId, snap);
    fails(["ec2", "delete-snapshot", "--snapshot-id", snap], "InvalidSnapshot.InUse");
    ok(["ec2", "deregister-image", "--image-id", registered]);
    // The snapshot outlives the image, as on EC2, and takes tags like any resource.
    assert.equal(ok(["ec2", "describe-snapshots", "--snapshot-ids", snap]).Snapshots[0].State, "completed");
    ok(["ec2", "create-tags", "--resources", snap, "--tags", "Key=Role,Value=golden"]);
    const tagged = ok(["ec2", "describe-snapshots", "--owner-ids", "self", "--filters", "Name=tag:Role,Values=golden"]).Snapshots;
    assert.deepEqual(tagged.map((x: { SnapshotId: string }) => x.SnapshotId), [snap]);
  });

  test("delete-snapshot and delete-volume; the volume made of the snapshot still works and goes too", async () => {
    ok(["ec2", "delete-snapshot", "--snapshot-id", snap]);
    fails(["ec2", "describe-snapshots", "--snapshot-ids", snap], "InvalidSnapshot.NotFound");
    fails(["ec2", "delete-snapshot", "--snapshot-id", snap], "InvalidSnapshot.NotFound");
    for (const id of [restored, data]) {
      ok(["ec2", "delete-volume", "--volume-id", id]);
      await deleted(id);
      fails(["ec2", "describe-volumes", "--volume-ids", id], "InvalidVolume.NotFound");
    }
    await until(`${snap}'s file removed`, async () => fs.readdirSync(path.join(hive.dataDir, "snapshots")).filter((f) => f.startsWith(snap)).length === 0);
    assert.equal(fs.readdirSync(path.join(hive.dataDir, "snapshots")).filter((f) => f.startsWith(snap)).length, 0);
  });
});
