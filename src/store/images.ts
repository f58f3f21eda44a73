// The images table behind ImageRepo: registered AMIs, whose names are unique among those not deregistered.

import type { Driver } from "./driver.ts";
import type { ImageBlockDeviceRecord } from "./ebs-records.ts";
import type { ImageRecord, ImageRepo, LaunchPermission } from "./records.ts";
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
const SET_DESCRIPTION = "UPDATE images SET description = ? WHERE id = ?";
const PERMISSIONS = `SELECT image_id, grantee_type, grantee FROM image_launch_permissions
  WHERE image_id IN (SELECT value FROM json_each(?)) ORDER BY image_id, grantee_type, grantee`;
const ADD_PERMISSION = `INSERT INTO image_launch_permissions (image_id, grantee_type, grantee) VALUES (?, ?, ?)
  ON CONFLICT DO NOTHING`;
const REMOVE_PERMISSION = "DELETE FROM image_launch_permissions WHERE image_id = ? AND grantee_type = ? AND grantee = ?";
// ISO-8601 text sorts in time order, so max() keeps the latest launch.
const RECORD_LAUNCH = `INSERT INTO image_launches (image_id, node, last_launched_at) VALUES (?, ?, ?)
  ON CONFLICT (image_id, node) DO UPDATE SET last_launched_at = max(last_launched_at, excluded.last_launched_at)`;
const LAST_LAUNCHED = "SELECT max(last_launched_at) AS at FROM image_launches WHERE image_id = ?";
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
    setDescription: (id, description) => void db.run(SET_DESCRIPTION, description, id),
    launchPermissions: (imageIds) => {
      const grouped = new Map<string, LaunchPermission[]>(imageIds.map((id) => [id, []]));
      if (imageIds.length === 0) return grouped;
      // "group" sorts before "user": the group all comes first, as EC2 lists it.
      for (const r of db.all<{ image_id: string; grantee_type: LaunchPermission["granteeType"]; grantee: string }>(PERMISSIONS, JSON.stringify(imageIds))) {
        grouped.get(r.image_id)?.push({ granteeType: r.grantee_type, grantee: r.grantee });
      }
      return grouped;
    },
    changeLaunchPermissions: (imageId, add, remove) =>
      db.transaction(() => {
        for (const p of add) db.run(ADD_PERMISSION, imageId, p.granteeType, p.grantee);
        for (const p of remove) db.run(REMOVE_PERMISSION, imageId, p.granteeType, p.grantee);
      }),
    recordLaunch: (imageId, node, at) => void db.run(RECORD_LAUNCH, imageId, node, at),
    lastLaunched: (imageId) => db.get<{ at: string | null }>(LAST_LAUNCHED, imageId)?.at ?? undefined,
  };
};
