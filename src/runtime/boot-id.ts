// The host's boot id: a random id the kernel makes at each boot, so a change since last seen means the host restarted.
import { readFileSync } from "node:fs";

const BOOT_ID = "/proc/sys/kernel/random/boot_id";

/** This boot's id, or undefined where the kernel has none to give (not Linux). */
export function hostBootId(path = BOOT_ID): string | undefined {
  try {
    const id = readFileSync(path, "utf8").trim();
    return id === "" ? undefined : id;
  } catch {
    return undefined;
  }
}
