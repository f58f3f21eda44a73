// One appliance per data directory: an OS lock held for the process' life, and a record naming who holds it
// (the record's reader lives in src/runtime/data-dir-owner.ts, for supervisors that may not open SQLite).
//
// Why an SQLite lock and not a pid file: `hive.lock` is a tiny SQLite database on which the holder keeps a
// `BEGIN EXCLUSIVE` transaction open. SQLite takes that as a POSIX record lock (fcntl), which the kernel drops
// when the process dies — `kill -9` or a power cut can never leave a stale lock, and there is nothing to judge
// or steal, so two starters can never both win (a pid file's "stale, so remove it and retry" races exactly
// there). fcntl locks belong to the process, not to a descriptor, so the qemu-storage-daemon and guests that
// hive spawns and that outlive it do not keep the lock (flock() locks would follow inherited descriptors). They
// work on any local file system, FAT on a USB stick included, and over NFS through its lock manager; both SQLite
// drivers (bun:sqlite, better-sqlite3) take them the same way, and no native addon beyond the driver is needed.
//
// The lock cannot say who holds it, so the holder then writes `hive.lock.json` (pid, its /proc start time, host
// name, start time). That record only informs: it never decides. It names the holder in the refusal, and lets
// supervisors that find a leftover process refuse to end one that a live appliance owns (`liveDataDirOwner`),
// where a recycled pid is told apart by its /proc start time.
//
// Nothing else may open `hive.lock`: closing any descriptor of the file would drop this process' POSIX locks.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { OWNER_FILE, pidRunning, processIdentity, readDataDirOwner as readOwner, type DataDirOwner } from "../runtime/index.ts";
import { openDriver } from "./driver.ts";

/** Another process holds the lock; `owner` is who, when its record could be read. */
export class DataDirInUse extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirOwner | undefined,
  ) {
    super(
      owner
        ? `the data directory ${dataDir} is in use by hive pid ${owner.pid} (started ${owner.startedAt}); stop it first`
        : `the data directory ${dataDir} is in use by another process (its ${OWNER_FILE} names no live hive); stop it first`,
    );
    this.name = "DataDirInUse";
  }
}

export interface DataDirLock {
  readonly dataDir: string;
  readonly owner: DataDirOwner;
  /** True when taking the lock created the data directory. */
  readonly createdDir: boolean;
  /** Ends the transaction and closes the database: the next `hive up` may start. Idempotent. */
  release(): void;
  /** release(), then removes the directory again if this lock created it and nothing else has been written there. */
  discard(): void;
}

const LOCK_FILE = "hive.lock";
/** How long a refused starter waits for a holder that has just taken the lock to write its record. */
const OWNER_WAIT_MS = 1_000;

const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code === "SQLITE_LOCKED");
};

/**
 * Takes the data directory for this process, creating the directory (0700) if needed; throws `DataDirInUse`
 * naming the holder when another process has it. Never waits for the lock and never touches anything but
 * `hive.lock` and `hive.lock.json`.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const createdDir = !fs.existsSync(dataDir);
  if (createdDir) fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = await openDriver(path.join(dataDir, LOCK_FILE));
  try {
    // A held lock answers SQLITE_BUSY at once instead of after better-sqlite3's default 5 s.
    db.exec("PRAGMA busy_timeout = 0");
    // No journal file: nothing is ever written, and a FAT stick or a `ls` stays free of hive.lock-journal.
    db.exec("PRAGMA journal_mode = MEMORY");
    db.exec("BEGIN EXCLUSIVE");
  } catch (err) {
    db.close();
    if (!isBusy(err)) throw err;
    throw new DataDirInUse(dataDir, await waitForOwner(dataDir));
  }
  const owner: DataDirOwner = {
    pid: process.pid,
    procStart: processIdentity(process.pid) ?? "",
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
  };
  const ownerFile = path.join(dataDir, OWNER_FILE);
  try {
    const tmp = `${ownerFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(owner) + "\n", { mode: 0o644 });
    fs.renameSync(tmp, ownerFile);
  } catch (err) {
    db.close();
    throw err;
  }

  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    // Remove the record first: once the lock is gone, the next holder writes its own.
    if (sameOwner(readOwner(dataDir), owner)) fs.rmSync(ownerFile, { force: true });
    try {
      db.exec("ROLLBACK");
    } finally {
      db.close();
    }
  };
  return {
    dataDir,
    owner,
    createdDir,
    release,
    discard: () => {
      release();
      if (!createdDir) return;
      const left = fs.readdirSync(dataDir).filter((f) => f !== LOCK_FILE && f !== OWNER_FILE);
      if (left.length > 0) return;
      fs.rmSync(path.join(dataDir, LOCK_FILE), { force: true });
      fs.rmdirSync(dataDir);
    },
  };
}

/** A starter that has just taken the lock writes its record a moment later; an old record names a dead pid. */
async function waitForOwner(dataDir: string): Promise<DataDirOwner | undefined> {
  for (let waited = 0; ; waited += 50) {
    const owner = readOwner(dataDir);
    if (owner && (owner.hostname !== os.hostname() || pidRunning(owner.pid, owner.procStart))) return owner;
    if (waited >= OWNER_WAIT_MS) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sameOwner = (a: DataDirOwner | undefined, b: DataDirOwner): boolean =>
  a !== undefined && a.pid === b.pid && a.procStart === b.procStart && a.hostname === b.hostname && a.startedAt === b.startedAt;
