// An AMI's root device is a snapshot, as on EC2: the snapshot row shares the image's file, so DescribeImages names it,
// DeleteSnapshot refuses it while the image lives, and it outlives a DeregisterImage.
import type { BlockDeviceMapping } from "@aws-sdk/client-ec2";
import { invalidParameter, notFound } from "../../errors/index.ts";
import type { ImageBlockDeviceRecord, SnapshotRecord, Store } from "../../store/index.ts";
import { assertIds, newId, type DaemonContext } from "../shared/index.ts";

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

/**
 * At start-up: available images from before snapshots get theirs; the ids made. Only the node holding an image's
 * file records its snapshot (another member's image comes with the snapshot its holder recorded).
 */
export function ensureImageSnapshots(ctx: DaemonContext, store: Store): string[] {
  const made: string[] = [];
  for (const image of store.images.list()) {
    if (image.state !== "available" || image.snapshotId || image.node !== ctx.node) continue;
    store.transaction(() => {
      const id = recordImageSnapshot(ctx, store, image.id, { description: `Created for ${image.id}` });
      if (id) made.push(id);
    });
  }
  return made;
}

const DATA_DEVICE = /^\/dev\/(?:sd|xvd)[b-z]$/;
const VOLUME_TYPES = ["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"];
const bad = (message: string) => invalidParameter("BlockDeviceMapping", message, "block-device-mapping");

function completedSnapshot(store: Store, id: string): SnapshotRecord {
  assertIds("snap", [id], "BlockDeviceMapping.Ebs.SnapshotId");
  const snap = store.snapshots.get(id);
  if (!snap || snap.state === "deleted") throw notFound("snapshot", `The snapshot '${id}' does not exist.`, "BlockDeviceMapping.Ebs.SnapshotId");
  if (snap.state !== "completed") throw bad(`Snapshot '${id}' is ${snap.state}; an image can be made of a completed snapshot only`);
  return snap;
}

/** RegisterImage's BlockDeviceMappings: the root device's snapshot (when mapped) and the data devices, checked. */
export function imageMappings(store: Store, mappings: BlockDeviceMapping[] | undefined, rootDeviceName: string) {
  let root: SnapshotRecord | undefined;
  let rootSizeGiB: number | undefined;
  const devices: Array<Omit<ImageBlockDeviceRecord, "imageId">> = [];
  const seen = new Set<string>();
  for (const m of mappings ?? []) {
    const device = m.DeviceName ?? "";
    if (seen.has(device)) throw bad(`${device} is mapped twice`);
    seen.add(device);
    if (m.VirtualName) throw bad(`Hive has no instance store volumes: ${device} cannot map ${m.VirtualName}`);
    if (m.NoDevice !== undefined) continue;
    const ebs = m.Ebs;
    if (!ebs) throw bad(`The mapping for ${device} must give Ebs`);
    if (ebs.Encrypted || ebs.KmsKeyId) throw bad("Hive does not encrypt volumes yet: leave Encrypted and KmsKeyId out");
    const type = ebs.VolumeType ?? "gp3";
    if (!VOLUME_TYPES.includes(type)) throw invalidParameter("VolumeType", `Value (${type}) for parameter volumeType is invalid. Valid values: ${VOLUME_TYPES.join(", ")}.`);
    const snap = ebs.SnapshotId !== undefined ? completedSnapshot(store, ebs.SnapshotId) : undefined;
    const size = ebs.VolumeSize ?? snap?.volumeSizeGiB;
    if (size === undefined) throw bad(`The mapping for ${device} must give Ebs.VolumeSize or Ebs.SnapshotId`);
    if (!Number.isInteger(size) || size < 1 || size > 16_384) throw bad(`Volume of size ${size}GB is out of range (1-16384)`);
    if (snap && size < snap.volumeSizeGiB) throw bad(`Volume of size ${size}GB is smaller than snapshot '${snap.id}', expect size >= ${snap.volumeSizeGiB}GB`);
    if (device === rootDeviceName) {
      if (!snap) throw bad(`The root device ${device} must be a snapshot (Ebs.SnapshotId)`);
      root = snap;
      rootSizeGiB = size;
      continue;
    }
    if (!DATA_DEVICE.test(device)) throw bad(`Invalid device name ${device.slice(0, 64)}: use /dev/sd[b-z] or /dev/xvd[b-z]`);
    devices.push({ deviceName: device, snapshotId: snap?.id, volumeSizeGiB: size, volumeType: type, iops: ebs.Iops, throughput: ebs.Throughput, deleteOnTermination: ebs.DeleteOnTermination ?? true });
  }
  return { root, rootSizeGiB, devices };
}
