// The instances table behind InstanceRepo: every VM this node launched, until terminated rows are purged.

import type { Driver } from "./driver.ts";
import type { InstanceRecord, InstanceRepo } from "./records.ts";
import { defineTable } from "./table.ts";
import { tagRepo } from "./tags.ts";
import { volumeRepo } from "./volumes.ts";

const table = defineTable<InstanceRecord>("instances", {
  id: "id",
  reservationId: "reservation_id",
  ownerId: "owner_id",
  requesterId: "requester_id",
  imageId: "image_id",
  instanceType: "instance_type",
  state: "state",
  stateReasonCode: "state_reason_code",
  stateReasonMessage: "state_reason_message",
  stateTransitionReason: "state_transition_reason",
  keyName: "key_name",
  userData: "user_data",
  launchTime: "launch_time",
  az: "az",
  node: "node",
  vcpus: "vcpus",
  memoryMiB: "memory_mib",
  shutdownBehavior: "shutdown_behavior",
  disableApiTermination: { bool: "disable_api_termination" },
  rootVolumeId: "root_volume_id",
  rootDeviceName: "root_device_name",
  amiLaunchIndex: "ami_launch_index",
  clientToken: "client_token",
  pid: "pid",
  terminatedAt: "terminated_at",
  updatedAt: "updated_at",
  metadataHttpTokens: "metadata_http_tokens",
  metadataHttpEndpoint: "metadata_http_endpoint",
  metadataHopLimit: "metadata_hop_limit",
  privateIp: "private_ip",
  disableApiStop: { bool: "disable_api_stop" },
  cpuCredits: "cpu_credits",
});

const GET = `${table.select} WHERE id = ?`;
// One text for every page shape: "" sorts before any id and LIMIT -1 means no limit.
const PAGE = `${table.select} WHERE id > ? ORDER BY id LIMIT ?`;
// The reservations of one page come from the instances_reservation index; their instances from the same index.
const RESERVATIONS_PAGE =
  `${table.select} WHERE reservation_id IN ` +
  "(SELECT DISTINCT reservation_id FROM instances WHERE reservation_id > ? ORDER BY reservation_id LIMIT ?) " +
  "ORDER BY reservation_id, id";
const BY_IDS = `${table.select} WHERE id IN (SELECT value FROM json_each(?))`;
const BY_CLIENT_TOKEN = `${table.select} WHERE client_token = ? ORDER BY ami_launch_index, id`;
const IN_STATES = `${table.select} WHERE state IN (SELECT value FROM json_each(?)) ORDER BY id`;
const EXISTS = "SELECT 1 AS found FROM instances WHERE id = ?";
const COUNT = "SELECT count(*) AS n FROM instances";
// A row never given terminatedAt compares as NULL, so it is never purged.
const PURGEABLE = "state = 'terminated' AND terminated_at < ?";
const PURGE_TAGS = `DELETE FROM tags WHERE resource_id IN (SELECT id FROM instances WHERE ${PURGEABLE})`;
const PURGE = `DELETE FROM instances WHERE ${PURGEABLE}`;

export const instanceRepo = (db: Driver): InstanceRepo => {
  const volumes = volumeRepo(db);
  const tags = tagRepo(db);
  return {
    insertLaunch: (launch) =>
      db.transaction(() => {
        for (const i of launch.instances) db.run(table.insert, ...table.params(i));
        for (const v of launch.volumes) volumes.insert(v);
        tags.put(launch.tags);
      }),
    get: (id) => table.one(db, GET, id),
    list: (page = {}) => table.many(db, PAGE, page.afterId ?? "", page.limit ?? -1),
    listReservations: (page = {}) => table.many(db, RESERVATIONS_PAGE, page.afterId ?? "", page.limit ?? -1),
    listByIds: (ids) => {
      if (ids.length === 0) return [];
      const byId = new Map<string, InstanceRecord>();
      for (const rec of table.many(db, BY_IDS, JSON.stringify(ids))) byId.set(rec.id, rec);
      const out: InstanceRecord[] = [];
      for (const id of new Set(ids)) {
        const rec = byId.get(id);
        if (rec) out.push(rec);
      }
      return out;
    },
    byClientToken: (token) => table.many(db, BY_CLIENT_TOKEN, token),
    update: (id, patch) => {
      // An empty patch writes nothing, not even the timestamp.
      if (!table.update(id, patch)) return db.get(EXISTS, id) !== undefined;
      const stamped = patch.updatedAt === undefined ? { ...patch, updatedAt: new Date().toISOString() } : patch;
      const stmt = table.update(id, stamped)!;
      return db.run(stmt.sql, ...stmt.params).changes > 0;
    },
    inStates: (states) => (states.length === 0 ? [] : table.many(db, IN_STATES, JSON.stringify(states))),
    purgeTerminated: (before) =>
      db.transaction(() => {
        db.run(PURGE_TAGS, before);
        return db.run(PURGE, before).changes;
      }),
    count: () => db.get<{ n: number }>(COUNT)?.n ?? 0,
  };
};
