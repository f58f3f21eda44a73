// Facts about a QEMU process that need not be our child: is it alive, is it the same process, is it this instance's.

import { readFileSync } from "node:fs";

interface ProcStat {
  state: string;
  /** Clock ticks after boot when the process started: with the pid, it names one process for good. */
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ..." — comm may hold spaces and parentheses, so split after the last ')'.
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", startTime: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

/** The identity to compare later, so a recycled pid is not mistaken for our QEMU; undefined when not running. */
export function processIdentity(pid: number): string | undefined {
  if (!pidRunning(pid)) return undefined;
  return procStat(pid)?.startTime ?? "";
}

/** Running means not exited: a zombie awaiting its reaper counts as gone. */
export function pidRunning(pid: number, identity?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = procStat(pid);
  // Without /proc (not Linux) signal 0 is all we can know.
  if (!stat) return true;
  if (stat.state === "Z" || stat.state === "X") return false;
  return identity === undefined || identity === "" || stat.startTime === identity;
}

/** True when /proc/<pid>/cmdline shows QEMU started for this instance (-name guest=<id>[,...]). */
export function isQemuFor(pid: number, instanceId: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return false;
  }
  if (!/qemu/.test(argv[0] ?? "")) return false;
  const name = argv.findIndex((a, i) => a === "-name" && i + 1 < argv.length);
  if (name < 0) return false;
  const value = argv[name + 1];
  return value === `guest=${instanceId}` || value.startsWith(`guest=${instanceId},`);
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already: nothing to signal.
  }
}

/** Reads a pidfile: the pid, or undefined when missing or garbled. */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}
