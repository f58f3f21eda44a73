// Volume, snapshot and modification rows as EC2 describes them.
import type { Snapshot, Volume, VolumeAttachment, VolumeModification, VolumeStatusItem } from "@aws-sdk/client-ec2";
import type { SnapshotRecord, TagRecord, VolumeModificationRecord, VolumeRecord } from "../../store/index.ts";
import { tagsView } from "../shared/index.ts";
import { performanceOf, reportsIops, reportsThroughput, shapeOf } from "./volume-types.ts";

/** The attachment as EC2 shows it, while the volume has one. */
export function attachmentView(v: VolumeRecord): VolumeAttachment | undefined {
  if (!v.instanceId || v.state !== "in-use") return undefined;
  return {
    VolumeId: v.id,
    InstanceId: v.instanceId,
    Device: v.device,
    State: v.attachState ?? "attached",
    AttachTime: new Date(v.attachTime ?? v.createdAt),
    DeleteOnTermination: v.deleteOnTermination,
  };
}

export function volumeView(v: VolumeRecord, tags: TagRecord[] | undefined): Volume {
  const perf = performanceOf(shapeOf(v));
  const attachment = attachmentView(v);
  return {
    VolumeId: v.id,
    Size: v.sizeGiB,
    SnapshotId: v.snapshotId ?? "",
    AvailabilityZone: v.az,
    State: v.state === "deleted" ? "deleted" : (v.state as Volume["State"]),
    CreateTime: new Date(v.createdAt),
    Attachments: attachment ? [attachment] : [],
    VolumeType: v.volumeType as Volume["VolumeType"],
    ...(reportsIops(v.volumeType) ? { Iops: perf.iops } : {}),
    ...(reportsThroughput(v.volumeType) ? { Throughput: perf.throughputMiBps } : {}),
    Encrypted: false,
    MultiAttachEnabled: false,
    Tags: tagsView(tags),
  };
}

export function snapshotView(s: SnapshotRecord, tags: TagRecord[] | undefined): Snapshot {
  return {
    SnapshotId: s.id,
    VolumeId: s.volumeId,
    VolumeSize: s.volumeSizeGiB,
    State: s.state === "deleted" ? "error" : s.state,
    ...(s.stateMessage ? { StateMessage: s.stateMessage } : {}),
    Progress: `${s.progress}%`,
    StartTime: new Date(s.createdAt),
    Description: s.description,
    OwnerId: s.ownerId,
    Encrypted: false,
    StorageTier: "standard",
    ...(s.allocatedBytes !== undefined ? { FullSnapshotSizeInBytes: s.allocatedBytes } : {}),
    Tags: tagsView(tags),
  };
}

export function modificationView(m: VolumeModificationRecord): VolumeModification {
  return {
    VolumeId: m.volumeId,
    ModificationState: m.state,
    ...(m.statusMessage ? { StatusMessage: m.statusMessage } : {}),
    Progress: m.progress,
    StartTime: new Date(m.startTime),
    ...(m.endTime ? { EndTime: new Date(m.endTime) } : {}),
    OriginalSize: m.originalSizeGiB,
    OriginalVolumeType: m.originalType as VolumeModification["OriginalVolumeType"],
    TargetSize: m.targetSizeGiB,
    TargetVolumeType: m.targetType as VolumeModification["TargetVolumeType"],
    ...(m.originalIops !== undefined ? { OriginalIops: m.originalIops } : {}),
    ...(m.targetIops !== undefined ? { TargetIops: m.targetIops } : {}),
    ...(m.originalThroughput !== undefined ? { OriginalThroughput: m.originalThroughput } : {}),
    ...(m.targetThroughput !== undefined ? { TargetThroughput: m.targetThroughput } : {}),
    OriginalMultiAttachEnabled: false,
    TargetMultiAttachEnabled: false,
  };
}

/** DescribeVolumeStatus: I/O is never suspended on Hive (no consistency checks stop it), so a usable volume is ok. */
export function volumeStatusView(v: VolumeRecord): VolumeStatusItem {
  const usable = v.state === "available" || v.state === "in-use";
  return {
    VolumeId: v.id,
    AvailabilityZone: v.az,
    VolumeStatus: {
      Status: usable ? "ok" : v.state === "error" ? "impaired" : "insufficient-data",
      Details: [
        { Name: "io-enabled", Status: usable ? "passed" : v.state === "error" ? "failed" : "not-applicable" },
        { Name: "io-performance", Status: "not-applicable" },
      ],
    },
    Actions: [],
    Events: [],
  };
}
