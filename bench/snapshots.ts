// EBS snapshot benchmark: CreateSnapshot (detached and attached to a running guest) and CreateVolume from the snapshot,
// for a 1 GiB and a 10 GiB volume full of data, through the compiled appliance; the reference in the same run is
// `qemu-img convert` of the same volume file (what a full point-in-time copy costs on this disk at the least).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DetachVolumeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  } from "@aws-sdk/client-ec2";
import { ec2Client, ROOT, runHive, startHive, type HiveInstance } from "../test/helpers/hive.ts";

/** A fresh client per call: the host-side work between calls outlasts the gateway's keep-alive. */
type Ec2 = { send: ReturnType<typeof ec2Client>["send"] };

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SnapshotFigures {
  sizeGiB: number;
  /** qemu-img convert of the volume's file to a new qcow2: the floor of a full copy. */
  referenceMs: number;
  detached: { callMs: number; completedMs: number };
  attached: { callMs: number; completedMs: number };
  fromSnapshot: { callMs: number; allocatedKiB: number };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 900_000): Promise<T> {
  const t0 = performance.now();
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: timed out`);
    await sleep(50);
  }
}

/** Each timed step starts with the disk's write-back done, so no step pays for the one before. */
const settle = (): void => void execFileSync("sync");

/** CreateSnapshot's call time and call → completed, polled through DescribeSnapshots. */
async function snapshot(ec2: Ec2, volumeId: string): Promise<{ id: string; callMs: number; completedMs: number }> {
  settle();
  const t0 = performance.now();
  const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
  const callMs = performance.now() - t0;
  await until("snapshot completed", async () => {
    const s = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }))).Snapshots?.[0];
    if (s?.State === "error") throw new Error(`snapshot ${SnapshotId} failed: ${s.StateMessage}`);
    return s?.State === "completed" ? true : undefined;
  });
  return { id: SnapshotId!, callMs, completedMs: performance.now() - t0 };
}

async function volumeState(ec2: Ec2, id: string): Promise<{ state?: string; attach?: string }> {
  const v = (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes?.[0];
  return { state: v?.State, attach: v?.Attachments?.[0]?.State };
}

async function one(hive: HiveInstance, ec2: Ec2, az: string, instanceId: string, sizeGiB: number): Promise<SnapshotFigures> {
  const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: sizeGiB, VolumeType: "gp3" }));
  const file = path.join(hive.dataDir, "volumes", `${VolumeId}.qcow2`);
  // Every cluster written: the copy has all of it to move.
  // qemu-io takes at most 2 GiB a request: one write per GiB.
  const writes = Array.from({ length: sizeGiB }, (_, i) => ["-c", `write -P 0x5a ${i}G 1G`]).flat();
  execFileSync("qemu-io", ["-f", "qcow2", ...writes, file], { stdio: "ignore" });
  const scratch = fs.mkdtempSync(path.join(hive.dataDir, "bench-ref-"));
  settle();
  const t0 = performance.now();
  execFileSync("qemu-img", ["convert", "-O", "qcow2", file, path.join(scratch, "ref.qcow2")]);
  // Its write-back is part of its cost, as a snapshot's completion includes its own (the file is renamed when whole).
  settle();
  const referenceMs = performance.now() - t0;
  fs.rmSync(scratch, { recursive: true, force: true });

  const detached = await snapshot(ec2, VolumeId!);
  settle();
  const t1 = performance.now();
  const made = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, SnapshotId: detached.id }));
  const fromCallMs = performance.now() - t1;
  const allocatedKiB = (fs.statSync(path.join(hive.dataDir, "volumes", `${made.VolumeId}.qcow2`)).blocks * 512) / 1024;

  await ec2.send(new AttachVolumeCommand({ VolumeId, InstanceId: instanceId, Device: "/dev/sdf" }));
  await until("attached", async () => ((await volumeState(ec2, VolumeId!)).attach === "attached" ? true : undefined), 120_000);
  const attached = await snapshot(ec2, VolumeId!);
  await ec2.send(new DetachVolumeCommand({ VolumeId }));
  await until("detached", async () => ((await volumeState(ec2, VolumeId!)).state === "available" ? true : undefined), 120_000);

  for (const id of [made.VolumeId!, VolumeId!]) await ec2.send(new DeleteVolumeCommand({ VolumeId: id }));
  for (const id of [detached.id, attached.id]) await ec2.send(new DeleteSnapshotCommand({ SnapshotId: id }));
  return {
    sizeGiB,
    referenceMs,
    detached: { callMs: detached.callMs, completedMs: detached.completedMs },
    attached: { callMs: attached.callMs, completedMs: attached.completedMs },
    fromSnapshot: { callMs: fromCallMs, allocatedKiB },
  };
}

export async function snapshotBench(sizes = [1, 10]): Promise<SnapshotFigures[]> {
  const hive = await startHive(["--cpu-overcommit", "4"]);
  const ec2: Ec2 = { send: ((cmd: never) => ec2Client(hive).send(cmd)) as Ec2["send"] };
  try {
    const r = runHive(["image", "import", GUEST, "--name", "bench-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
    if (r.status !== 0) throw new Error(r.stderr);
    const ami = r.stdout.trim();
    const run = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));
    const instance = run.Instances![0]!;
    const az = instance.Placement!.AvailabilityZone!;
    await until("running", async () => {
      const i = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.InstanceId!] }))).Reservations?.[0]?.Instances?.[0];
      return i?.State?.Name === "running" ? true : undefined;
    }, 120_000);
    const out: SnapshotFigures[] = [];
    for (const size of sizes) {
      out.push(
        await one(hive, ec2, az, instance.InstanceId!, size).catch((err: unknown) => {
          throw new Error(`${String(err)}\nhive's output:\n${hive.output().slice(-4000)}`);
        }),
      );
    }
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance.InstanceId!] }));
    return out;
  } finally {
    await hive.stop();
  }
}

export function formatSnapshots(figures: SnapshotFigures[]): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  return figures.flatMap((f) => [
    `snapshot of a ${f.sizeGiB} GiB volume full of data: detached ${s(f.detached.completedMs)} (call ${f.detached.callMs.toFixed(0)} ms), ` +
      `attached to a running guest ${s(f.attached.completedMs)} (call ${f.attached.callMs.toFixed(0)} ms; the guest is never paused); ` +
      `qemu-img convert of the same file ${s(f.referenceMs)} (${(f.detached.completedMs / f.referenceMs).toFixed(2)}x / ${(f.attached.completedMs / f.referenceMs).toFixed(2)}x)`,
    `  create-volume from that snapshot: ${f.fromSnapshot.callMs.toFixed(0)} ms, ${f.fromSnapshot.allocatedKiB.toFixed(0)} KiB on disk`,
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.env.BENCH_SNAPSHOT_SIZES ?? "1,10").split(",").map(Number);
  const figures = await snapshotBench(sizes);
  console.log(formatSnapshots(figures).join("\n"));
  console.log(JSON.stringify(figures));
}
