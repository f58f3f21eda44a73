// Block storage (EBS): volume files, their NBD exports from one long-lived qemu-storage-daemon, and its bus service.

export {
  startBlockService,
  type BlockService,
  type BlockServiceOptions,
  type CreateRootVolumeOptions,
  type CreateVolumeOptions,
  type UnmountOptions,
} from "./service.ts";
export { clearStaleCopies, startVolumeCopy, type VolumeCopy, type VolumeCopyOptions } from "./volume-copy.ts";
export { requestMount, requestUnmount } from "./client.ts";
export {
  ensureStorageDaemon,
  StorageDaemon,
  type StorageDaemonOptions,
  type StorageDaemonReadyInfo,
  type WantedExport,
} from "./storage-daemon.ts";
export { exportVolume, exportedVolumeIds, nbdLocation, unexportVolume, volumeNodeOptions, type UnexportOptions } from "./exports.ts";
export {
  assertVolumeId,
  createVolumeFile,
  deleteVolumeFile,
  volumeInfo,
  volumePath,
  GiB,
  MAX_VOLUME_GIB,
  MIN_VOLUME_GIB,
  type CreateVolumeFileOptions,
  type VolumeFile,
} from "./volumes.ts";
export type { ImageInfo } from "../images/index.ts";
export { ebsPaths, snapshotRelPath, volumeRelPath, type EbsPaths } from "./paths.ts";
export { assertSnapshotId, snapshotPath, type SnapshotJob, type SnapshotOptions, type SnapshotResult } from "./snapshots.ts";
export { defaultHeadroomBytes, type FileGroupUsage, type StorageUsage } from "./storage-usage.ts";
export type { KnownFiles } from "./sweep.ts";
