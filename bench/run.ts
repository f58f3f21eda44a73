// `npm run bench`: Hive's gateway path side by side with moto_server (the mock EC2) and a bare Hono "hello" (the ceiling),
// plus `hive up` time to ready and the idle appliance's memory, the VM figures (launch in user and, as root, VPC mode)
// disk I/O inside a guest, Hive's NBD path against QEMU opening the qcow2 directly (bench/disk-io.ts), EBS snapshots
// of 1 and 10 GiB volumes against qemu-img convert of the same file (bench/snapshots.ts),
// and, as root, the VPC data plane (bench/vpc-dataplane.bench.ts) and a region of three boxes against one (bench/cluster.ts).
// Prints a table and writes bench/results.json.
// Flags: --no-listings, --no-vm, --no-vpc (leave parts out); --only <sections> (comma-separated, of
// api,up,listings,launch,concurrency,describe,ssh,disk,snapshots,vpc,cluster) runs just those and merges their figures into bench/results.json.
// BENCH_LAUNCH_ROUNDS (default 5) sets the launch rounds (each: bare QEMU, user mode, VPC mode).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, HIVE_BIN, rawRequest, ROOT, startHive } from "../test/helpers/hive.ts";
import { signedForm, signedJson } from "../test/helpers/sign.ts";
import { describeInstancesBench, formatDescribeInstances, type DescribeInstancesFigures } from "./describe-instances.ts";
import { formatStages, type StageFigures } from "./describe-stages.ts";
import { diskIoBench, formatDiskIo, type DiskIoFigures } from "./disk-io.ts";
import { formatSnapshots, snapshotBench, type SnapshotFigures } from "./snapshots.ts";
import { clusterBench, formatCluster } from "./cluster.ts";
import { runLoad, type LoadResult } from "./load.ts";
import { concurrentLaunch, describeScaling, launchLatency, sshLaunch, type LaunchFigures } from "./vm-bench.ts";
import type { VpcDataplaneFigures } from "./vpc-dataplane.bench.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const CALLS: Record<string, string> = {
  DescribeRegions: "Action=DescribeRegions&Version=2016-11-15",
  DescribeInstanceTypes: "Action=DescribeInstanceTypes&Version=2016-11-15&Filter.1.Name=instance-type&Filter.1.Value.1=t3.micro",
};
/** The JSON protocol's path (SSM), with the parameter it reads put first on each side. */
const SSM_PARAMETER = { Name: "/bench/db/host", Value: "db1.internal", Type: "String" };
const SSM_CALLS: Record<string, { target: string; body: string }> = {
  "ssm GetParameter": { target: "AmazonSSM.GetParameter", body: JSON.stringify({ Name: SSM_PARAMETER.Name }) },
};

const rssMiB = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function waitFor(proc: ChildProcess, text: string, ms: number): Promise<void> {
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), ms);
    const on = (d: Buffer) => {
      out += d.toString();
      if (out.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on("data", on);
    proc.stderr?.on("data", on);
  });
}

async function startMoto(): Promise<{ url: string; proc: ChildProcess } | undefined> {
  if (spawnSync("sh", ["-c", "command -v moto_server"]).status !== 0) return undefined;
  const port = await freePort();
  const proc = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  await waitFor(proc, "Running on", 30_000);
  return { url: `http://127.0.0.1:${port}/`, proc };
}

interface UpFigures {
  coldMs: number;
  warmMs: number;
  /** RSS of a warm-started, idle appliance (the state an edge box sits in), before and after a burst of requests. */
  idle: { hiveRssMiB: number; hiveAnonMiB: number; natsServerRssMiB: number; hiveRssAfterLoadMiB: number };
}

const anonMiB = (pid: number): number => {
  const m = /RssAnon:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
};

async function measureUp(): Promise<UpFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bench-up-"));
  const start = async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const t0 = performance.now();
    const proc = spawn(HIVE_BIN, ["up", "--data-dir", dir, "--no-aws-profile", "--gateway-port", String(ports[0]), "--nats-port", String(ports[1]), "--leaf-port", String(ports[2]), "--monitor-port", String(ports[3])], { stdio: ["ignore", "pipe", "pipe"] });
    await waitFor(proc, "hive ready:", 30_000);
    return { proc, ms: performance.now() - t0, port: ports[0] };
  };
  const stop = async (proc: ChildProcess) => {
    proc.kill("SIGTERM");
    await new Promise((r) => proc.once("exit", r));
  };
  const cold = await start(); // includes `hive init`: CA, certificate, credentials, unpacking nats-server
  await stop(cold.proc);
  const warm: number[] = [];
  for (let i = 0; i < 3; i++) {
    const w = await start();
    warm.push(w.ms);
    await stop(w.proc);
  }
  const w = await start();
  await new Promise((r) => setTimeout(r, 2000));
  const natsPid = Number(fs.readFileSync(path.join(dir, "nats", "nats-server.pid"), "utf8"));
  const idle = { hiveRssMiB: rssMiB(w.proc.pid!), hiveAnonMiB: anonMiB(w.proc.pid!), natsServerRssMiB: rssMiB(natsPid), hiveRssAfterLoadMiB: NaN };
  const secrets = JSON.parse(fs.readFileSync(path.join(dir, "secrets.json"), "utf8"));
  const endpoint = `https://localhost:${w.port}`;
  const body = CALLS.DescribeInstanceTypes;
  const signed = await signedForm({ endpoint, accessKeyId: secrets.admin.accessKeyId, secretAccessKey: secrets.admin.secretAccessKey }, body);
  await runLoad({ url: endpoint + "/", ca: fs.readFileSync(path.join(dir, "tls", "ca.pem"), "utf8"), headers: signed.headers, body }, { concurrency: 8, seconds: 2 });
  await new Promise((r) => setTimeout(r, 1000));
  idle.hiveRssAfterLoadMiB = rssMiB(w.proc.pid!);
  await stop(w.proc);
  fs.rmSync(dir, { recursive: true, force: true });
  return { coldMs: cold.ms, warmMs: warm.sort((a, b) => a - b)[1], idle };
}

const fmt = (r: LoadResult | undefined) => (r ? `${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50ms.toFixed(2).padStart(6)} ms  p99 ${r.p99ms.toFixed(2).padStart(6)} ms` : "n/a");

const SECTIONS = ["api", "up", "listings", "launch", "concurrency", "describe", "ssh", "disk", "snapshots", "vpc", "cluster"] as const;
type Section = (typeof SECTIONS)[number];

function chosenSections(argv: string[]): { only: boolean; sections: Set<Section> } {
  const i = argv.indexOf("--only");
  if (i >= 0) {
    const names = (argv[i + 1] ?? "").split(",").filter(Boolean);
    const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
    if (!names.length || bad.length) throw new Error(`--only takes some of ${SECTIONS.join(",")}${bad.length ? ` (not: ${bad.join(",")})` : ""}`);
    return { only: true, sections: new Set(names as Section[]) };
  }
  const sections = new Set<Section>(SECTIONS);
  if (argv.includes("--no-listings")) sections.delete("listings");
  if (argv.includes("--no-vm")) for (const v of ["launch", "concurrency", "describe", "ssh", "disk", "snapshots", "cluster"] as const) sections.delete(v);
  if (argv.includes("--no-vpc")) sections.delete("vpc");
  return { only: false, sections };
}

/** The VPC data plane's bench in a process of its own (it enters namespaces); its table goes to our stdout. */
function vpcDataplane(): VpcDataplaneFigures | { skipped: string } {
  if (process.getuid?.() !== 0) {
    console.log("VPC data plane: skipped: needs root (network namespaces, nftables)");
    return { skipped: "needs root" };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bench-vpcdp-"));
  const out = path.join(dir, "figures.json");
  try {
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "bench", "vpc-dataplane.bench.ts")], {
      cwd: ROOT,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, HIVE_VPC_BENCH_JSON: out },
      timeout: 900_000,
    });
    if (r.status !== 0 || !fs.existsSync(out)) {
      console.error(`VPC data plane bench failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ""})`);
      return { skipped: `failed (exit ${r.status})` };
    }
    return JSON.parse(fs.readFileSync(out, "utf8")) as VpcDataplaneFigures;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const { only, sections } = chosenSections(process.argv);
  const want = (s: Section) => sections.has(s);
  const file = path.join(ROOT, "bench", "results.json");
  const date = new Date().toISOString();
  // With --only the other figures stay as they were; the sections measured now carry their own date.
  const results: Record<string, unknown> = only
    ? { ...(fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {}), cpus: os.cpus().length }
    : { date, seconds: SECONDS, concurrency: CONCURRENCY, cpus: os.cpus().length };
  if (only) results.sectionDates = { ...(results.sectionDates as Record<string, string> | undefined), ...Object.fromEntries([...sections].map((s) => [s, date])) };
  if (want("api")) await apiThroughput(results);
  if (want("up")) results.up = await measureUp();
  if (want("listings")) {
    results.describeInstancesServer = await describeInstancesBench();
    // The same call split into stages in one process, under Bun as in the binary.
    const stages = spawnSync(path.join(ROOT, "node_modules", ".bin", "bun"), [path.join(ROOT, "bench", "describe-stages.ts"), "--json"], { encoding: "utf8", timeout: 300_000 });
    if (stages.status === 0) results.describeInstancesStages = JSON.parse(stages.stdout.trim().split("\n").pop()!);
    else console.error(`describe-stages failed: ${stages.stderr}`);
  }
  // User mode is the reference for VPC mode's launches, measured round by round in the same process.
  if (want("launch")) results.launch = await launchLatency(Number(process.env.BENCH_LAUNCH_ROUNDS ?? 5), { vpc: !process.argv.includes("--no-vpc") });
  if (want("concurrency")) results.concurrency = await concurrentLaunch();
  if (want("describe")) results.describeInstances = await describeScaling();
  if (want("ssh")) results.sshLaunch = await sshLaunch();
  if (want("disk")) results.diskIo = await diskIoBench();
  if (want("snapshots")) results.snapshots = await snapshotBench();
  if (want("vpc")) results.vpcDataplane = vpcDataplane();
  if (want("cluster")) results.cluster = await clusterBench();

  const lines = [`Hive benchmarks (${SECONDS} s per run, ${CONCURRENCY} concurrent clients, ${os.cpus().length} CPUs)`, ""];
  if (want("api")) {
    const t = results.throughput as Record<string, Record<string, LoadResult | undefined>>;
    for (const [call, r] of Object.entries(t)) {
      lines.push(`${call}`);
      lines.push(`  hive (HTTPS+SigV4+NATS)  ${fmt(r.hive)}`);
      lines.push(`  moto_server (HTTP)       ${fmt(r.moto)}`);
      if (r.hive && r.moto) lines.push(`  hive / moto              ${(r.hive.rps / r.moto.rps).toFixed(1)}x throughput`);
    }
    const h = results.helloCeiling as LoadResult;
    lines.push(`bare Hono hello (Bun, HTTPS) ${fmt(h)}`);
    for (const [call, r] of Object.entries(t)) if (r.hive) lines.push(`  ${call}: ${((100 * r.hive.rps) / h.rps).toFixed(0)}% of the ceiling`);
  }
  if (want("up")) {
    const up = results.up as UpFigures;
    lines.push(`hive up → ready: first start (with init) ${up.coldMs.toFixed(0)} ms, warm start ${up.warmMs.toFixed(0)} ms`);
    lines.push(
      `idle memory (warm start): hive ${up.idle.hiveRssMiB.toFixed(1)} MiB RSS (${up.idle.hiveAnonMiB.toFixed(1)} MiB anonymous), ` +
        `${up.idle.hiveRssAfterLoadMiB.toFixed(1)} MiB after 2 s of load; nats-server ${up.idle.natsServerRssMiB.toFixed(1)} MiB RSS`,
    );
  }
  if (want("listings") && results.describeInstancesServer) lines.push(...formatDescribeInstances(results.describeInstancesServer as DescribeInstancesFigures[]));
  if (want("listings") && results.describeInstancesStages) lines.push(...formatStages(results.describeInstancesStages as StageFigures[], "Bun"));
  const ms = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(" / ") + " s";
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const sign = (pct: number) => `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`;
  if (want("launch")) {
    const l = results.launch as LaunchFigures;
    lines.push(`launch → guest marker (${l.accel}): bare qemu ${ms(l.bareQemuMs)}; hive RunInstances ${ms(l.hiveMs)}; overhead ${l.overheadPct.toFixed(1)}% (medians)`);
    if (l.vpc && "hiveMs" in l.vpc)
      lines.push(`  in VPC mode (same rounds): hive RunInstances ${ms(l.vpc.hiveMs)}; overhead ${l.vpc.overheadPct.toFixed(1)}% over bare qemu, ${sign(l.vpc.vsUserPct)} against user mode (medians; ${sign(l.vpc.pairedVsUserPct)} round by round)`);
    else if (l.vpc) lines.push(`  in VPC mode: skipped: ${l.vpc.skipped}`);
  }
  if (want("concurrency")) {
    const c = results.concurrency as Awaited<ReturnType<typeof concurrentLaunch>>;
    lines.push(
      `${c.requested} concurrent RunInstances, room for ${c.capacity}: ${c.launched} launched, ${c.refused} refused (${c.refusedCodes.join(", ") || "-"}); ` +
        `all running after ${(c.allRunningMs / 1000).toFixed(1)} s, ${c.booted} of ${c.launched} booted after ${(c.allBootedMs / 1000).toFixed(1)} s; ` +
        `vCPUs held at most ${c.maxVcpusHeld} of ${c.vcpuCapacity}`,
    );
  }
  if (want("describe")) {
    const d = results.describeInstances as Awaited<ReturnType<typeof describeScaling>>;
    for (const x of d) lines.push(`DescribeInstances, ${String(x.records).padStart(6)} records: p50 ${x.p50ms.toFixed(1)} ms, p99 ${x.p99ms.toFixed(1)} ms, ${x.perRecordUs.toFixed(1)} µs per record`);
  }
  if (want("ssh")) {
    const sl = results.sshLaunch as Awaited<ReturnType<typeof sshLaunch>>;
    lines.push(`launch → first SSH login (${sl.accel}): bare qemu ${ms(sl.bareQemuMs)}; hive RunInstances ${ms(sl.hiveMs)}; overhead ${((100 * (med(sl.hiveMs) - med(sl.bareQemuMs))) / med(sl.bareQemuMs)).toFixed(1)}% (medians)`);
    lines.push(`metadata service from inside a guest: ${sl.imds.rps.toFixed(0)} requests/s (${sl.imds.requests} in ${sl.imds.guestSeconds.toFixed(2)} s of guest time); the same loop against the guest's own loopback httpd: ${sl.imds.loopbackRps.toFixed(0)} requests/s`);
  }
  if (want("disk")) lines.push(...formatDiskIo(results.diskIo as DiskIoFigures));
  if (want("snapshots")) lines.push(...formatSnapshots(results.snapshots as SnapshotFigures[]));
  if (want("vpc")) {
    const v = results.vpcDataplane as VpcDataplaneFigures | { skipped: string };
    if ("skipped" in v) lines.push(`VPC data plane: skipped: ${v.skipped}`);
    else {
      const rc = v.ruleChange;
      lines.push(`VPC rule change → enforced: p50 ${rc.enforcedMs.p50.toFixed(1)} ms, p99 ${rc.enforcedMs.p99.toFixed(1)} ms (${v.runs} runs; nft -f of the same ruleset alone: p50 ${rc.nftOnlyMs.p50.toFixed(1)} ms, p99 ${rc.nftOnlyMs.p99.toFixed(1)} ms)`);
      lines.push(
        `VPC guest-to-guest TCP (${v.rounds} rounds of ${v.seconds} s): plain bridge ${v.medianGbps.bridge.toFixed(1)} Gbit/s; 1 rule ${v.medianGbps.rules1.toFixed(1)} Gbit/s (${v.ratio.rules1.toFixed(2)}x); ` +
          `1,000 rules ${v.medianGbps.rules1000.toFixed(1)} Gbit/s (${v.ratio.rules1000.toFixed(2)}x); per-round ratios ${v.perRoundRatio.rules1.toFixed(2)}x / ${v.perRoundRatio.rules1000.toFixed(2)}x`,
      );
    }
  }
  if (want("cluster")) lines.push(...formatCluster(results.cluster as Awaited<ReturnType<typeof clusterBench>>));
  console.log(lines.join("\n"));
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
}

/** The gateway path against moto_server and a bare Hono hello, in one hive started here. */
async function apiThroughput(results: Record<string, unknown>): Promise<void> {
  const hive = await startHive();
  const signer = { endpoint: hive.endpoint, accessKeyId: hive.accessKeyId, secretAccessKey: hive.secretAccessKey };
  try {
    const moto = await startMoto();
    const helloPort = await freePort();
    const tls = path.join(hive.dataDir, "tls");
    const hello = spawn(path.join(ROOT, "node_modules", ".bin", "bun"), [path.join(ROOT, "bench", "hello-server.ts"), path.join(tls, "server.pem"), path.join(tls, "server-key.pem"), String(helloPort)], { stdio: ["ignore", "pipe", "pipe"] });
    await waitFor(hello, "hello ready", 10_000);

    const throughput: Record<string, Record<string, LoadResult | undefined>> = {};
    for (const [call, body] of Object.entries(CALLS)) {
      const signed = await signedForm(signer, body);
      const hiveR = await runLoad({ url: hive.endpoint + "/", ca: hive.ca, headers: signed.headers, body }, { concurrency: CONCURRENCY, seconds: SECONDS });
      let motoR: LoadResult | undefined;
      if (moto) {
        const m = await signedForm({ ...signer, endpoint: moto.url.replace(/\/$/, "") }, body);
        motoR = await runLoad({ url: moto.url, headers: m.headers, body }, { concurrency: CONCURRENCY, seconds: SECONDS });
      }
      throughput[call] = { hive: hiveR, moto: motoR };
    }
    const put = JSON.stringify(SSM_PARAMETER);
    const putHive = await rawRequest(hive, await signedJson(signer, "ssm", "AmazonSSM.PutParameter", put));
    if (putHive.status !== 200) throw new Error(`PutParameter on hive: ${putHive.body}`);
    const motoSigner = moto && { ...signer, endpoint: moto.url.replace(/\/$/, "") };
    if (moto && motoSigner) {
      const m = await signedJson(motoSigner, "ssm", "AmazonSSM.PutParameter", put);
      await fetch(moto.url, { method: "POST", headers: m.headers, body: m.body });
    }
    for (const [call, { target, body }] of Object.entries(SSM_CALLS)) {
      const signed = await signedJson(signer, "ssm", target, body);
      const hiveR = await runLoad({ url: hive.endpoint + "/", ca: hive.ca, headers: signed.headers, body }, { concurrency: CONCURRENCY, seconds: SECONDS });
      let motoR: LoadResult | undefined;
      if (motoSigner) {
        const m = await signedJson(motoSigner, "ssm", target, body);
        motoR = await runLoad({ url: moto!.url, headers: m.headers, body }, { concurrency: CONCURRENCY, seconds: SECONDS });
      }
      throughput[call] = { hive: hiveR, moto: motoR };
    }
    const helloR = await runLoad({ url: `https://localhost:${helloPort}/`, ca: hive.ca, headers: { "content-type": "text/plain" }, body: "x" }, { concurrency: CONCURRENCY, seconds: SECONDS });
    results.throughput = throughput;
    results.helloCeiling = helloR;
    hello.kill();
    moto?.proc.kill();
  } finally {
    await hive.stop();
  }
}

await main();
