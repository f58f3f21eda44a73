// Whether a process is our storage daemon (the generic /proc facts live in src/runtime).
import { basename } from "node:path";
import { pidRunning, processArgv } from "../runtime/index.ts";

/** True when pid is a qemu-storage-daemon started with exactly this argument (ours, not a reused pid). */
export function isStorageDaemon(pid: number, requiredArg: string): boolean {
  const argv = processArgv(pid);
  if (!argv || argv.length === 0) return false;
  return basename(argv[0] as string) === "qemu-storage-daemon" && argv.includes(requiredArg) && pidRunning(pid);
}
