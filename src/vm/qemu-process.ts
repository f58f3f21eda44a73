// Whether a process is QEMU started for a given instance (the generic /proc facts live in src/runtime).
import { processArgv } from "../runtime/index.ts";

/** True when /proc/<pid>/cmdline shows QEMU started for this instance (-name guest=<id>[,...]). */
export function isQemuFor(pid: number, instanceId: string): boolean {
  const argv = processArgv(pid);
  if (!argv || !/qemu/.test(argv[0] ?? "")) return false;
  const name = argv.findIndex((a, i) => a === "-name" && i + 1 < argv.length);
  if (name < 0) return false;
  const value = argv[name + 1]!;
  return value === `guest=${instanceId}` || value.startsWith(`guest=${instanceId},`);
}
