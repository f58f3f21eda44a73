// The volumes RunInstances makes: the root volume (an overlay on the AMI) and data volumes from the AMI's own mappings
// and the call's BlockDeviceMappings (blank, or from a snapshot), merged by device name as EC2 does: the call wins.
import type { BlockDeviceMapping } from "@aws-sdk/client-ec2";
import { invalidParameter, notFound } from "../../errors/index.ts";
import type { ImageRecord, Store, VolumeRecord } from "../../store/index.ts";
import { assertIds } from "../shared/index.ts";
import { checkVolumeShape, volumeType, type VolumeShape } from "./volume-types.ts";

const GiB = 1024 ** 3;
/** Names a mapping may give the root device by. */
const ROOT_ALIASES = ["/dev/xvda", "/dev/sda1"];
const DATA_DEVICE = /^\/dev\/(?:sd|xvd)[b-z]$/;

export interface PlannedVolume extends VolumeShape {
  device: string;
  snapshotId?: string;
  deleteOnTermination: boolean;
}

export interface LaunchVolumes {
  root: PlannedVolume;
  data: PlannedVolume[];
}

const bad = (message: string) => invalidParameter("BlockDeviceMapping", message, "block-device-mapping");

/** Checks the mappings against the image and the snapshots this node holds; nothing is made yet. */
export function planLaunchVolumes(store: Store, image: ImageRecord, mappings: BlockDeviceMapping[] | undefined): LaunchVolumes {
  const imageGiB = Math.max(1, Math.ceil(image.sizeBytes / GiB));
  const rootName = image.rootDeviceName || "/dev/xvda";
  let root: PlannedVolume = { device: rootName, type: "gp3", sizeGiB: imageGiB, snapshotId: image.snapshotId, deleteOnTermination: true };
  const data = new Map<string, PlannedVolume>();
  for (const d of store.images.blockDevices(image.id)) {
    data.set(d.deviceName, {
      device: d.deviceName,
      type: volumeType(d.volumeType),
      sizeGiB: d.volumeSizeGiB,
      iops: d.iops,
      throughput: d.throughput,
      snapshotId: d.snapshotId,
      deleteOnTermination: d.deleteOnTermination,
    });
  }
  for (const m of mappings ?? []) {
    const device = m.DeviceName ?? "";
    if (m.VirtualName) throw bad(`Hive has no instance store volumes: ${device} cannot map ${m.VirtualName}`);
    const isRoot = device === rootName || ROOT_ALIASES.includes(device);
    if (m.NoDevice !== undefined) {
      if (isRoot) throw bad(`The root device ${device} cannot be suppressed`);
      data.delete(device);
      continue;
    }
    const ebs = m.Ebs;
    if (!ebs) throw bad(`The mapping for ${device} must give Ebs (or NoDevice)`);
    if (ebs.Encrypted || ebs.KmsKeyId) throw bad("Hive does not encrypt volumes yet: leave Encrypted and KmsKeyId out");
    if (isRoot) {
      if (ebs.SnapshotId !== undefined && ebs.SnapshotId !== image.snapshotId) throw bad(`The root device's snapshot is the image's (${image.snapshotId ?? "none"})`);
      const sizeGiB = ebs.VolumeSize ?? root.sizeGiB;
      if (sizeGiB < imageGiB) throw bad(`Volume of size ${sizeGiB}GB is smaller than snapshot, expect size >= ${imageGiB}GB`);
      root = {
        ...root,
        ...checkVolumeShape({ type: volumeType(ebs.VolumeType ?? root.type), sizeGiB, iops: ebs.Iops, throughput: ebs.Throughput }),
        deleteOnTermination: ebs.DeleteOnTermination ?? root.deleteOnTermination,
      };
      continue;
    }
    if (!DATA_DEVICE.test(device)) throw bad(`Invalid device name ${device.slice(0, 64)}: use /dev/sd[b-z] or /dev/xvd[b-z]`);
    const before = data.get(device);
    let snapshotId = ebs.SnapshotId ?? before?.snapshotId;
    let minGiB = 1;
    if (ebs.SnapshotId !== undefined) {
      assertIds("snap", [ebs.SnapshotId], "BlockDeviceMapping.Ebs.SnapshotId");
      const snap = store.snapshots.get(ebs.SnapshotId);
      if (!snap || snap.state === "deleted") throw notFound("snapshot", `The snapshot '${ebs.SnapshotId}' does not exist.`, "BlockDeviceMapping.Ebs.SnapshotId");
      if (snap.state !== "completed") throw bad(`Snapshot '${snap.id}' is ${snap.state}; a volume can be made of a completed snapshot only`);
      snapshotId = snap.id;
      minGiB = snap.volumeSizeGiB;
    }
    const sizeGiB = ebs.VolumeSize ?? before?.sizeGiB ?? (snapshotId ? store.snapshots.get(snapshotId)?.volumeSizeGiB : undefined);
    if (sizeGiB === undefined) throw bad(`The mapping for ${device} must give Ebs.VolumeSize or Ebs.SnapshotId`);
    if (sizeGiB < minGiB) throw bad(`Volume of size ${sizeGiB}GB is smaller than snapshot '${snapshotId}', expect size >= ${minGiB}GB`);
    data.set(device, {
      device,
      ...checkVolumeShape({ type: volumeType(ebs.VolumeType ?? before?.type), sizeGiB, iops: ebs.Iops ?? before?.iops, throughput: ebs.Throughput ?? before?.throughput }),
      snapshotId,
      deleteOnTermination: ebs.DeleteOnTermination ?? before?.deleteOnTermination ?? true,
    });
  }
  const slots = new Set<string>();
  for (const d of data.keys()) {
    const slot = d.replace(/^\/dev\/(?:sd|xvd)/, "");
    if (slots.has(slot)) throw bad(`Two mappings name the same attachment point (${d})`);
    slots.add(slot);
  }
  return { root, data: [...data.values()].sort((a, b) => a.device.localeCompare(b.device)) };
}

/** The rows of one instance's planned volumes, all `creating` (their files are made at launch). */
export function launchVolumeRows(plan: LaunchVolumes, image: ImageRecord, base: { instanceId: string; rootVolumeId: string; az: string; node: string; at: string }, newVolumeId: () => string): VolumeRecord[] {
  const row = (v: PlannedVolume, id: string, extra: Partial<VolumeRecord>): VolumeRecord => ({
    id,
    sizeGiB: v.sizeGiB,
    volumeType: v.type,
    iops: v.iops,
    throughput: v.throughput,
    state: "creating",
    az: base.az,
    node: base.node,
    file: `volumes/${id}.qcow2`,
    snapshotId: v.snapshotId,
    createdAt: base.at,
    instanceId: base.instanceId,
    device: v.device,
    attachTime: base.at,
    attachState: "attached",
    deleteOnTermination: v.deleteOnTermination,
    ...extra,
  });
  return [row(plan.root, base.rootVolumeId, { imageId: image.id }), ...plan.data.map((v) => row(v, newVolumeId(), {}))];
}
