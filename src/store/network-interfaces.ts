// The network_interfaces, network_interface_groups and addresses tables: ENIs, their security groups, Elastic IPs.

import type { Driver } from "./driver.ts";
import type { AddressRecord, NetworkInterfaceRecord } from "./network-records.ts";
import { resourceRepo, type ResourceRepo } from "./resource-repo.ts";
import { defineTable } from "./table.ts";

const interfaces = defineTable<NetworkInterfaceRecord>("network_interfaces", {
  id: "id",
  subnetId: "subnet_id",
  vpcId: "vpc_id",
  az: "az",
  mac: "mac",
  privateIp: "private_ip",
  description: "description",
  sourceDestCheck: { bool: "source_dest_check" },
  interfaceType: "interface_type",
  instanceId: "instance_id",
  deviceIndex: "device_index",
  attachmentId: "attachment_id",
  attachTime: "attach_time",
  deleteOnTermination: { bool: "delete_on_termination" },
  node: "node",
  createdAt: "created_at",
});
const addresses = defineTable<AddressRecord>(
  "addresses",
  {
    allocationId: "allocation_id",
    publicIp: "public_ip",
    associationId: "association_id",
    networkInterfaceId: "network_interface_id",
    privateIp: "private_ip",
    createdAt: "created_at",
  },
  "allocation_id",
);

export interface NetworkInterfaceRepo extends ResourceRepo<NetworkInterfaceRecord> {
  forSubnet(subnetId: string): NetworkInterfaceRecord[];
  forVpc(vpcId: string): NetworkInterfaceRecord[];
  forInstance(instanceId: string): NetworkInterfaceRecord[];
  /** The interfaces attached to any of these instances, by instance then device index. */
  forInstances(instanceIds: string[]): NetworkInterfaceRecord[];
  byAttachment(attachmentId: string): NetworkInterfaceRecord | undefined;
  /** Whether an interface already has this MAC. */
  macTaken(mac: string): boolean;
  /** The Elastic IPs associated with any of these interfaces. */
  addressesOf(interfaceIds: string[]): AddressRecord[];
  /** The security groups of each interface asked for, in the order they were given. */
  groups(interfaceIds: string[]): Map<string, string[]>;
  setGroups(interfaceId: string, groupIds: string[]): void;
  /** Interfaces that have this group. */
  withGroup(groupId: string): string[];
  readonly addresses: ResourceRepo<AddressRecord>;
}

export const networkInterfaceRepo = (db: Driver): NetworkInterfaceRepo => ({
  ...resourceRepo(db, "network_interfaces", interfaces),
  forSubnet: (subnetId) => interfaces.many(db, `${interfaces.select} WHERE subnet_id = ? ORDER BY id`, subnetId),
  forVpc: (vpcId) => interfaces.many(db, `${interfaces.select} WHERE vpc_id = ? ORDER BY id`, vpcId),
  forInstance: (instanceId) => interfaces.many(db, `${interfaces.select} WHERE instance_id = ? ORDER BY device_index`, instanceId),
  forInstances: (ids) =>
    ids.length === 0
      ? []
      : interfaces.many(db, `${interfaces.select} WHERE instance_id IN (SELECT value FROM json_each(?)) ORDER BY instance_id, device_index`, JSON.stringify(ids)),
  byAttachment: (attachmentId) => interfaces.one(db, `${interfaces.select} WHERE attachment_id = ?`, attachmentId),
  macTaken: (mac) => db.get("SELECT 1 FROM network_interfaces WHERE mac = ?", mac) !== undefined,
  addressesOf: (ids) =>
    ids.length === 0
      ? []
      : addresses.many(db, `${addresses.select} WHERE network_interface_id IN (SELECT value FROM json_each(?)) ORDER BY allocation_id`, JSON.stringify(ids)),
  groups: (ids) => {
    const out = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return out;
    const rows = db.all<{ interface_id: string; group_id: string }>(
      "SELECT interface_id, group_id FROM network_interface_groups WHERE interface_id IN (SELECT value FROM json_each(?)) ORDER BY interface_id, position",
      JSON.stringify(ids),
    );
    for (const r of rows) out.get(r.interface_id)?.push(r.group_id);
    return out;
  },
  setGroups: (interfaceId, groupIds) =>
    db.transaction(() => {
      db.run("DELETE FROM network_interface_groups WHERE interface_id = ?", interfaceId);
      groupIds.forEach((g, i) => db.run("INSERT INTO network_interface_groups (interface_id, group_id, position) VALUES (?, ?, ?)", interfaceId, g, i));
    }),
  withGroup: (groupId) =>
    db.all<{ interface_id: string }>("SELECT interface_id FROM network_interface_groups WHERE group_id = ? ORDER BY interface_id", groupId).map((r) => r.interface_id),
  addresses: resourceRepo(db, "addresses", addresses, "allocation_id"),
});
