// What /proc says about a process: alive or not, and whether it is our storage daemon.

import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** Alive means running: a zombie waiting to be reaped counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // "pid (comm) state ...": comm may hold spaces or parentheses, so read the state after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** The process's argv, or undefined when it is gone or unreadable. */
export function processArgv(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    const argv = raw.split("\0");
    // Every argument ends with a NUL, so the split leaves one empty string at the end.
    if (argv.at(-1) === "") argv.pop();
    return argv;
  } catch {
    return undefined;
  }
}

/** True when pid is a qemu-storage-daemon started with exactly this argument (ours, not a reused pid). */
export function isStorageDaemon(pid: number, requiredArg: string): boolean {
  const argv = processArgv(pid);
  if (!argv || argv.length === 0) return false;
  return basename(argv[0] as string) === "qemu-storage-daemon" && argv.includes(requiredArg) && processAlive(pid);
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
