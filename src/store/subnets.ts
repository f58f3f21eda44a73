// The subnets table: each VPC's subnets, one availability zone each.

import type { Driver } from "./driver.ts";
import type { SubnetRecord } from "./network-records.ts";
import { resourceRepo, type ResourceRepo } from "./resource-repo.ts";
import { defineTable } from "./table.ts";

const subnets = defineTable<SubnetRecord>("subnets", {
  id: "id",
  vpcId: "vpc_id",
  cidr: "cidr",
  az: "az",
  defaultForAz: { bool: "default_for_az" },
  mapPublicIp: { bool: "map_public_ip" },
  hostnameType: "hostname_type",
  dnsARecord: { bool: "dns_a_record" },
  createdAt: "created_at",
});

export interface SubnetRepo extends ResourceRepo<SubnetRecord> {
  forVpc(vpcId: string): SubnetRecord[];
}

export const subnetRepo = (db: Driver): SubnetRepo => ({
  ...resourceRepo(db, "subnets", subnets),
  forVpc: (vpcId) => subnets.many(db, `${subnets.select} WHERE vpc_id = ? ORDER BY id`, vpcId),
});
