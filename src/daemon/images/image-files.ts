// When a stored disk file may go: an AMI's, a snapshot's, or both (an image's root snapshot shares its file). Only once
// no live image, snapshot or volume needs it: a deregistered AMI or deleted snapshot waits for its last overlay.
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { isId } from "../shared/index.ts";
import type { Store } from "../../store/index.ts";
import { DIGEST_SUFFIX } from "./file-digest.ts";

type FileStore = Pick<Store, "images" | "volumes" | "snapshots">;

/**
 * Removes `file` (relative to the data directory) and its recorded digest when no row needs it any more, and forgets
 * the deleted snapshot rows that were kept only for it; true when the file went.
 */
export async function releaseFileIfUnused(store: FileStore, dataDir: string, file: string): Promise<boolean> {
  if (store.snapshots.fileInUse(file)) return false;
  await rm(path.join(dataDir, file), { force: true });
  await rm(path.join(dataDir, `${file}${DIGEST_SUFFIX}`), { force: true });
  for (const s of store.snapshots.all()) if (s.state === "deleted" && s.file === file) store.snapshots.forget(s.id);
  return true;
}

/** Releases a deregistered image's file (see releaseFileIfUnused); call it after a volume overlaying it went, and after DeregisterImage. */
export async function releaseImageIfUnused(store: FileStore, dataDir: string, imageId: string): Promise<boolean> {
  const rec = store.images.get(imageId);
  if (rec?.state !== "deregistered") return false;
  return releaseFileIfUnused(store, dataDir, rec.file);
}

/** After a volume went: the image and snapshot files it overlaid may be free now. */
export async function releaseBackingOf(store: FileStore, dataDir: string, volume: { imageId?: string; snapshotId?: string }): Promise<void> {
  if (volume.imageId) await releaseImageIfUnused(store, dataDir, volume.imageId);
  const snap = volume.snapshotId ? store.snapshots.get(volume.snapshotId) : undefined;
  if (snap?.state === "deleted") await releaseFileIfUnused(store, dataDir, snap.file);
}

/** At start-up: releases the files of deregistered images and deleted snapshots whose last user went while no one was looking. */
export async function releaseUnusedFiles(store: FileStore, dataDir: string): Promise<string[]> {
  const released: string[] = [];
  for (const entry of await readdir(path.join(dataDir, "images")).catch(() => [] as string[])) {
    const id = entry.endsWith(".qcow2") ? entry.slice(0, -".qcow2".length) : "";
    if (isId("ami", id) && (await releaseImageIfUnused(store, dataDir, id))) released.push(id);
  }
  for (const s of store.snapshots.all()) {
    if (s.state === "deleted" && (await releaseFileIfUnused(store, dataDir, s.file))) released.push(s.id);
  }
  return released;
}
