// The files one VM keeps in its run directory (in the data directory) and its sockets (in a short socket directory
// under the runtime directory: unix socket paths hold 107 bytes, and a data directory on FAT holds no sockets).

import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { checkSocketPath, tailFile } from "../runtime/index.ts";

export interface RunPaths {
  consoleLog: string;
  /** Byte offset of console.log when QEMU last started: where the current boot's output begins. */
  consoleStart: string;
  pidFile: string;
  qemuLog: string;
}

export interface VmSockets {
  qmp: string;
  console: string;
}

export const runPaths = (runDir: string): RunPaths => ({
  consoleLog: join(runDir, "console.log"),
  consoleStart: join(runDir, "console.start"),
  pidFile: join(runDir, "qemu.pid"),
  qemuLog: join(runDir, "qemu.log"),
});

export const vmSockets = (socketDir: string): VmSockets => ({ qmp: join(socketDir, "qmp.sock"), console: join(socketDir, "console.sock") });

/** Creates both directories (owner only) and removes what a previous QEMU left behind (sockets, pidfile); logs are kept. */
export function prepareRunDir(runDir: string, socketDir: string): void {
  for (const dir of [runDir, socketDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const sockets = vmSockets(socketDir);
  for (const p of [sockets.qmp, sockets.console]) checkSocketPath(p);
  for (const stale of [sockets.qmp, sockets.console, runPaths(runDir).pidFile]) rmSync(stale, { force: true });
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
