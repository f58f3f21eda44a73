// The disk benchmark's guest: the shared test guest's kernel and initramfs, plus a second initramfs archive (the kernel
// unpacks concatenated archives in order) that adds the hive-io load tool and a boot hook running a plan of loads.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

/** Console markers the hook prints around its lines. */
export const IO_DONE = "HIVE-IO-DONE";
export const IO_FAILED = "HIVE-IO-FAILED";

export interface IoRun {
  /** Printed back as tag=…; no spaces. */
  tag: string;
  mode: "seq-read" | "seq-write" | "rand-read" | "rand-write";
  /** Which disk, by its virtio serial number (QEMU's `-device virtio-blk-pci,serial=…`). */
  serial: string;
  blockBytes: number;
  seconds: number;
  threads: number;
}

export interface IoResult {
  tag: string;
  mode: string;
  bs: number;
  threads: number;
  ops: number;
  bytes: number;
  seconds: number;
  iops: number;
  mibps: number;
}

const SOURCE = path.join(import.meta.dirname, "hive-io.c");

/**
 * Compiles hive-io statically (the guest has only busybox), cached under <buildDir>/guest-io by the source's hash.
 * Needs gcc and libc6-dev (libc.a); scripts/bench.sh installs them.
 */
export function buildHiveIo(buildDir: string): string {
  const source = fs.readFileSync(SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const out = path.join(buildDir, "guest-io", `hive-io-${hash}`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}`;
  try {
    execFileSync("gcc", ["-static", "-O2", "-pthread", "-Wall", "-o", tmp, SOURCE], { stdio: ["ignore", "inherit", "inherit"] });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new Error("gcc is missing: apt-get install gcc libc6-dev (scripts/bench.sh does)");
    throw new Error(`could not compile ${SOURCE} (static linking needs libc6-dev): ${(err as Error).message}`);
  }
  fs.renameSync(tmp, out);
  return out;
}

/** The hook: finds each disk by its serial, runs the plan in order, prints IO_DONE and powers the guest off. */
function hookScript(plan: IoRun[]): string {
  const serials = [...new Set(plan.map((r) => r.serial))];
  const lines = [
    "#!/bin/sh",
    "# The disk I/O benchmark's plan (bench/disk-io.ts). Runs after 10-drivers has loaded virtio_blk.",
    "exec >/dev/console 2>&1",
    'disk() { for d in /sys/block/vd*; do [ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }; done; return 1; }',
    // The block devices appear as virtio_blk probes them: wait for all, at most ~10 s.
    "i=0",
    `while ${serials.map((s) => `! disk ${s} >/dev/null`).join(" || ")}; do`,
    `  [ $i -lt 200 ] || { echo "${IO_FAILED} disks: $(cat /sys/block/vd*/serial 2>/dev/null | tr '\\n' ' ')"; poweroff -f; }`,
    "  usleep 50000; i=$((i + 1))",
    "done",
    ...serials.map((s, k) => `d${k}=$(disk ${s})`),
    `echo "HIVE-IO-DISKS ${serials.map((s, k) => `${s}=$d${k}`).join(" ")}"`,
  ];
  for (const r of plan) {
    const k = serials.indexOf(r.serial);
    lines.push(`/bin/hive-io ${r.tag} ${r.mode} "$d${k}" ${r.blockBytes} ${r.seconds} ${r.threads} || echo "${IO_FAILED} ${r.tag}"`);
  }
  lines.push(`echo "${IO_DONE}"`, "sync", "poweroff -f");
  return lines.join("\n") + "\n";
}

/**
 * Writes <dir>/initrd.gz: the test guest's initramfs with a gzip'd newc archive appended holding /bin/hive-io and
 * /etc/hive/boot.d/15-disk-io. The shared test guest's files are read, never changed.
 */
export function writeBenchInitrd(dir: string, testGuestInitrd: string, hiveIo: string, plan: IoRun[]): string {
  const base = fs.readFileSync(testGuestInitrd);
  // Each archive starts on a 4-byte boundary; the kernel skips zero padding between them.
  const pad = Buffer.alloc((4 - (base.length % 4)) % 4);
  const extra = zlib.gzipSync(
    newcArchive([
      { name: "bin/hive-io", mode: 0o100755, data: fs.readFileSync(hiveIo) },
      { name: "etc/hive/boot.d/15-disk-io", mode: 0o100755, data: Buffer.from(hookScript(plan)) },
    ]),
  );
  const out = path.join(dir, "initrd.gz");
  fs.writeFileSync(out, Buffer.concat([base, pad, extra]));
  return out;
}

/** One hive-io output line, or undefined when the line is something else. */
export function parseIoLine(line: string): IoResult | undefined {
  const m = /HIVE-IO (tag=.*)$/.exec(line.trim());
  if (!m) return undefined;
  const kv = Object.fromEntries(m[1]!.split(" ").map((p) => p.split("=") as [string, string]));
  const n = (k: string) => Number(kv[k]);
  return { tag: kv.tag!, mode: kv.mode!, bs: n("bs"), threads: n("threads"), ops: n("ops"), bytes: n("bytes"), seconds: n("seconds"), iops: n("iops"), mibps: n("mibps") };
}

interface CpioFile {
  name: string;
  mode: number;
  data: Buffer;
}

/** A newc ("070701") cpio archive: root-owned regular files, time 0, then the trailer. */
function newcArchive(files: CpioFile[]): Buffer {
  const parts: Buffer[] = [];
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const entry = (ino: number, name: string, mode: number, data: Buffer) => {
    const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, Buffer.byteLength(name) + 1, 0];
    const header = Buffer.from("070701" + fields.map((f) => f.toString(16).padStart(8, "0")).join("") + name + "\0");
    parts.push(header, pad4(header.length), data, pad4(data.length));
  };
  files.forEach((f, i) => entry(i + 1, f.name, f.mode, f.data));
  entry(0, "TRAILER!!!", 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}
