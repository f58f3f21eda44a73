// The files one VM keeps in its run directory, and the few operations on them.

import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tailFile } from "../runtime/index.ts";

export interface RunPaths {
  qmpSocket: string;
  consoleSocket: string;
  consoleLog: string;
  /** Byte offset of console.log when QEMU last started: where the current boot's output begins. */
  consoleStart: string;
  pidFile: string;
  qemuLog: string;
}

export const runPaths = (runDir: string): RunPaths => ({
  qmpSocket: join(runDir, "qmp.sock"),
  consoleSocket: join(runDir, "console.sock"),
  consoleLog: join(runDir, "console.log"),
  consoleStart: join(runDir, "console.start"),
  pidFile: join(runDir, "qemu.pid"),
  qemuLog: join(runDir, "qemu.log"),
});

/** Creates the directory and removes what a previous QEMU left behind (sockets, pidfile); logs are kept. */
export function prepareRunDir(runDir: string): RunPaths {
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const paths = runPaths(runDir);
  for (const stale of [paths.qmpSocket, paths.consoleSocket, paths.pidFile]) rmSync(stale, { force: true });
  return paths;
}

/** What QEMU itself wrote to qemu.log since Hive last started it (Hive's own lines start with `mark`). */
export function qemuOutputSinceLaunch(qemuLog: string, mark: string, maxBytes = 4096): string {
  const text = tailFile(qemuLog, maxBytes).toString("utf8");
  const header = text.lastIndexOf(`\n${mark}`);
  if (header >= 0 || text.startsWith(mark)) {
    const end = text.indexOf("\n", header + 1);
    return end < 0 ? "" : text.slice(end + 1).trim();
  }
  // The tail began mid-line: drop that partial line.
  return text.slice(text.indexOf("\n") + 1).trim();
}
