// The members table behind MemberRepo: the boxes of this region, one zone each (a region table: every box has a copy).

import type { Driver } from "./driver.ts";
import { defineTable } from "./table.ts";

export interface MemberRecord {
  node: string;
  az: string;
  azId: string;
  /** "hub": holds the region's writer and its JetStream bucket; "member": joined through a leaf connection. */
  role: "hub" | "member";
  joinedAt: string;
}

export interface MemberRepo {
  list(): MemberRecord[];
  get(node: string): MemberRecord | undefined;
  put(member: MemberRecord): void;
  /** Takes the member out with what lives in its zone only (its subnets, the interfaces in them, their tags and
   * associations); false when there is no such member. */
  remove(node: string): boolean;
}

const table = defineTable<MemberRecord>("members", { node: "node", az: "az", azId: "az_id", role: "role", joinedAt: "joined_at" });

const UPSERT = `${table.insert} ON CONFLICT(node) DO UPDATE SET az = excluded.az, az_id = excluded.az_id, role = excluded.role, joined_at = excluded.joined_at`;

export const memberRepo = (db: Driver): MemberRepo => ({
  list: () => table.many(db, `${table.select} ORDER BY az`),
  get: (node) => table.one(db, `${table.select} WHERE node = ?`, node),
  put: (member) => void db.run(UPSERT, ...table.params(member)),
  remove: (node) =>
    db.transaction(() => {
      const az = db.get<{ az: string }>("SELECT az FROM members WHERE node = ?", node)?.az;
      if (az === undefined) return false;
      const zoneEnis = "SELECT id FROM network_interfaces WHERE subnet_id IN (SELECT id FROM subnets WHERE az = ?)";
      db.run(`UPDATE addresses SET network_interface_id = NULL, private_ip = NULL, association_id = NULL WHERE network_interface_id IN (${zoneEnis})`, az);
      db.run(`DELETE FROM tags WHERE resource_id IN (${zoneEnis}) OR resource_id IN (SELECT id FROM subnets WHERE az = ?)`, az, az);
      db.run(`DELETE FROM network_interfaces WHERE id IN (${zoneEnis})`, az);
      db.run("DELETE FROM route_table_associations WHERE subnet_id IN (SELECT id FROM subnets WHERE az = ?)", az);
      db.run("DELETE FROM subnets WHERE az = ?", az);
      return db.run("DELETE FROM members WHERE node = ?", node).changes > 0;
    }),
});
