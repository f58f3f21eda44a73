// VM benchmarks: launch latency against bare QEMU booting the same image (the floor), ten concurrent RunInstances
// on one node, and how DescribeInstances grows with 100, 1,000 and 10,000 instance records.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DescribeInstancesCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { openStore, type InstanceRecord } from "../src/store/index.ts";
import { ec2Client, ROOT, runHive, startHive, type HiveInstance } from "../test/helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const MARKER = "HIVE-GUEST-READY";
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitForFile(file: string, text: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    try {
      if (fs.readFileSync(file, "utf8").includes(text)) return performance.now();
    } catch {
      // not written yet
    }
    await sleep(20);
  }
  throw new Error(`${text} did not appear in ${file} within ${timeoutMs} ms`);
}

/** The floor: qemu-system-x86_64 boots the image straight from a local file, same machine type, CPU count and memory. */
async function bareQemuBoot(kvm: boolean): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bench-qemu-"));
  const log = path.join(dir, "console.log");
  const t0 = performance.now();
  const qemu = spawn("qemu-system-x86_64", [
    "-M", "q35", ...(kvm ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg", "-cpu", "max"]),
    "-smp", "2", "-m", "1024", "-display", "none", "-nodefaults", "-no-user-config",
    "-serial", `file:${log}`,
    "-drive", `file=${GUEST},if=virtio,format=raw,snapshot=on`,
    "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0", "-device", "virtio-rng-pci",
  ], { stdio: "ignore" });
  try {
    return (await waitForFile(log, MARKER, 120_000)) - t0;
  } finally {
    qemu.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** RunInstances call → the marker in the guest's console log. */
async function hiveBoot(hive: HiveInstance, ami: string): Promise<number> {
  const client = ec2Client(hive);
  const t0 = performance.now();
  const out = await client.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));
  const id = out.Instances![0]!.InstanceId!;
  const t = await waitForFile(path.join(hive.dataDir, "instances", id, "console.log"), MARKER, 120_000);
  await terminate(hive, [id]);
  return t - t0;
}

async function terminate(hive: HiveInstance, ids: string[]): Promise<void> {
  const { TerminateInstancesCommand, waitUntilInstanceTerminated } = await import("@aws-sdk/client-ec2");
  const client = ec2Client(hive);
  await client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  await waitUntilInstanceTerminated({ client, maxWaitTime: 120 }, { InstanceIds: ids });
}

function importGuest(hive: HiveInstance): string {
  const r = runHive(["image", "import", GUEST, "--name", "bench-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
  if (r.status !== 0) throw new Error(`image import failed: ${r.stderr}`);
  return r.stdout.trim();
}

export interface LaunchFigures {
  accel: string;
  bareQemuMs: number[];
  hiveMs: number[];
  overheadPct: number;
}

export async function launchLatency(rounds = 3): Promise<LaunchFigures> {
  const hive = await startHive();
  try {
    const kvm = /KVM is available/.test(hive.output());
    const ami = importGuest(hive);
    const bare: number[] = [];
    const viaHive: number[] = [];
    for (let i = 0; i < rounds; i++) {
      bare.push(await bareQemuBoot(kvm));
      viaHive.push(await hiveBoot(hive, ami));
    }
    return { accel: kvm ? "kvm" : "tcg", bareQemuMs: bare, hiveMs: viaHive, overheadPct: (100 * (median(viaHive) - median(bare))) / median(bare) };
  } finally {
    await hive.stop();
  }
}

export interface ConcurrencyFigures {
  requested: number;
  capacity: number;
  launched: number;
  refused: number;
  refusedCodes: string[];
  allRunningMs: number;
  allBootedMs: number;
  maxVcpusHeld: number;
  vcpuCapacity: number;
}

/** Twelve RunInstances at once against room for ten: exactly ten launch, all ten boot, two are refused. */
export async function concurrentLaunch(capacity = 10, requested = 12): Promise<ConcurrencyFigures> {
  const cpus = os.availableParallelism();
  const ratio = (capacity * 2) / cpus; // t3.micro holds 2 vCPUs
  const hive = await startHive(["--cpu-overcommit", String(ratio)]);
  try {
    const ami = importGuest(hive);
    const client = ec2Client(hive);
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: requested }, () => client.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }))),
    );
    const ids = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.Instances![0]!.InstanceId!] : []));
    const refusedCodes = results.flatMap((r) => (r.status === "rejected" ? [String((r.reason as Error).name)] : []));
    let allRunning = 0;
    let maxVcpus = 0;
    while (performance.now() - t0 < 300_000) {
      const out = await client.send(new DescribeInstancesCommand({ InstanceIds: ids }));
      const insts = out.Reservations!.flatMap((r) => r.Instances!);
      maxVcpus = Math.max(maxVcpus, insts.filter((i) => ["pending", "running"].includes(i.State!.Name!)).length * 2);
      if (insts.every((i) => i.State!.Name === "running")) {
        allRunning = performance.now() - t0;
        break;
      }
      await sleep(100);
    }
    await Promise.all(ids.map((id) => waitForFile(path.join(hive.dataDir, "instances", id, "console.log"), MARKER, 300_000)));
    const allBooted = performance.now() - t0;
    await terminate(hive, ids);
    return { requested, capacity, launched: ids.length, refused: refusedCodes.length, refusedCodes: [...new Set(refusedCodes)], allRunningMs: allRunning, allBootedMs: allBooted, maxVcpusHeld: maxVcpus, vcpuCapacity: capacity * 2 };
  } finally {
    await hive.stop();
  }
}

export interface DescribeFigures {
  records: number;
  p50ms: number;
  p99ms: number;
  perRecordUs: number;
}

function seedRecord(i: number, node: string, az: string, ownerId: string): InstanceRecord {
  const hex = i.toString(16).padStart(17, "0");
  const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    id: `i-${hex}`, reservationId: `r-${hex}`, ownerId, imageId: "ami-00000000000000000", instanceType: "t3.micro", state: "stopped",
    stateReasonCode: "Client.UserInitiatedShutdown", stateReasonMessage: "Client.UserInitiatedShutdown: User initiated shutdown",
    launchTime: t, az, node, vcpus: 2, memoryMiB: 1024, shutdownBehavior: "stop", disableApiTermination: false,
    rootDeviceName: "/dev/xvda", amiLaunchIndex: 0, updatedAt: t,
  };
}

/** DescribeInstances over the whole path with 100, 1,000 and 10,000 instance records on the node. */
export async function describeScaling(sizes = [100, 1000, 10_000], samples = 15): Promise<DescribeFigures[]> {
  const hive = await startHive();
  const config = JSON.parse(fs.readFileSync(path.join(hive.dataDir, "config.json"), "utf8"));
  const store = await openStore(path.join(hive.dataDir, "hive.db"));
  const client = ec2Client(hive);
  const out: DescribeFigures[] = [];
  try {
    let have = 0;
    for (const n of sizes) {
      const batch = Array.from({ length: n - have }, (_, k) => seedRecord(have + k, config.node, config.az, config.accountId));
      store.instances.insertLaunch({ instances: batch, volumes: [], tags: batch.map((r) => ({ resourceId: r.id, resourceType: "instance", key: "Name", value: `seed-${r.id}` })) });
      have = n;
      const times: number[] = [];
      for (let s = 0; s < samples; s++) {
        const t0 = performance.now();
        const res = await client.send(new DescribeInstancesCommand({}));
        times.push(performance.now() - t0);
        const count = res.Reservations!.reduce((a, r) => a + r.Instances!.length, 0);
        if (count !== n) throw new Error(`DescribeInstances answered ${count} instances, expected ${n}`);
      }
      times.sort((a, b) => a - b);
      const p50 = median(times);
      out.push({ records: n, p50ms: p50, p99ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!, perRecordUs: (p50 * 1000) / n });
    }
    return out;
  } finally {
    store.close();
    await hive.stop();
  }
}
