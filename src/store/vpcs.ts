// The vpcs, vpc_cidr_blocks and dhcp_options tables: the region's VPCs, their IPv4 blocks and DHCP option sets.

import type { Driver } from "./driver.ts";
import type { DhcpOptionsRecord, VpcCidrBlockRecord, VpcRecord } from "./network-records.ts";
import { resourceRepo, type ResourceRepo } from "./resource-repo.ts";
import { defineTable } from "./table.ts";

const vpcs = defineTable<VpcRecord>("vpcs", {
  id: "id",
  cidr: "cidr",
  isDefault: { bool: "is_default" },
  dhcpOptionsId: "dhcp_options_id",
  dnsSupport: { bool: "dns_support" },
  dnsHostnames: { bool: "dns_hostnames" },
  tenancy: "tenancy",
  netIndex: "net_index",
  createdAt: "created_at",
});

const blocks = defineTable<VpcCidrBlockRecord>(
  "vpc_cidr_blocks",
  { associationId: "association_id", vpcId: "vpc_id", cidr: "cidr", primary: { bool: "is_primary" } },
  "association_id",
);

const dhcp = defineTable<DhcpOptionsRecord>("dhcp_options", {
  id: "id",
  domainName: "domain_name",
  domainNameServers: "domain_name_servers",
  createdAt: "created_at",
});

export interface VpcRepo extends ResourceRepo<VpcRecord> {
  /** The lowest net index no VPC holds (1 upwards). */
  freeNetIndex(): number;
  cidrBlocks(vpcId?: string): VpcCidrBlockRecord[];
  addCidrBlock(block: VpcCidrBlockRecord): void;
  cidrBlock(associationId: string): VpcCidrBlockRecord | undefined;
  removeCidrBlock(associationId: string): boolean;
  readonly dhcpOptions: ResourceRepo<DhcpOptionsRecord>;
}

export const vpcRepo = (db: Driver): VpcRepo => ({
  ...resourceRepo(db, "vpcs", vpcs),
  freeNetIndex: () =>
    db.get<{ n: number }>(
      "SELECT coalesce((SELECT min(net_index) + 1 FROM vpcs v WHERE NOT EXISTS (SELECT 1 FROM vpcs w WHERE w.net_index = v.net_index + 1)), 1) AS n",
    )?.n ?? 1,
  cidrBlocks: (vpcId) =>
    vpcId === undefined
      ? blocks.many(db, `${blocks.select} ORDER BY vpc_id, is_primary DESC, cidr`)
      : blocks.many(db, `${blocks.select} WHERE vpc_id = ? ORDER BY is_primary DESC, cidr`, vpcId),
  addCidrBlock: (block) => void db.run(blocks.insert, ...blocks.params(block)),
  cidrBlock: (associationId) => blocks.one(db, `${blocks.select} WHERE association_id = ?`, associationId),
  removeCidrBlock: (associationId) => db.run("DELETE FROM vpc_cidr_blocks WHERE association_id = ?", associationId).changes > 0,
  dhcpOptions: resourceRepo(db, "dhcp_options", dhcp),
});
