// An AMI's root device is a snapshot, as on EC2: the snapshot row shares the image's file, so DescribeImages names it,
// DeleteSnapshot refuses it while the image lives, and it outlives a DeregisterImage.
import type { Store } from "../../store/index.ts";
import { newId, type DaemonContext } from "../shared/index.ts";

/** EC2's volume id for snapshots that were not taken of a volume (copies, an imported image's). */
export const NO_VOLUME = "vol-ffffffff";
const GiB = 1024 ** 3;

/** Records the snapshot behind an available image's root device unless it has one; its id. Call it inside the transaction making the image available. */
export function recordImageSnapshot(ctx: DaemonContext, store: Store, imageId: string, origin: { volumeId?: string; description: string }): string | undefined {
  const image = store.images.get(imageId);
  if (!image) return undefined;
  if (image.snapshotId) return image.snapshotId;
  const id = newId("snap");
  store.snapshots.insert({
    id,
    volumeId: origin.volumeId ?? NO_VOLUME,
    volumeSizeGiB: Math.max(1, Math.ceil(image.sizeBytes / GiB)),
    state: "completed",
    progress: 100,
    description: origin.description,
    file: image.file,
    node: ctx.node,
    ownerId: ctx.accountId,
    createdAt: new Date().toISOString(),
  });
  store.images.setSnapshot(imageId, id);
  return id;
}

/** At start-up: available images from before snapshots get theirs; the ids made. */
export function ensureImageSnapshots(ctx: DaemonContext, store: Store): string[] {
  const made: string[] = [];
  for (const image of store.images.list()) {
    if (image.state !== "available" || image.snapshotId) continue;
    store.transaction(() => {
      const id = recordImageSnapshot(ctx, store, image.id, { description: `Created for ${image.id}` });
      if (id) made.push(id);
    });
  }
  return made;
}
