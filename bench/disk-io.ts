// Disk I/O inside a guest (`npm run bench -- --only disk`): one guest, one run, four disks. A volume Hive serves over
// NBD from its own storage daemon (src/ebs: the daemon, the export and its cache settings as Hive sets them up, and the
// -blockdev options Hive gives a guest's root disk), against a volume of the same size that QEMU opens directly as a
// qcow2 file with the same cache mode (the floor of the design's cost), loads alternating between the two; then two
// throttled NBD volumes, one at gp3's 3,000 IOPS / 125 MiB/s and one at 300 IOPS (proof that the limit binds when the
// machine cannot reach 3,000).
// BENCH_DISK_SECONDS (default 4) is each load's duration, BENCH_DISK_ROUNDS (default 3) the rounds per comparison.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createVolumeFile, ensureStorageDaemon, exportVolume, volumeNodeOptions, type StorageDaemon } from "../src/ebs/index.ts";
import { hostFacts, nbdNode } from "../src/vm/index.ts";
import { ROOT } from "../test/helpers/hive.ts";
import { buildHiveIo, IO_DONE, IO_FAILED, parseIoLine, writeBenchInitrd, type IoResult, type IoRun } from "./guest-io/guest.ts";

const TEST_GUEST = path.join(ROOT, "build", "test-guest");
/** The test guest's kernel command line (scripts/build-test-guest.sh, CMDLINE). */
const CMDLINE = "console=ttyS0 quiet panic=-1 mitigations=off nokaslr tsc=reliable no_timer_check 8250.nr_uarts=1 random.trust_cpu=on";
const SIZE_GIB = 1;
const MiB = 1024 * 1024;
/** gp3's baseline: 3,000 IOPS and 125 MiB/s. */
const GP3 = { iops: 3000, bytesPerSecond: 125 * MiB };
/** A limit any machine reaches, to show the throttle binds when gp3's is out of reach. */
const LOW_IOPS = 300;
/** Requests in flight for the throttle loads (hive-io threads, one request each). */
const THROTTLE_THREADS = 8;

interface Load {
  name: string;
  mode: IoRun["mode"];
  blockBytes: number;
  threads: number;
}

/** Sequential loads in 1 MiB requests, random ones in 4 KiB; one request in flight unless said otherwise. */
const LOADS: Load[] = [
  { name: "seq-read 1M", mode: "seq-read", blockBytes: MiB, threads: 1 },
  { name: "seq-write 1M", mode: "seq-write", blockBytes: MiB, threads: 1 },
  { name: "rand-read 4K", mode: "rand-read", blockBytes: 4096, threads: 1 },
  { name: "rand-write 4K", mode: "rand-write", blockBytes: 4096, threads: 1 },
  { name: `rand-read 4K qd${THROTTLE_THREADS}`, mode: "rand-read", blockBytes: 4096, threads: THROTTLE_THREADS },
];

const DISKS = {
  nbd: { serial: "hive-nbd", id: "vol-0000000000000d10a" },
  direct: { serial: "hive-direct", id: "vol-0000000000000d10b" },
  gp3: { serial: "hive-gp3", id: "vol-0000000000000d10c" },
  low: { serial: "hive-low", id: "vol-0000000000000d10d" },
} as const;
type Disk = keyof typeof DISKS;

export interface Figure {
  iops: number;
  mibps: number;
}

export interface DiskIoFigures {
  accel: "kvm" | "tcg";
  secondsPerLoad: number;
  rounds: number;
  volumeGiB: number;
  /**
   * NBD (Hive's path) against direct qcow2, per load: figures pooled over the rounds, their ratio, each round's ratio
   * (NBD and direct ran back to back) and the median of those, which a noisy neighbour moves least.
   */
  loads: Array<{ load: string; mode: string; blockBytes: number; threads: number; nbd: Figure; direct: Figure; ratio: number; roundRatios: number[]; medianRoundRatio: number }>;
  throttle: {
    threads: number;
    gp3: { limitIops: number; limitMiBps: number; randRead: Figure; seqRead: Figure };
    low: { limitIops: number; randRead: Figure };
    /** The same rand-read load on the unthrottled NBD volume: what this machine can do at all. */
    unthrottledIops: number;
  };
  /** CPU seconds qemu-storage-daemon used over the whole guest run (every NBD load, throttled ones included). */
  storageDaemonCpuSeconds: number;
}

const pooled = (rs: IoResult[]): Figure => {
  const seconds = rs.reduce((a, r) => a + r.seconds, 0);
  return { iops: rs.reduce((a, r) => a + r.ops, 0) / seconds, mibps: rs.reduce((a, r) => a + r.bytes, 0) / MiB / seconds };
};

/** The figure a load is judged by: MiB/s for sequential loads, IOPS for random ones. */
const headline = (mode: string, f: Figure): number => (mode.startsWith("seq") ? f.mibps : f.iops);

/** The guest's plan: each load on NBD and direct back to back, the order swapped every round; then the throttled disks. */
function makePlan(seconds: number, rounds: number): IoRun[] {
  const plan: IoRun[] = [];
  const run = (disk: Disk, load: Load, round: number, mode = load.mode, blockBytes = load.blockBytes): IoRun => ({
    tag: `${disk}/${load.name.replaceAll(" ", "_")}/${round}`,
    mode,
    serial: DISKS[disk].serial,
    blockBytes,
    seconds,
    threads: load.threads,
  });
  for (let round = 0; round < rounds; round++) {
    const order: Disk[] = round % 2 === 0 ? ["nbd", "direct"] : ["direct", "nbd"];
    for (const load of LOADS) for (const disk of order) plan.push(run(disk, load, round));
  }
  const qd = LOADS[LOADS.length - 1]!;
  plan.push(run("gp3", qd, 0), run("low", qd, 0));
  plan.push(run("gp3", { ...LOADS[0]!, name: "seq-read 1M" }, 0));
  return plan;
}

const cpuSeconds = (pid: number): number => {
  // /proc/<pid>/stat: utime and stime are fields 14 and 15, in clock ticks (100 a second on Linux).
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function diskIoBench(opts: { seconds?: number; rounds?: number } = {}): Promise<DiskIoFigures> {
  const seconds = opts.seconds ?? Number(process.env.BENCH_DISK_SECONDS ?? 4);
  const rounds = opts.rounds ?? Number(process.env.BENCH_DISK_ROUNDS ?? 3);
  const kvm = hostFacts().kvm;
  const hiveIo = buildHiveIo(path.join(ROOT, "build"));
  // Short: the storage daemon's sockets live under it (unix socket paths are at most 107 bytes).
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-dio-"));
  let daemon: StorageDaemon | undefined;
  let qemu: ReturnType<typeof spawn> | undefined;
  try {
    // Hive's own volume files (fresh qcow2, as CreateVolume makes them), then filled with data on the host so that
    // reads reach allocated clusters and writes overwrite them: a volume in use, the same for every disk.
    const files = {} as Record<Disk, string>;
    for (const disk of Object.keys(DISKS) as Disk[]) {
      const v = await createVolumeFile(dataDir, { id: DISKS[disk].id, sizeGiB: SIZE_GIB });
      await run("qemu-io", ["-f", "qcow2", "-c", `write -P 0x5a 0 ${SIZE_GIB}G`, v.path]);
      files[disk] = v.path;
    }
    daemon = await ensureStorageDaemon(dataDir, () => undefined);
    for (const disk of ["nbd", "gp3", "low"] as const) await daemon.use((qmp) => exportVolume(qmp, DISKS[disk].id, files[disk], daemon!.paths.nbdSocket));
    const qsdPid = daemon.pid!;
    const qsdCpu0 = cpuSeconds(qsdPid);

    const plan = makePlan(seconds, rounds);
    const initrd = writeBenchInitrd(dataDir, path.join(TEST_GUEST, "initrd.gz"), hiveIo, plan);
    const consoleLog = path.join(dataDir, "console.log");
    // The -blockdev Hive gives a guest's disks (src/vm/disk-layout.ts), as JSON (-blockdev takes both forms).
    const nbd = (node: string, disk: Disk) => JSON.stringify(nbdNode(node, { nbdSocket: daemon!.paths.nbdSocket, exportName: DISKS[disk].id }));
    // With KVM Hive puts the disk on an iothread; under TCG on the main loop. The same here, for every disk.
    const device = (node: string, disk: Disk, i: number) => [
      ...(kvm ? ["-object", `iothread,id=io${i}`] : []),
      "-device", `virtio-blk-pci,drive=${node},serial=${DISKS[disk].serial}${kvm ? `,iothread=io${i}` : ""}`,
    ];
    const args = [
      "-M", "q35", ...(kvm ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg", "-cpu", "max"]),
      "-smp", "2", "-m", "1024", "-display", "none", "-nodefaults", "-no-user-config", "-no-reboot",
      "-kernel", path.join(TEST_GUEST, "vmlinuz"), "-initrd", initrd, "-append", CMDLINE,
      "-serial", `file:${consoleLog}`,
      "-blockdev", nbd("nbd", "nbd"),
      ...device("nbd", "nbd", 0),
      // The same node pair the storage daemon opens for a volume (src/ebs/exports.ts), here inside the guest's QEMU.
      ...volumeNodeOptions("direct", files.direct).flatMap((node) => ["-blockdev", JSON.stringify(node)]),
      ...device("direct", "direct", 1),
      "-object", `throttle-group,id=tg-gp3,x-iops-total=${GP3.iops},x-bps-total=${GP3.bytesPerSecond}`,
      "-blockdev", nbd("gp3-nbd", "gp3"),
      "-blockdev", "driver=throttle,node-name=gp3,file=gp3-nbd,throttle-group=tg-gp3",
      ...device("gp3", "gp3", 2),
      "-object", `throttle-group,id=tg-low,x-iops-total=${LOW_IOPS}`,
      "-blockdev", nbd("low-nbd", "low"),
      "-blockdev", "driver=throttle,node-name=low,file=low-nbd,throttle-group=tg-low",
      ...device("low", "low", 3),
      "-device", "virtio-rng-pci",
    ];
    let exited: string | undefined;
    qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    qemu.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    qemu.once("exit", (code, signal) => (exited = signal ?? `exit code ${code}`));
    const budgetMs = (plan.length * (seconds + 2) + 120) * 1000;
    const t0 = performance.now();
    let out = "";
    for (;;) {
      out = fs.existsSync(consoleLog) ? fs.readFileSync(consoleLog, "utf8") : "";
      if (out.includes(IO_DONE)) break;
      const failed = out.split("\n").find((l) => l.includes(IO_FAILED));
      if (failed) throw new Error(`the guest's load failed: ${failed.trim()}\n${out.slice(-2000)}`);
      if (exited !== undefined) throw new Error(`QEMU stopped (${exited}) before the loads finished: ${stderr.trim()}\n${out.slice(-2000)}`);
      if (performance.now() - t0 > budgetMs) throw new Error(`the guest did not finish its loads within ${budgetMs / 1000} s:\n${out.slice(-2000)}`);
      await sleep(200);
    }
    const storageDaemonCpuSeconds = cpuSeconds(qsdPid) - qsdCpu0;
    const results = new Map(out.split("\n").flatMap((l) => {
      const r = parseIoLine(l);
      return r ? [[r.tag, r] as const] : [];
    }));
    const get = (disk: Disk, load: string, round: number): IoResult => {
      const tag = `${disk}/${load.replaceAll(" ", "_")}/${round}`;
      const r = results.get(tag);
      if (!r) throw new Error(`no result for ${tag} in the guest's console`);
      return r;
    };
    const loads = LOADS.map((load) => {
      const nbdRuns = Array.from({ length: rounds }, (_, i) => get("nbd", load.name, i));
      const directRuns = Array.from({ length: rounds }, (_, i) => get("direct", load.name, i));
      const nbdF = pooled(nbdRuns);
      const directF = pooled(directRuns);
      const roundRatios = nbdRuns.map((r, i) => headline(load.mode, r) / headline(load.mode, directRuns[i]!));
      return {
        load: load.name,
        mode: load.mode,
        blockBytes: load.blockBytes,
        threads: load.threads,
        nbd: nbdF,
        direct: directF,
        ratio: headline(load.mode, nbdF) / headline(load.mode, directF),
        roundRatios,
        medianRoundRatio: median(roundRatios),
      };
    });
    const qd = LOADS[LOADS.length - 1]!.name;
    return {
      accel: kvm ? "kvm" : "tcg",
      secondsPerLoad: seconds,
      rounds,
      volumeGiB: SIZE_GIB,
      loads,
      throttle: {
        threads: THROTTLE_THREADS,
        gp3: { limitIops: GP3.iops, limitMiBps: GP3.bytesPerSecond / MiB, randRead: pooled([get("gp3", qd, 0)]), seqRead: pooled([get("gp3", "seq-read 1M", 0)]) },
        low: { limitIops: LOW_IOPS, randRead: pooled([get("low", qd, 0)]) },
        unthrottledIops: loads[loads.length - 1]!.nbd.iops,
      },
      storageDaemonCpuSeconds,
    };
  } finally {
    if (qemu?.pid !== undefined && qemu.exitCode === null && qemu.signalCode === null) {
      qemu.kill("SIGKILL");
      await new Promise((r) => qemu!.once("exit", r));
    }
    await daemon?.shutdown();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    p.once("error", reject);
    p.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} failed (${code}): ${err.trim()}`))));
  });
}

export function formatDiskIo(f: DiskIoFigures): string[] {
  const fig = (mode: string, x: Figure) => (mode.startsWith("seq") ? `${x.mibps.toFixed(1).padStart(8)} MiB/s` : `${x.iops.toFixed(0).padStart(8)} IOPS `);
  const lines = [
    `Disk I/O in a guest (${f.accel}; ${f.rounds} rounds of ${f.secondsPerLoad} s per load and disk, alternating; ${f.volumeGiB} GiB qcow2 volumes filled with data; O_DIRECT)`,
    `  load                     NBD (Hive)          direct qcow2        NBD / direct   median of rounds (each round)`,
  ];
  for (const l of f.loads) {
    lines.push(
      `  ${l.load.padEnd(22)} ${fig(l.mode, l.nbd)}      ${fig(l.mode, l.direct)}      ${l.ratio.toFixed(2).padStart(5)}x       ` +
        `${l.medianRoundRatio.toFixed(2)}x (${l.roundRatios.map((r) => r.toFixed(2)).join(", ")})`,
    );
  }
  const t = f.throttle;
  const gp3 = t.gp3.randRead.iops;
  // At the limit, the throttle is what held the load back; below it with the unthrottled disk below it too, the machine was.
  const verdict =
    gp3 >= 0.9 * t.gp3.limitIops
      ? "at the limit"
      : t.unthrottledIops < t.gp3.limitIops
        ? `below the limit: this machine does not reach ${t.gp3.limitIops} IOPS (see the ${t.low.limitIops}-IOPS throttle for a limit that binds)`
        : "below the limit although the unthrottled disk exceeds it";
  lines.push(
    `  gp3 throttle (${t.gp3.limitIops} IOPS, ${t.gp3.limitMiBps} MiB/s), rand-read 4K qd${t.threads}: ${gp3.toFixed(0)} IOPS ` +
      `(${((100 * gp3) / t.gp3.limitIops).toFixed(0)}% of the limit; unthrottled NBD ${t.unthrottledIops.toFixed(0)} IOPS): ${verdict}`,
    `  gp3 throttle, seq-read 1M: ${t.gp3.seqRead.mibps.toFixed(1)} MiB/s (${((100 * t.gp3.seqRead.mibps) / t.gp3.limitMiBps).toFixed(0)}% of ${t.gp3.limitMiBps} MiB/s)`,
    `  ${t.low.limitIops}-IOPS throttle, rand-read 4K qd${t.threads}: ${t.low.randRead.iops.toFixed(0)} IOPS (${((100 * t.low.randRead.iops) / t.low.limitIops).toFixed(0)}% of the limit)`,
    `  qemu-storage-daemon CPU over the run: ${f.storageDaemonCpuSeconds.toFixed(1)} s`,
  );
  return lines;
}

// Run on its own: `tsx bench/disk-io.ts` prints the table (npm run bench -- --only disk also records it).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatDiskIo(await diskIoBench()).join("\n"));
}
