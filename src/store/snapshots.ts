// The snapshots and volume_modifications tables, and the one question every file removal asks: does a row still need it?

import type { Driver } from "./driver.ts";
import type { SnapshotRecord, VolumeModificationRecord } from "./ebs-records.ts";
import type { Patch, TagRecord } from "./records.ts";
import { defineTable } from "./table.ts";
import { resourceRepo } from "./resource-repo.ts";

const snapshots = defineTable<SnapshotRecord>("snapshots", {
  id: "id",
  volumeId: "volume_id",
  volumeSizeGiB: "volume_size_gib",
  state: "state",
  stateMessage: "state_message",
  progress: "progress",
  description: "description",
  file: "file",
  allocatedBytes: "allocated_bytes",
  sourceSnapshotId: "source_snapshot_id",
  clientToken: "client_token",
  node: "node",
  ownerId: "owner_id",
  createdAt: "created_at",
});

const modifications = defineTable<VolumeModificationRecord>(
  "volume_modifications",
  {
    volumeId: "volume_id",
    state: "state",
    statusMessage: "status_message",
    progress: "progress",
    originalSizeGiB: "original_size_gib",
    originalType: "original_type",
    originalIops: "original_iops",
    originalThroughput: "original_throughput",
    targetSizeGiB: "target_size_gib",
    targetType: "target_type",
    targetIops: "target_iops",
    targetThroughput: "target_throughput",
    startTime: "start_time",
    endTime: "end_time",
  },
  "volume_id",
);

export interface SnapshotRepo {
  /** Inserts the snapshot and its tags in one transaction. */
  insert(snapshot: SnapshotRecord, tags?: TagRecord[]): void;
  get(id: string): SnapshotRecord | undefined;
  /** Snapshots not deleted, ordered by id. */
  list(): SnapshotRecord[];
  /** Every row, deleted ones included (start-up repair). */
  all(): SnapshotRecord[];
  update(id: string, patch: Patch<Omit<SnapshotRecord, "id">>): boolean;
  byClientToken(token: string): SnapshotRecord | undefined;
  /** Drops a deleted snapshot's row and tags once its file is gone. */
  forget(id: string): void;
  /**
   * Whether a live row still needs this file (relative to the data directory): an image not deregistered, a
   * snapshot not deleted, or a volume not deleted that overlays the file of either.
   */
  fileInUse(file: string): boolean;
  readonly modifications: VolumeModificationRepo;
}

export interface VolumeModificationRepo {
  /** Records the volume's latest modification, replacing the one before. */
  put(mod: VolumeModificationRecord): void;
  get(volumeId: string): VolumeModificationRecord | undefined;
  list(): VolumeModificationRecord[];
  update(volumeId: string, patch: Patch<Omit<VolumeModificationRecord, "volumeId">>): boolean;
}

const LIST = `${snapshots.select} WHERE state != 'deleted' ORDER BY id`;
const BY_TOKEN = `${snapshots.select} WHERE client_token = ?`;
const FILE_IN_USE = `SELECT
    EXISTS (SELECT 1 FROM images WHERE file = ? AND state != 'deregistered')
    OR EXISTS (SELECT 1 FROM snapshots WHERE file = ? AND state != 'deleted')
    OR EXISTS (SELECT 1 FROM volumes WHERE state != 'deleted' AND (
         image_id IN (SELECT id FROM images WHERE file = ?) OR snapshot_id IN (SELECT id FROM snapshots WHERE file = ?)))
  AS used`;
const MOD_GET = `${modifications.select} WHERE volume_id = ?`;
const MOD_LIST = `${modifications.select} ORDER BY volume_id`;
const MOD_PUT = modifications.insert.replace(/^INSERT INTO/, "INSERT OR REPLACE INTO");

export const snapshotRepo = (db: Driver): SnapshotRepo => {
  const rows = resourceRepo(db, "snapshots", snapshots);
  return {
    insert: rows.insert,
    get: rows.get,
    list: () => snapshots.many(db, LIST),
    all: rows.list,
    update: rows.update,
    byClientToken: (token) => snapshots.one(db, BY_TOKEN, token),
    forget: (id) =>
      db.transaction(() => {
        db.run("DELETE FROM tags WHERE resource_id = ?", id);
        db.run("DELETE FROM snapshots WHERE id = ? AND state = 'deleted'", id);
      }),
    fileInUse: (file) => (db.get<{ used: number }>(FILE_IN_USE, file, file, file, file)?.used ?? 0) === 1,
    modifications: {
      put: (mod) => void db.run(MOD_PUT, ...modifications.params(mod)),
      get: (volumeId) => modifications.one(db, MOD_GET, volumeId),
      list: () => modifications.many(db, MOD_LIST),
      update: (volumeId, patch) => {
        const u = modifications.update(volumeId, patch);
        if (!u) return modifications.one(db, MOD_GET, volumeId) !== undefined;
        return db.run(u.sql, ...u.params).changes > 0;
      },
    },
  };
};
