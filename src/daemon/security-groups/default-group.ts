// Each VPC's default security group: its members reach each other; all egress is allowed; it cannot be deleted.

import type { SecurityGroupRecord, SecurityGroupRuleRecord, Store } from "../../store/index.ts";
import { newId } from "../shared/index.ts";

/** Inserts the VPC's default group and its two rules (inside the caller's transaction); returns the group. */
export function createDefaultGroup(store: Store, vpcId: string, createdAt: string): SecurityGroupRecord {
  const group: SecurityGroupRecord = { id: newId("sg"), vpcId, name: "default", description: "default VPC security group", isDefault: true, createdAt };
  const rules: SecurityGroupRuleRecord[] = [
    { id: newId("sgr"), groupId: group.id, egress: false, protocol: "-1", referencedGroupId: group.id },
    { id: newId("sgr"), groupId: group.id, egress: true, protocol: "-1", cidrIpv4: "0.0.0.0/0" },
  ];
  store.transaction(() => {
    store.securityGroups.insert(group);
    store.securityGroups.addRules(rules);
  });
  return group;
}
