// VM benchmarks: launch latency against bare QEMU booting the same image (the floor), in QEMU user mode and (as root)
// in VPC mode next to it, ten concurrent RunInstances on one node, and how DescribeInstances grows with 100, 1,000 and
// 10,000 instance records.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { NodeHttpHandler } from "@smithy/node-http-handler";
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
async function hiveBoot(hive: HiveInstance, ami: string, client: EC2Client = ec2Client(hive)): Promise<number> {
  const t0 = performance.now();
  const out = await client.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 }));
  const id = out.Instances![0]!.InstanceId!;
  const t = await waitForFile(path.join(hive.dataDir, "instances", id, "console.log"), MARKER, 120_000);
  await terminate(hive, [id], client);
  return t - t0;
}

async function terminate(hive: HiveInstance, ids: string[], client: EC2Client = ec2Client(hive)): Promise<void> {
  const { TerminateInstancesCommand, waitUntilInstanceTerminated } = await import("@aws-sdk/client-ec2");
  await client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  // Polled every second or two rather than the waiter's default 15 s: the next launch waits on it.
  await waitUntilInstanceTerminated({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 2 }, { InstanceIds: ids });
}

function importGuest(hive: HiveInstance): string {
  const env: Record<string, string> = { HOME: hive.home };
  if (hive.env.HIVE_NETNS) env.HIVE_NETNS = hive.env.HIVE_NETNS;
  const r = runHive(["image", "import", GUEST, "--name", "bench-guest", "--data-dir", hive.dataDir], env);
  if (r.status !== 0) throw new Error(`image import failed: ${r.stderr}`);
  return r.stdout.trim();
}

interface VpcHive {
  hive: HiveInstance;
  /** An EC2 client in this process reaching the gateway inside the namespace, through a Unix socket. */
  client: EC2Client;
  stop: () => Promise<void>;
}

/**
 * `hive up --network vpc` inside a network namespace of the benchmark's own (so the host's network is never touched;
 * hive's VPC routers are namespaces of their own, as on a real box). The gateway listens on the namespace's loopback;
 * a relay started in the namespace serves it on a Unix socket (file system paths cross network namespaces), and this
 * process's EC2 client connects through that socket, so user and VPC launches are timed side by side here.
 */
async function startVpcHive(): Promise<VpcHive> {
  const ns = `hive-bl-${randomBytes(3).toString("hex")}`;
  execFileSync("ip", ["netns", "add", ns]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bench-vpc-"));
  let hive: HiveInstance | undefined;
  let relay: ChildProcess | undefined;
  const stop = async () => {
    relay?.kill("SIGTERM");
    await hive?.stop();
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // already gone
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    execFileSync("ip", ["-n", ns, "link", "set", "lo", "up"]);
    hive = await startHive(["--network", "vpc"], { netns: ns });
    const sock = path.join(dir, "gateway.sock");
    const code =
      `const net=require("node:net");net.createServer((c)=>{const u=net.connect(${hive.ports.gateway},"127.0.0.1");` +
      `c.pipe(u).pipe(c);c.on("error",()=>u.destroy());u.on("error",()=>c.destroy());}).listen(${JSON.stringify(sock)},()=>console.log("relay ready"));`;
    relay = spawn("nsenter", [`--net=/run/netns/${ns}`, "--", process.execPath, "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("gateway relay not ready within 10 s")), 10_000);
      relay!.stdout!.on("data", (d: Buffer) => {
        if (d.toString().includes("relay ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
      relay!.once("exit", (c) => reject(new Error(`gateway relay exited with ${c}`)));
    });
    const agent = new https.Agent({ ca: hive.ca, keepAlive: true });
    // The TLS session is the gateway's own (servername localhost); only the transport underneath is the socket.
    (agent as unknown as { createConnection: (o: tls.ConnectionOptions) => tls.TLSSocket }).createConnection = (o) => tls.connect({ ...o, path: sock });
    const client = new EC2Client({
      endpoint: hive.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: hive.accessKeyId, secretAccessKey: hive.secretAccessKey },
      requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
      maxAttempts: 1,
    });
    return { hive, client, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface LaunchFigures {
  accel: string;
  bareQemuMs: number[];
  /** QEMU user-mode networking (`--network user`): the reference, and what earlier runs measured. */
  hiveMs: number[];
  overheadPct: number;
  /** The same launches with `--network vpc` (root), round by round next to the user-mode ones. */
  /** vsUserPct: median against median; pairedVsUserPct: the median of each round's VPC launch against that round's user one. */
  vpc?: { hiveMs: number[]; overheadPct: number; vsUserPct: number; pairedVsUserPct: number } | { skipped: string };
}

/** Each round: bare QEMU, hive in user mode, hive in VPC mode (root only; `vpc: false` leaves it out). */
export async function launchLatency(rounds = 3, opts: { vpc?: boolean } = {}): Promise<LaunchFigures> {
  const hive = await startHive();
  let vpc: VpcHive | undefined;
  let vpcSkipped = "";
  if (opts.vpc === false) vpcSkipped = "left out (--no-vpc)";
  else if (process.getuid?.() !== 0) vpcSkipped = "needs root (network namespaces, nftables)";
  try {
    const kvm = /KVM is available/.test(hive.output());
    const ami = importGuest(hive);
    if (!vpcSkipped) vpc = await startVpcHive();
    const vpcAmi = vpc ? importGuest(vpc.hive) : "";
    const bare: number[] = [];
    const viaHive: number[] = [];
    const viaVpc: number[] = [];
    for (let i = 0; i < rounds; i++) {
      bare.push(await bareQemuBoot(kvm));
      // Alternate which mode goes first, so neither always follows the bare boot.
      const user = async () => viaHive.push(await hiveBoot(hive, ami));
      const inVpc = async () => {
        if (vpc) viaVpc.push(await hiveBoot(vpc.hive, vpcAmi, vpc.client));
      };
      if (i % 2 === 0) {
        await user();
        await inVpc();
      } else {
        await inVpc();
        await user();
      }
    }
    const pct = (a: number[], b: number[]) => (100 * (median(a) - median(b))) / median(b);
    return {
      accel: kvm ? "kvm" : "tcg",
      bareQemuMs: bare,
      hiveMs: viaHive,
      overheadPct: pct(viaHive, bare),
      vpc: vpc
        ? { hiveMs: viaVpc, overheadPct: pct(viaVpc, bare), vsUserPct: pct(viaVpc, viaHive), pairedVsUserPct: 100 * (median(viaVpc.map((v, i) => v / viaHive[i]!)) - 1) }
        : { skipped: vpcSkipped },
    };
  } finally {
    await vpc?.stop();
    await hive.stop();
  }
}

export interface ConcurrencyFigures {
  requested: number;
  capacity: number;
  launched: number;
  /** Guests that printed their marker within 5 minutes. */
  booted: number;
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
    // A guest that never boots is a finding to print, not a reason to lose the other figures.
    const boots = await Promise.allSettled(ids.map((id) => waitForFile(path.join(hive.dataDir, "instances", id, "console.log"), MARKER, 300_000)));
    const booted = boots.filter((b) => b.status === "fulfilled").length;
    const allBooted = performance.now() - t0;
    await terminate(hive, ids);
    return { requested, capacity, launched: ids.length, booted, refused: refusedCodes.length, refusedCodes: [...new Set(refusedCodes)], allRunningMs: allRunning, allBootedMs: allBooted, maxVcpusHeld: maxVcpus, vcpuCapacity: capacity * 2 };
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

const sshArgs = (key: string, port: number, cmd: string): string[] => [
  "-i", key, "-p", String(port), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
  "-o", "ConnectTimeout=2", "-o", "LogLevel=ERROR", "ec2-user@127.0.0.1", cmd,
];

/** Polls until `ssh … true` succeeds; returns the moment it did. */
async function waitForSsh(key: string, port: number, timeoutMs: number): Promise<number> {
  const { spawnSync } = await import("node:child_process");
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (spawnSync("ssh", sshArgs(key, port, "true"), { stdio: "ignore", timeout: 5_000 }).status === 0) return performance.now();
    await sleep(100);
  }
  throw new Error(`no SSH login on port ${port} within ${timeoutMs} ms`);
}

async function freeLocalPort(): Promise<number> {
  const { freePort } = await import("../test/helpers/hive.ts");
  return freePort();
}

/** The floor: bare QEMU with the same image, a NoCloud seed carrying the key, and an SSH port forward. */
async function bareQemuSsh(key: string, publicKey: string, kvm: boolean): Promise<number> {
  const { execFileSync } = await import("node:child_process");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bench-ssh-"));
  const seed = path.join(dir, "seed");
  fs.mkdirSync(seed);
  fs.writeFileSync(path.join(seed, "meta-data"), "instance-id: i-0000000000bench01\nlocal-hostname: bench\n");
  fs.writeFileSync(path.join(seed, "user-data"), `#cloud-config\nssh_authorized_keys:\n  - ${publicKey}\n`);
  fs.writeFileSync(path.join(seed, "network-config"), "version: 2\nethernets:\n  nic0:\n    match:\n      name: \"e*\"\n    dhcp4: true\n");
  execFileSync("genisoimage", ["-quiet", "-output", path.join(dir, "seed.iso"), "-volid", "cidata", "-joliet", "-rock", seed]);
  const port = await freeLocalPort();
  const t0 = performance.now();
  const qemu = spawn("qemu-system-x86_64", [
    "-M", "q35", ...(kvm ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg", "-cpu", "max"]),
    "-smp", "2", "-m", "1024", "-display", "none", "-nodefaults", "-no-user-config", "-serial", `file:${path.join(dir, "console.log")}`,
    "-drive", `file=${GUEST},if=virtio,format=raw,snapshot=on`,
    "-netdev", `user,id=net0,hostfwd=tcp:127.0.0.1:${port}-:22`, "-device", "virtio-net-pci,netdev=net0", "-device", "virtio-rng-pci",
    "-device", "virtio-scsi-pci,id=scsi0", "-drive", `if=none,id=seed,file=${path.join(dir, "seed.iso")},format=raw,media=cdrom,readonly=on`,
    "-device", "scsi-cd,drive=seed,bus=scsi0.0",
  ], { stdio: "ignore" });
  try {
    return (await waitForSsh(key, port, 180_000)) - t0;
  } finally {
    qemu.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface SshLaunchFigures {
  accel: string;
  bareQemuMs: number[];
  hiveMs: number[];
  imds: { requests: number; guestSeconds: number; rps: number; loopbackRps: number };
}

/** RunInstances → first SSH login (the launch time a user sees), against bare QEMU; then IMDS requests/s in the guest. */
export async function sshLaunch(rounds = 3): Promise<SshLaunchFigures> {
  const { execFileSync, spawnSync } = await import("node:child_process");
  const { CreateKeyPairCommand, DescribeInstancesCommand: Describe } = await import("@aws-sdk/client-ec2");
  const hive = await startHive();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bench-key-"));
  try {
    const kvm = /KVM is available/.test(hive.output());
    const ami = importGuest(hive);
    const client = ec2Client(hive);
    const key = path.join(dir, "key.pem");
    const created = await client.send(new CreateKeyPairCommand({ KeyName: "bench", KeyType: "ed25519" }));
    fs.writeFileSync(key, created.KeyMaterial!.endsWith("\n") ? created.KeyMaterial! : `${created.KeyMaterial}\n`, { mode: 0o600 });
    const publicKey = execFileSync("ssh-keygen", ["-y", "-f", key], { encoding: "utf8" }).trim();
    const bare: number[] = [];
    const viaHive: number[] = [];
    let lastId = "";
    for (let i = 0; i < rounds; i++) {
      bare.push(await bareQemuSsh(key, publicKey, kvm));
      const t0 = performance.now();
      const out = await client.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, KeyName: "bench" }));
      const id = out.Instances![0]!.InstanceId!;
      let port = 0;
      while (!port && performance.now() - t0 < 60_000) {
        const d = await client.send(new Describe({ InstanceIds: [id] }));
        port = Number(d.Reservations?.[0]?.Instances?.[0]?.Tags?.find((t) => t.Key === "hive:ssh-port")?.Value ?? 0);
        if (!port) await sleep(50);
      }
      viaHive.push((await waitForSsh(key, port, 180_000)) - t0);
      if (i < rounds - 1) await terminate(hive, [id]);
      else lastId = id;
    }
    // IMDS from inside the last guest: N sequential GETs with a token, timed by the guest's own clock, against the
    // same loop on a trivial HTTP server on the guest's loopback (busybox httpd): the client's own cost under emulation.
    const d = await client.send(new Describe({ InstanceIds: [lastId] }));
    const port = Number(d.Reservations![0]!.Instances![0]!.Tags!.find((t) => t.Key === "hive:ssh-port")!.Value);
    const n = 100;
    const loop = (host: string, p: number, header: string) =>
      `s=$(cut -d' ' -f1 /proc/uptime); i=0; while [ $i -lt ${n} ]; do printf 'GET /latest/meta-data/instance-id HTTP/1.0\\r\\n${header}\\r\\n' | nc ${host} ${p} >/dev/null; i=$((i+1)); done; e=$(cut -d' ' -f1 /proc/uptime); echo "$s $e"`;
    const tokenCmd = `printf 'PUT /latest/api/token HTTP/1.0\\r\\nX-aws-ec2-metadata-token-ttl-seconds: 300\\r\\n\\r\\n' | nc 169.254.169.254 80 | tail -n 1`;
    const token = spawnSync("ssh", sshArgs(key, port, tokenCmd), { encoding: "utf8" }).stdout.trim();
    const timed = (cmd: string): number => {
      const [s, e] = spawnSync("ssh", sshArgs(key, port, cmd), { encoding: "utf8", timeout: 300_000 }).stdout.trim().split(" ").map(Number);
      return (e ?? NaN) - (s ?? NaN);
    };
    const imdsSeconds = timed(loop("169.254.169.254", 80, `X-aws-ec2-metadata-token: ${token}\\r\\n`));
    const setup = "mkdir -p /tmp/www/latest/meta-data && echo x > /tmp/www/latest/meta-data/instance-id && (busybox httpd -p 127.0.0.1:8080 -h /tmp/www || httpd -p 127.0.0.1:8080 -h /tmp/www)";
    spawnSync("ssh", sshArgs(key, port, setup), { encoding: "utf8" });
    const loopSeconds = timed(loop("127.0.0.1", 8080, ""));
    await terminate(hive, [lastId]);
    return {
      accel: kvm ? "kvm" : "tcg",
      bareQemuMs: bare,
      hiveMs: viaHive,
      imds: { requests: n, guestSeconds: imdsSeconds, rps: n / imdsSeconds, loopbackRps: n / loopSeconds },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await hive.stop();
  }
}
