// The rows of block storage beyond the volume itself: snapshots, volume modifications, and an AMI's extra devices.

export type SnapshotState = "pending" | "completed" | "error" | "deleted";

export interface SnapshotRecord {
  id: string; // snap-<17 hex>
  /** The volume it was taken of; EC2's "vol-ffffffff" for copies and snapshots made with an image. */
  volumeId: string;
  volumeSizeGiB: number;
  /** `deleted` rows stay while a volume still overlays their file, then go with it. */
  state: SnapshotState;
  stateMessage?: string;
  progress: number; // 0..100
  description: string;
  /** The standalone qcow2 holding it, relative to the data directory (an AMI's file for an image's snapshot). */
  file: string;
  allocatedBytes?: number;
  sourceSnapshotId?: string;
  clientToken?: string;
  node: string;
  ownerId: string;
  createdAt: string;
}

export type VolumeModificationState = "modifying" | "optimizing" | "completed" | "failed";

/** The latest modification of a volume (EC2 lists one per volume). */
export interface VolumeModificationRecord {
  volumeId: string;
  state: VolumeModificationState;
  statusMessage?: string;
  progress: number;
  originalSizeGiB: number;
  originalType: string;
  originalIops?: number;
  originalThroughput?: number;
  targetSizeGiB: number;
  targetType: string;
  targetIops?: number;
  targetThroughput?: number;
  startTime: string;
  endTime?: string;
}

/** A data volume an AMI makes at launch, besides its root volume (the image's own snapshot). */
export interface ImageBlockDeviceRecord {
  imageId: string;
  deviceName: string;
  snapshotId?: string;
  volumeSizeGiB: number;
  volumeType: string;
  iops?: number;
  throughput?: number;
  deleteOnTermination: boolean;
}
