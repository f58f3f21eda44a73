// The images table behind ImageRepo: registered AMIs, whose names are unique among those not deregistered.

import type { Driver } from "./driver.ts";
import type { ImageBlockDeviceRecord } from "./ebs-records.ts";
import type { ImageRecord, ImageRepo } from "./records.ts";
import { defineTable } from "./table.ts";

const table = defineTable<ImageRecord>("images", {
  id: "id",
  name: "name",
  description: "description",
  state: "state",
  architecture: "architecture",
  rootDeviceName: "root_device_name",
  sizeBytes: "size_bytes",
  file: "file",
  source: "source",
  node: "node",
  ownerId: "owner_id",
  createdAt: "created_at",
  snapshotId: "snapshot_id",
});

const devices = defineTable<ImageBlockDeviceRecord>("image_block_devices", {
  imageId: "image_id",
  deviceName: "device_name",
  snapshotId: "snapshot_id",
  volumeSizeGiB: "volume_size_gib",
  volumeType: "volume_type",
  iops: "iops",
  throughput: "throughput",
  deleteOnTermination: { bool: "delete_on_termination" },
}, "image_id");

// SQL texts are fixed here so the driver's per-text statement cache prepares each once.
const GET = `${table.select} WHERE id = ?`;
// The `state != 'deregistered'` term matches the partial unique index, so the planner can use it.
const BY_NAME = `${table.select} WHERE name = ? AND state != 'deregistered'`;
const LIST = `${table.select} WHERE state != 'deregistered' ORDER BY id`;
const SET_STATE = "UPDATE images SET state = ? WHERE id = ?";
const SET_SIZE = "UPDATE images SET size_bytes = ? WHERE id = ?";
const SET_SNAPSHOT = "UPDATE images SET snapshot_id = ? WHERE id = ?";
const DEVICES = `${devices.select} WHERE image_id = ? ORDER BY device_name`;
const USING_SNAPSHOT = `SELECT id FROM images WHERE state != 'deregistered' AND (snapshot_id = ?
  OR id IN (SELECT image_id FROM image_block_devices WHERE snapshot_id = ?)) ORDER BY id`;

export const imageRepo = (db: Driver): ImageRepo => {
  return {
    insert: (image) => void db.run(table.insert, ...table.params(image)),
    get: (id) => table.one(db, GET, id),
    byName: (name) => table.one(db, BY_NAME, name),
    list: () => table.many(db, LIST),
    setState: (id, state) => void db.run(SET_STATE, state, id),
    setSize: (id, sizeBytes) => void db.run(SET_SIZE, sizeBytes, id),
    setSnapshot: (id, snapshotId) => void db.run(SET_SNAPSHOT, snapshotId, id),
    blockDevices: (imageId) => devices.many(db, DEVICES, imageId),
    putBlockDevices: (rows) => db.transaction(() => rows.forEach((r) => db.run(devices.insert, ...devices.params(r)))),
    usingSnapshot: (snapshotId) => db.all<{ id: string }>(USING_SNAPSHOT, snapshotId, snapshotId).map((r) => r.id),
  };
};
