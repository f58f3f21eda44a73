// When a deregistered AMI's stored file may go: only once no volume overlays it any more.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { removeImageFile } from "../../images/index.ts";
import { isId } from "../shared/index.ts";
import type { Store } from "../../store/index.ts";

/**
 * Removes the stored file of a deregistered image once no volume (in any state but deleted) is backed by it.
 * Call it after deleting a volume whose row names an imageId, and after DeregisterImage; true when the file went.
 */
export async function releaseImageIfUnused(store: Pick<Store, "images" | "volumes">, dataDir: string, imageId: string): Promise<boolean> {
  const rec = store.images.get(imageId);
  if (rec?.state !== "deregistered") return false;
  if (store.volumes.countUsingImage(imageId) > 0) return false;
  await removeImageFile(dataDir, imageId);
  return true;
}

/** At start-up: releases the files of deregistered images whose last volume went while no one was looking. */
export async function releaseUnusedImages(store: Pick<Store, "images" | "volumes">, dataDir: string): Promise<string[]> {
  const released: string[] = [];
  for (const entry of await readdir(path.join(dataDir, "images")).catch(() => [] as string[])) {
    const id = entry.endsWith(".qcow2") ? entry.slice(0, -".qcow2".length) : "";
    if (isId("ami", id) && (await releaseImageIfUnused(store, dataDir, id))) released.push(id);
  }
  return released;
}
