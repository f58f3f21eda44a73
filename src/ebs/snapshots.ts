// Snapshot files: standalone qcow2 copies of a volume under <dataDir>/snapshots, made as of one instant by a backup
// job in the storage daemon, copied whole for CopySnapshot, and written beside their name until complete.

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { conflict, HiveError, invalidParameter, notFound } from "../errors/index.ts";
import { imageInfo } from "../images/index.ts";
import { isId, syncPath } from "../runtime/index.ts";
import { closeUnexportedVolumeNodes } from "./exports.ts";
import { CREATING, ebsPaths, snapshotRelPath } from "./paths.ts";
import { qcow2Backing } from "./qcow2-header.ts";
import { allocatedBytesOf } from "./storage-usage.ts";
import type { StorageDaemon } from "./storage-daemon.ts";
import { startVolumeCopy } from "./volume-copy.ts";

export interface SnapshotResult {
  /** The snapshot's virtual size: the volume's size when it was taken. */
  sizeBytes: number;
  /** Bytes its file takes on disk. */
  allocatedBytes: number;
}

export interface SnapshotJob {
  /** The snapshot's file relative to the data directory (it exists under this name once `done` resolves). */
  file: string;
  /** Resolves when the file is complete and in place; rejects (leaving no file) on failure or abort. */
  done: Promise<SnapshotResult>;
  /** 0..100; 100 only once `done` resolved. */
  progress(): number;
}

export interface SnapshotOptions {
  /** Aborting stops the copy and removes what was written. */
  signal?: AbortSignal;
}

export const snapshotPath = (dataDir: string, id: string): string => join(dataDir, snapshotRelPath(id));

/** Snapshot ids end up in file names: only well-formed ones get that far. */
export function assertSnapshotId(id: unknown): asserts id is string {
  if (typeof id !== "string" || !isId("snap", id)) {
    throw invalidParameter("SnapshotId", `invalid snapshot id ${JSON.stringify(String(id).slice(0, 64))}`, "snapshot");
  }
}

/** The final path of a new snapshot, checked free, and its folder made. */
function newSnapshotPath(dataDir: string, id: string): string {
  assertSnapshotId(id);
  const path = snapshotPath(dataDir, id);
  if (existsSync(path)) throw conflict("snapshot", `the file of snapshot ${id} already exists`);
  mkdirSync(ebsPaths(dataDir).snapshotsDir, { recursive: true });
  rmSync(`${path}${CREATING}`, { force: true });
  return path;
}

/**
 * Snapshots volume `volumeId` (its qcow2 at `volumeFile`) into snapshots/<snapshotId>.qcow2. Resolves once the
 * content is fixed (startVolumeCopy): at once for a volume open in the storage daemon (a backup job; the guest goes
 * on writing), after the whole copy for one nobody has open (qemu-img convert, holding the file's lock meanwhile:
 * an attach in that time fails, so the caller attaches only once this resolved).
 */
export async function snapshotVolumeFile(
  daemon: StorageDaemon,
  dataDir: string,
  volumeId: string,
  volumeFile: string,
  snapshotId: string,
  opts: SnapshotOptions = {},
): Promise<SnapshotJob> {
  const path = newSnapshotPath(dataDir, snapshotId);
  const tmp = `${path}${CREATING}`;
  const release = (): Promise<unknown> => daemon.use((qmp) => closeUnexportedVolumeNodes(qmp, volumeId)).catch(() => undefined);
  let copy;
  try {
    copy = await startVolumeCopy(daemon, volumeId, volumeFile, tmp, { signal: opts.signal });
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  // A detach during the copy leaves the volume's nodes open for the job (unexportVolume): close them now.
  const landing = land(copy.done, tmp, path);
  const done = landing.done.finally(release);
  return { file: snapshotRelPath(snapshotId), done, progress: () => (landing.finished() ? 100 : Math.min(99, copy.progress())) };
}

/**
 * Copies a snapshot's file (relative to the data directory) into snapshots/<snapshotId>.qcow2: a file of its own
 * (a reflink where the filesystem offers one), so deleting either leaves the other whole. Starts at once.
 */
export function copySnapshotFile(dataDir: string, srcFile: string, snapshotId: string, opts: SnapshotOptions = {}): SnapshotJob {
  const src = resolve(dataDir, srcFile);
  const rel = relative(dataDir, src);
  if (isAbsolute(srcFile) || rel.startsWith("..") || isAbsolute(rel)) {
    throw invalidParameter("SourceSnapshotId", `the snapshot file ${srcFile} is not inside the data directory`, "snapshot");
  }
  if (!existsSync(src)) throw notFound("snapshot", `the file of the source snapshot is missing: ${srcFile}`, "SourceSnapshotId");
  const path = newSnapshotPath(dataDir, snapshotId);
  const tmp = `${path}${CREATING}`;
  const srcBytes = Math.max(1, allocatedBytesOf(src));
  const copied = new Promise<void>((ok, fail) => {
    // --sparse keeps unwritten runs holes; --reflink=auto shares extents on btrfs/xfs and copies elsewhere.
    execFile("cp", ["--reflink=auto", "--sparse=always", "--", src, tmp], { signal: opts.signal }, (err, _out, stderr) => {
      if (err) fail(new HiveError({ kind: "Internal", resource: "snapshot", message: `copying ${srcFile} failed: ${stderr.trim() || err.message}` }));
      else ok();
    });
  });
  const landing = land(copied, tmp, path);
  // The copy's allocation against the source's: a reflinked copy jumps from 0 to done.
  const progress = (): number => (landing.finished() ? 100 : Math.min(99, Math.floor((100 * allocatedBytesOf(tmp)) / srcBytes)));
  return { file: snapshotRelPath(snapshotId), done: landing.done, progress };
}

/** Once `copied` settles: the whole copy put in place (see finish), or the half-made `tmp` removed and the error passed on. */
function land(copied: Promise<unknown>, tmp: string, path: string): { done: Promise<SnapshotResult>; finished: () => boolean } {
  let finished = false;
  const done = copied
    .then(async () => {
      const result = await finish(tmp, path);
      finished = true;
      return result;
    })
    .catch((err: unknown) => {
      rmSync(tmp, { force: true });
      throw err;
    });
  return { done, finished: () => finished };
}

/**
 * Reads the finished copy's figures, makes it durable, then renames it into place: a snapshot that says `completed`
 * survives a power cut (the data reaches the disk before the name does, and the name before the answer).
 */
async function finish(tmp: string, path: string): Promise<SnapshotResult> {
  const info = await imageInfo(tmp);
  await syncPath(tmp);
  renameSync(tmp, path);
  await syncPath(dirname(path));
  return { sizeBytes: info.virtualSizeBytes, allocatedBytes: allocatedBytesOf(path) };
}

/**
 * Removes the snapshot's file unless a volume made from it still reads through it (its qcow2 backing file): then
 * the file stays, and returns false; sweepLeftovers takes it once no store row names it and nothing overlays it.
 */
export function deleteSnapshotFile(dataDir: string, id: string): boolean {
  assertSnapshotId(id);
  const path = snapshotPath(dataDir, id);
  if (!existsSync(path)) return true;
  if (backedFiles(dataDir).has(realPath(path))) return false;
  rmSync(path, { force: true });
  return true;
}

/** Real paths (symlinks resolved) of every file some qcow2 under volumes/, snapshots/ or images/ names as its backing. */
export function backedFiles(dataDir: string): Set<string> {
  const out = new Set<string>();
  const paths = ebsPaths(dataDir);
  for (const dir of [paths.volumesDir, paths.snapshotsDir, join(dataDir, "images")]) {
    for (const name of listDir(dir)) {
      const backing = qcow2Backing(join(dir, name));
      if (backing) out.add(realPath(backing));
    }
  }
  return out;
}

const listDir = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

/** The path with symlinks resolved, so two spellings of one file compare equal; as given when it cannot be. */
export const realPath = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};
