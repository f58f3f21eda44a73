// Which JavaScript runtime we are on (the compiled binary runs on Bun, development and tests on Node), and the process
// helpers every layer shares: /proc facts, the restart loop, child programs, log tails, resource ids, fsync.

export const isBun: boolean = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

export const runtimeName = (): string =>
  isBun ? `bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}` : `node ${process.versions.node}`;
export { pidRunning, processIdentity, processArgv, readPidFile, signal } from "./process.ts";
export { OWNER_FILE, liveDataDirOwner, readOwner as readDataDirOwner, type DataDirOwner } from "./data-dir-owner.ts";
export { RestartBackoff, RestartLoop, type RestartLoopOptions } from "./backoff.ts";
export { isId, newId } from "./ids.ts";
export { logTail, readLogFrom, readRange, tailFile } from "./log-tail.ts";
export { syncPath } from "./sync-path.ts";
export { hostBootId } from "./boot-id.ts";
export { spawnError, waitForExit, type SpawnErrorOptions } from "./child.ts";
export { MAX_SOCKET_PATH, checkSocketPath, prepareRuntimeDir, releaseRuntimeDir, runtimeBase, runtimeDir, scopeOf, socketDir } from "./runtime-dir.ts";
