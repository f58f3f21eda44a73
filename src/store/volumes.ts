// The volumes table behind VolumeRepo: EBS volumes, their backing image and their attachment.

import type { Driver } from "./driver.ts";
import type { VolumeRecord, VolumeRepo } from "./records.ts";
import { defineTable } from "./table.ts";

const table = defineTable<VolumeRecord>("volumes", {
  id: "id",
  sizeGiB: "size_gib",
  volumeType: "volume_type",
  state: "state",
  az: "az",
  node: "node",
  file: "file",
  imageId: "image_id",
  snapshotId: "snapshot_id",
  createdAt: "created_at",
  instanceId: "instance_id",
  device: "device",
  attachTime: "attach_time",
  deleteOnTermination: { bool: "delete_on_termination" },
  iops: "iops",
  throughput: "throughput",
  clientToken: "client_token",
  autoEnableIo: { bool: "auto_enable_io" },
  attachState: "attach_state",
});

const GET = `${table.select} WHERE id = ?`;
const BY_IDS = `${table.select} WHERE id IN (SELECT value FROM json_each(?))`;
const LIST = `${table.select} WHERE state != 'deleted' ORDER BY id`;
const FOR_INSTANCE = `${table.select} WHERE instance_id = ? ORDER BY id`;
const FOR_INSTANCES = `${table.select} WHERE instance_id IN (SELECT value FROM json_each(?)) ORDER BY id`;
const COUNT_USING_IMAGE = "SELECT count(*) AS n FROM volumes WHERE image_id = ? AND state != 'deleted'";
const BY_TOKEN = `${table.select} WHERE client_token = ?`;
const EXISTS = "SELECT 1 AS found FROM volumes WHERE id = ?";

export const volumeRepo = (db: Driver): VolumeRepo => {
  return {
    insert: (volume) => void db.run(table.insert, ...table.params(volume)),
    get: (id) => table.one(db, GET, id),
    getMany: (ids) => {
      const byId = new Map<string, VolumeRecord>();
      if (ids.length === 0) return byId;
      for (const v of table.many(db, BY_IDS, JSON.stringify(ids))) byId.set(v.id, v);
      return byId;
    },
    list: () => table.many(db, LIST),
    update: (id, patch) => {
      const stmt = table.update(id, patch);
      if (!stmt) return db.get(EXISTS, id) !== undefined;
      return db.run(stmt.sql, ...stmt.params).changes > 0;
    },
    forInstance: (instanceId) => table.many(db, FOR_INSTANCE, instanceId),
    forInstances: (instanceIds) => (instanceIds.length === 0 ? [] : table.many(db, FOR_INSTANCES, JSON.stringify(instanceIds))),
    countUsingImage: (imageId) => db.get<{ n: number }>(COUNT_USING_IMAGE, imageId)?.n ?? 0,
    byClientToken: (token) => table.one(db, BY_TOKEN, token),
  };
};
