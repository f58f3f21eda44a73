// Volume files: one qcow2 per volume under <dataDir>/volumes, blank or a copy-on-write overlay on an image.

import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { dirname, isAbsolute, join, relative } from "node:path";
import { HiveError, invalidParameter } from "../errors/index.ts";
import { isId } from "../runtime/index.ts";
import { ebsPaths, volumeRelPath } from "./paths.ts";
import { imageInfo, qemuImg, type ImageInfo } from "../images/index.ts";

export const GiB = 1024 ** 3;
/** EC2's gp3 limits. */
export const MIN_VOLUME_GIB = 1;
export const MAX_VOLUME_GIB = 16_384;

export interface CreateVolumeFileOptions {
  id: string;
  sizeGiB: number;
  /** Absolute path of the image the volume starts from; reads fall through to it until a block is written. */
  backingFile?: string;
  /** "qcow2" or "raw"; default: what qemu-img info says the backing file is. */
  backingFormat?: string;
}

export interface VolumeFile {
  id: string;
  /** Absolute path of the qcow2. */
  path: string;
  /** Relative to the data directory, as VolumeRecord.file keeps it. */
  file: string;
  /** Never smaller than the backing image: a root volume holds at least the whole AMI. */
  sizeGiB: number;
}

export function volumePath(dataDir: string, id: string): string {
  return join(dataDir, volumeRelPath(id));
}

/** Creates <dataDir>/volumes/<id>.qcow2; fails with Conflict if it exists. */
export async function createVolumeFile(dataDir: string, opts: CreateVolumeFileOptions): Promise<VolumeFile> {
  assertVolumeId(opts.id);
  if (!Number.isInteger(opts.sizeGiB) || opts.sizeGiB < MIN_VOLUME_GIB || opts.sizeGiB > MAX_VOLUME_GIB) {
    throw invalidParameter("Size", `volume size must be a whole number of GiB from ${MIN_VOLUME_GIB} to ${MAX_VOLUME_GIB}, not ${opts.sizeGiB}`, "volume");
  }
  const path = volumePath(dataDir, opts.id);
  if (existsSync(path)) throw new HiveError({ kind: "Conflict", resource: "volume", message: `volume file for ${opts.id} already exists` });
  mkdirSync(ebsPaths(dataDir).volumesDir, { recursive: true });

  let sizeGiB = opts.sizeGiB;
  const args = ["create", "-q", "-f", "qcow2"];
  if (opts.backingFile !== undefined) {
    if (!isAbsolute(opts.backingFile)) throw new Error(`backing file must be an absolute path: ${opts.backingFile}`);
    const backing = await imageInfo(opts.backingFile);
    sizeGiB = Math.max(sizeGiB, Math.ceil(backing.virtualSizeBytes / GiB));
    // Relative to the overlay's folder, so a data directory that moves keeps its volumes working.
    args.push("-b", relative(dirname(path), opts.backingFile), "-F", opts.backingFormat ?? backing.format);
  }
  // Written beside its final name and renamed, so a half-made file is never taken for a volume.
  const tmp = `${path}.creating`;
  rmSync(tmp, { force: true });
  try {
    await qemuImg([...args, tmp, `${sizeGiB}G`]);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return { id: opts.id, path, file: volumeRelPath(opts.id), sizeGiB };
}

/** Removes the volume's file; nothing to remove is fine. */
/** Asynchronous: unlinking a large file (its page cache freed with it) can take seconds, which must not stall the process. */
export async function deleteVolumeFile(dataDir: string, id: string): Promise<void> {
  assertVolumeId(id);
  await rm(volumePath(dataDir, id), { force: true });
}

/** What qemu-img reports about a volume (or any image) file. */
export function volumeInfo(file: string): Promise<ImageInfo> {
  return imageInfo(file);
}

/** Volume ids end up in file names, QMP node names and NBD URIs: only well-formed ones get that far. */
export function assertVolumeId(id: unknown): asserts id is string {
  if (typeof id !== "string" || !isId("vol", id)) {
    throw invalidParameter("VolumeId", `invalid volume id ${JSON.stringify(String(id).slice(0, 64))}`, "volume");
  }
}
