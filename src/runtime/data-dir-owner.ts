// Who holds a data directory: the record the holder of its lock writes (see src/store/data-dir-lock.ts), read by
// supervisors before they end a process they believe was left over.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pidRunning } from "./process.ts";

/** The record beside the lock file, naming the process that holds the lock. */
export const OWNER_FILE = "hive.lock.json";

export interface DataDirOwner {
  pid: number;
  /** The holder's start time in clock ticks after boot (/proc/<pid>/stat), so a recycled pid is not mistaken for it. */
  procStart: string;
  hostname: string;
  /** When the holder took the lock, ISO 8601. */
  startedAt: string;
}

/**
 * The live process that holds the data directory, when it is not this one: the record's pid runs on this host
 * with the recorded start time. Supervisors ask before ending a process they believe was left over.
 */
export function liveDataDirOwner(dataDir: string): DataDirOwner | undefined {
  const owner = readOwner(dataDir);
  if (!owner || owner.pid === process.pid || owner.hostname !== os.hostname()) return undefined;
  return pidRunning(owner.pid, owner.procStart) ? owner : undefined;
}

/** The record as written, or undefined when it is missing or unreadable. */
export function readOwner(dataDir: string): DataDirOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(dataDir, OWNER_FILE), "utf8")) as Partial<DataDirOwner>;
    if (typeof o.pid !== "number" || typeof o.procStart !== "string" || typeof o.hostname !== "string" || typeof o.startedAt !== "string") {
      return undefined;
    }
    return o as DataDirOwner;
  } catch {
    return undefined;
  }
}

