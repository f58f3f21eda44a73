// Reading the end of a log file a child process writes, to say why it failed: byte ranges, and the last lines of this run.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** The last `maxBytes` of a file (empty if it does not exist). */
export function tailFile(path: string, maxBytes: number): Buffer {
  return readRange(path, (size) => Math.max(0, size - maxBytes), maxBytes);
}

/** Up to `maxBytes` of a file starting where `startOf(size)` says (empty if it does not exist). */
export function readRange(path: string, startOf: (size: number) => number, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.min(size, Math.max(0, startOf(size)));
    const buf = Buffer.alloc(Math.min(maxBytes, size - start));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** This run's part of a log (from byte `from`, at most the last `max` bytes), so earlier runs don't confuse a diagnosis. */
export function readLogFrom(path: string, from: number, max = 16_384): string {
  return readRange(path, (size) => Math.max(from, size - max), max).toString("utf8");
}

/** "\nLast lines of <path>:\n…" with this run's last `lines` lines, or "" when it wrote nothing; for error messages. */
export function logTail(path: string, from: number, lines = 12): string {
  const text = readLogFrom(path, from).trimEnd();
  if (text === "") return "";
  return `\nLast lines of ${path}:\n${text.split("\n").slice(-lines).join("\n")}`;
}
