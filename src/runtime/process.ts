// What /proc says about a process that need not be our child: alive, the same one as before, started how.
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

/** Running means not exited: a zombie awaiting its reaper (orphans in some sandboxes never get one) counts as gone. */
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

/** The identity to compare later, so a recycled pid is not mistaken for ours; undefined when not running. */
export function processIdentity(pid: number): string | undefined {
  if (!pidRunning(pid)) return undefined;
  return procStat(pid)?.startTime ?? "";
}

/** The process's argv, or undefined when it is gone or unreadable. */
export function processArgv(pid: number): string[] | undefined {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    // Every argument ends with a NUL, so the split leaves one empty string at the end.
    if (argv.at(-1) === "") argv.pop();
    return argv;
  } catch {
    return undefined;
  }
}

/** The pid in a pidfile, or undefined when the file is missing or holds no number. */
export function readPidFile(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already: nothing to signal.
  }
}
