// Shared by the QEMU tests: temp dirs, a qemu-storage-daemon serving a scratch disk over NBD, and process bookkeeping.

import { pidRunning, runtimeDir } from "../../src/runtime/index.ts";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function tempDir(label: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `hive-${label}-`));
  // The runtime directory holds the sockets of a data directory made here (see src/runtime/runtime-dir.ts).
  return { path, remove: () => [path, runtimeDir(path)].forEach((p) => rmSync(p, { recursive: true, force: true })) };
}

/** Alive means running: a zombie waiting for a reaper counts as gone (the product's own check). */
export const pidAlive = pidRunning;

export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** SIGKILLs every pid given (ignoring the gone) and waits until they are. */
export async function killAll(pids: Iterable<number>): Promise<void> {
  const list = [...pids];
  for (const pid of list) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  await waitFor("processes to end", () => list.every((p) => !pidAlive(p)), 10_000).catch(() => {});
}

export interface NbdDisk {
  socket: string;
  exportName: string;
  daemon: ChildProcess;
  stop(): Promise<void>;
}

/** A qemu-storage-daemon exporting `image` (a new blank qcow2 when it does not exist) over NBD on a unix socket. */
export async function serveNbd(dir: string, opts: { image?: string; format?: "qcow2" | "raw"; sizeMiB?: number } = {}): Promise<NbdDisk> {
  const image = opts.image ?? join(dir, "disk.qcow2");
  const format = opts.format ?? "qcow2";
  if (!existsSync(image)) execFileSync("qemu-img", ["create", "-q", "-f", format, image, `${opts.sizeMiB ?? 64}M`]);
  const socket = join(dir, "nbd.sock");
  const daemon = spawn(
    "qemu-storage-daemon",
    [
      "--blockdev", `driver=file,filename=${image},node-name=f`,
      "--blockdev", `driver=${format},file=f,node-name=q`,
      "--nbd-server", `addr.type=unix,addr.path=${socket}`,
      "--export", "type=nbd,id=e,node-name=q,name=vol,writable=on",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await waitFor("the NBD socket", () => existsSync(socket) || daemon.exitCode !== null);
  if (daemon.exitCode !== null) throw new Error(`qemu-storage-daemon exited with ${daemon.exitCode}`);
  return {
    socket,
    exportName: "vol",
    daemon,
    stop: async () => {
      if (daemon.exitCode === null && daemon.signalCode === null) {
        const gone = new Promise((resolve) => daemon.once("exit", resolve));
        daemon.kill("SIGTERM");
        await gone;
      }
    },
  };
}

/** Pids of live QEMU processes started with -name guest=<id>. */
export function qemuPidsFor(instanceId: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv.includes(`guest=${instanceId}`) && pidAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
