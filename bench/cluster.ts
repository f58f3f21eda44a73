// A region of three boxes against a region of one, each box in its own network namespace, the members' leaf links
// through link emulators (test/helpers/cluster.ts): DescribeInstances at the hub's gateway at 0 and 50 ms one-way
// delay (p50, p99), RunInstances' call time with placement over 3 boxes vs 1, an AMI's crossing to a member over a
// capped link vs a plain TCP copy of the same file over an identically capped link, and link restored → converged.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { CreateKeyPairCommand, DescribeInstancesCommand, DescribeKeyPairsCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { connectBus, subjects } from "../src/bus/index.ts";
import { startCluster, type TestCluster } from "../test/helpers/cluster.ts";
import { ROOT, runHive, type HiveInstance } from "../test/helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const RUNS = Number(process.env.BENCH_CLUSTER_RUNS ?? 60);
const CAP_BYTES_PER_SEC = 8 * 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Percentiles {
  p50ms: number;
  p99ms: number;
  runs: number;
}

export interface ClusterFigures {
  describeInstances: Array<{ members: number; oneWayDelayMs: number } & Percentiles>;
  /** The floor under a fan-out to the members: one bare bus request/reply from the hub to each member, over the same links. */
  busRoundTrip: Array<{ oneWayDelayMs: number } & Percentiles>;
  runInstances: Array<{ members: number } & Percentiles>;
  amiTransfer: { fileMiB: number; capMiBps: number; hiveMiBps: number; plainMiBps: number; ratio: number };
  convergeAfterHealMs: number[];
}

const pct = (xs: number[]): Percentiles => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
  return { p50ms: q(0.5), p99ms: q(0.99), runs: s.length };
};

/** An SDK client for box i's gateway, reached from this process over its namespace's veth. */
function client(c: TestCluster, i: number, h: HiveInstance): EC2Client {
  return new EC2Client({
    endpoint: `https://${c.net.nsAddress(i)}:${h.ports.gateway}`,
    region: "us-east-1",
    credentials: { accessKeyId: h.accessKeyId, secretAccessKey: h.secretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: h.ca, keepAlive: true }) }),
    maxAttempts: 1,
  });
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

function importAmi(c: TestCluster, file: string, name: string): string {
  const r = runHive(["image", "import", file, "--name", name, "--data-dir", c.hub.dataDir], { HOME: c.hub.home, HIVE_NETNS: c.net.namespaces[0]! });
  if (r.status !== 0) throw new Error(`image import: ${r.stderr}`);
  return r.stdout.trim();
}

/** RunInstances' call time (rows written, the boot goes on behind it), each instance terminated after. */
async function runInstancesTimes(c: TestCluster, ami: string, n: number): Promise<number[]> {
  const ec2 = client(c, 0, c.hub);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "t3.nano", MinCount: 1, MaxCount: 1 }));
    times.push(performance.now() - t0);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [r.Instances![0]!.InstanceId!] }));
  }
  return times;
}

async function regionBench(members: number, out: ClusterFigures, ami: { file: string }): Promise<TestCluster> {
  const c = await startCluster(members, ["--cpu-overcommit", "16", "--mem-overcommit", "4", "--gateway-host", "0.0.0.0", "--nats-host", "0.0.0.0"]);
  const ec2 = client(c, 0, c.hub);
  const secrets = JSON.parse(fs.readFileSync(path.join(c.hub.dataDir, "secrets.json"), "utf8")) as { nats: { user: string; password: string } };
  const bus = await connectBus({ servers: `nats://${c.net.nsAddress(0)}:${c.hub.ports.nats}`, user: secrets.nats.user, pass: secrets.nats.password, name: "bench" });
  for (const delay of [0, 50]) {
    if (delay > 0 && members === 1) continue;
    for (const l of c.links) await l.shape({ delayMs: delay });
    await sleep(1000);
    await timed(5, () => ec2.send(new DescribeInstancesCommand({})));
    out.describeInstances.push({ members, oneWayDelayMs: delay, ...pct(await timed(RUNS, () => ec2.send(new DescribeInstancesCommand({})))) });
    if (members > 1) {
      // Both members asked at once, as a fan-out does: the answer is the slower of the two.
      const ask = () => Promise.all(c.members.map((_, i) => bus.request(subjects.nodeStatus(`m${i + 1}`), { requestId: "bench", input: {} }, 10_000)));
      out.busRoundTrip.push({ oneWayDelayMs: delay, ...pct(await timed(RUNS, ask)) });
    }
  }
  await bus.close();
  for (const l of c.links) await l.shape({});
  const id = importAmi(c, ami.file, `bench-${members}`);
  out.runInstances.push({ members, ...pct(await runInstancesTimes(c, id, 8)) });
  return c;
}

/** The AMI's file crossing to member 2 over a capped link, against a plain TCP copy over an identically capped link. */
async function transferBench(c: TestCluster, file: string, out: ClusterFigures): Promise<void> {
  const bytes = fs.statSync(file).size;
  await c.links[1]!.shape({ rateBytesPerSec: CAP_BYTES_PER_SEC });
  const ami = importAmi(c, file, "bench-transfer");
  await sleep(1500);
  const ec2 = client(c, 2, c.members[1]!);
  await ec2.send(new RunInstancesCommand({ ImageId: ami, InstanceType: "t3.nano", MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: "us-east-1c" } }));
  let line = "";
  for (let i = 0; i < 600 && !line; i++) {
    line = c.members[1]!.output().split("\n").find((l) => l.includes(`image ${ami}: fetched`)) ?? "";
    await sleep(200);
  }
  const m = /in ([\d.]+) s/.exec(line);
  if (!m) throw new Error(`no transfer line for ${ami}: ${c.members[1]!.output().slice(-1500)}`);
  const hiveMiBps = bytes / 1024 ** 2 / Number(m[1]);
  await c.links[1]!.shape({});

  // The reference: the same bytes through an identically capped link, by a plain TCP sender and reader.
  const port = 47000 + Math.floor(Math.random() * 1000);
  const server = c.net.spawn(0, process.execPath, ["-e", `require("net").createServer((s) => require("fs").createReadStream(${JSON.stringify(file)}).pipe(s)).listen(${port}, "0.0.0.0")`], { stdio: "ignore" });
  await sleep(500);
  const link = await c.linkHost.start({ listenHost: c.net.hostAddress(2), targetHost: c.net.nsAddress(0), targetPort: port });
  await link.shape({ rateBytesPerSec: CAP_BYTES_PER_SEC });
  const reader = await c.net.exec(2, [process.execPath, "-e",
    `const t0=Date.now();let n=0;require("net").connect(${link.port},${JSON.stringify(link.host)}).on("data",(d)=>n+=d.length).on("end",()=>{console.log(n, Date.now()-t0)})`], { timeoutMs: 300_000 });
  server.kill();
  await link.close();
  const [got, ms] = reader.stdout.trim().split(" ").map(Number);
  if (got !== bytes) throw new Error(`plain copy moved ${got} of ${bytes} bytes: ${reader.stderr}`);
  const plainMiBps = bytes / 1024 ** 2 / (ms! / 1000);
  out.amiTransfer = { fileMiB: bytes / 1024 ** 2, capMiBps: CAP_BYTES_PER_SEC / 1024 ** 2, hiveMiBps, plainMiBps, ratio: hiveMiBps / plainMiBps };
}

/** Member 2 cut off (veth down), a key pair made at the hub, the link restored: how long until member 2 lists it. */
async function convergeBench(c: TestCluster, out: ClusterFigures): Promise<void> {
  const hub = client(c, 0, c.hub);
  for (let round = 0; round < 3; round++) {
    await c.net.linkDown(2);
    await sleep(8000);
    const name = `converge-${round}`;
    await hub.send(new CreateKeyPairCommand({ KeyName: name }));
    await c.net.linkUp(2);
    const t0 = performance.now();
    for (;;) {
      const member = client(c, 2, c.members[1]!);
      const keys = await member.send(new DescribeKeyPairsCommand({})).catch(() => ({ KeyPairs: [] }));
      if (keys.KeyPairs?.some((k) => k.KeyName === name)) break;
      if (performance.now() - t0 > 120_000) throw new Error("no convergence within 120 s");
      await sleep(100);
    }
    out.convergeAfterHealMs.push(performance.now() - t0);
  }
}

export async function clusterBench(): Promise<ClusterFigures | { skipped: string }> {
  if (process.getuid?.() !== 0) return { skipped: "needs root (network namespaces)" };
  const out: ClusterFigures = { describeInstances: [], busRoundTrip: [], runInstances: [], amiTransfer: { fileMiB: 0, capMiBps: 0, hiveMiBps: 0, plainMiBps: 0, ratio: 0 }, convergeAfterHealMs: [] };
  // A 64 MiB AMI of random data: what crosses the link is the file, not its compressibility.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bench-cluster-"));
  const big = path.join(dir, "random.raw");
  execFileSync("dd", ["if=/dev/urandom", `of=${big}`, "bs=1M", "count=64", "status=none"]);
  try {
    const one = await regionBench(1, out, { file: GUEST });
    await one.stop();
    const three = await regionBench(3, out, { file: GUEST });
    try {
      await transferBench(three, big, out);
      await convergeBench(three, out);
    } finally {
      await three.stop();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export function formatCluster(f: ClusterFigures | { skipped: string }): string[] {
  if ("skipped" in f) return [`cluster: skipped: ${f.skipped}`];
  const d = (m: number, delay: number) => f.describeInstances.find((x) => x.members === m && x.oneWayDelayMs === delay);
  const lines = ["cluster (each box in its own namespace, leaf links through link emulators):"];
  for (const delay of [0, 50]) {
    const one = d(1, 0)!;
    const three = d(3, delay);
    const bus = f.busRoundTrip.find((x) => x.oneWayDelayMs === delay);
    if (three) {
      lines.push(
        `  DescribeInstances at the hub, ${delay} ms one-way: 3 members p50 ${three.p50ms.toFixed(1)} ms, p99 ${three.p99ms.toFixed(1)} ms; 1 member (0 ms) p50 ${one.p50ms.toFixed(1)} ms, p99 ${one.p99ms.toFixed(1)} ms` +
          (bus ? `; bare bus request to both members p50 ${bus.p50ms.toFixed(1)} ms, p99 ${bus.p99ms.toFixed(1)} ms` : ""),
      );
    }
  }
  const r1 = f.runInstances.find((x) => x.members === 1)!;
  const r3 = f.runInstances.find((x) => x.members === 3)!;
  lines.push(`  RunInstances (placement + rows): 3 members p50 ${r3.p50ms.toFixed(1)} ms, p99 ${r3.p99ms.toFixed(1)} ms; 1 member p50 ${r1.p50ms.toFixed(1)} ms, p99 ${r1.p99ms.toFixed(1)} ms`);
  const t = f.amiTransfer;
  lines.push(`  AMI of ${t.fileMiB.toFixed(0)} MiB to a member over a ${t.capMiBps} MiB/s link: ${t.hiveMiBps.toFixed(2)} MiB/s; plain TCP copy over the same cap ${t.plainMiBps.toFixed(2)} MiB/s (${t.ratio.toFixed(2)}x)`);
  lines.push(`  link restored → member converged (a key pair made while it was cut off): ${f.convergeAfterHealMs.map((x) => `${(x / 1000).toFixed(2)} s`).join(", ")}`);
  return lines;
}
