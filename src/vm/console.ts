// The guest's serial console as GetConsoleOutput wants it: at most 64 KiB, the latest or the current boot's start.

import { readFileSync, statSync } from "node:fs";
import { readRange, tailFile } from "../runtime/index.ts";
import { runPaths } from "./run-dir.ts";

export interface ConsoleOutput {
  /** Raw bytes as the guest wrote them (the caller base64-encodes them). */
  data: Buffer;
  /** When the log last grew; undefined if the guest never wrote anything. */
  timestamp?: Date;
}

export interface ReadConsoleOptions {
  /** Default 64 KiB, GetConsoleOutput's limit. */
  maxBytes?: number;
  /** The most recent output; otherwise output from the last start of QEMU onwards. */
  latest?: boolean;
}

export function readConsole(runDir: string, opts: ReadConsoleOptions = {}): ConsoleOutput {
  const maxBytes = opts.maxBytes ?? 64 * 1024;
  const paths = runPaths(runDir);
  let timestamp: Date | undefined;
  try {
    timestamp = statSync(paths.consoleLog).mtime;
  } catch {
    return { data: Buffer.alloc(0) };
  }
  if (opts.latest) return { data: tailFile(paths.consoleLog, maxBytes), timestamp };
  return { data: readRange(paths.consoleLog, (size) => Math.min(size, bootStart(paths.consoleStart)), maxBytes), timestamp };
}

/** Where the current boot's output starts in console.log (0 if unknown). */
function bootStart(path: string): number {
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}
