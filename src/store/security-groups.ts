// The security_groups and security_group_rules tables: each VPC's groups and their ingress and egress rules.

import type { Driver } from "./driver.ts";
import type { SecurityGroupRecord, SecurityGroupRuleRecord } from "./network-records.ts";
import type { Patch } from "./records.ts";
import { resourceRepo, type ResourceRepo } from "./resource-repo.ts";
import { defineTable } from "./table.ts";

const groups = defineTable<SecurityGroupRecord>("security_groups", {
  id: "id",
  vpcId: "vpc_id",
  name: "name",
  description: "description",
  isDefault: { bool: "is_default" },
  createdAt: "created_at",
});
const rules = defineTable<SecurityGroupRuleRecord>("security_group_rules", {
  id: "id",
  groupId: "group_id",
  egress: { bool: "is_egress" },
  protocol: "protocol",
  fromPort: "from_port",
  toPort: "to_port",
  cidrIpv4: "cidr_ipv4",
  cidrIpv6: "cidr_ipv6",
  referencedGroupId: "referenced_group_id",
  description: "description",
});

export interface SecurityGroupRepo extends ResourceRepo<SecurityGroupRecord> {
  forVpc(vpcId: string): SecurityGroupRecord[];
  byName(vpcId: string, name: string): SecurityGroupRecord | undefined;
  /** Rules of one group (or of every group), ordered by group, then in the order they were added. */
  rules(groupId?: string): SecurityGroupRuleRecord[];
  rule(id: string): SecurityGroupRuleRecord | undefined;
  /** Inserts the rules (and their tags) in one transaction. */
  addRules(rules: SecurityGroupRuleRecord[]): void;
  updateRule(id: string, patch: Patch<Omit<SecurityGroupRuleRecord, "id">>): boolean;
  deleteRules(ids: string[]): void;
  /** Groups whose rules name this group as their source or destination (other than itself). */
  referencedBy(groupId: string): string[];
}

export const securityGroupRepo = (db: Driver): SecurityGroupRepo => ({
  ...resourceRepo(db, "security_groups", groups),
  forVpc: (vpcId) => groups.many(db, `${groups.select} WHERE vpc_id = ? ORDER BY id`, vpcId),
  byName: (vpcId, name) => groups.one(db, `${groups.select} WHERE vpc_id = ? AND name = ?`, vpcId, name),
  rules: (groupId) =>
    groupId === undefined
      ? rules.many(db, `${rules.select} ORDER BY group_id, rowid`)
      : rules.many(db, `${rules.select} WHERE group_id = ? ORDER BY rowid`, groupId),
  rule: (id) => rules.one(db, `${rules.select} WHERE id = ?`, id),
  addRules: (list) =>
    db.transaction(() => {
      for (const r of list) db.run(rules.insert, ...rules.params(r));
    }),
  updateRule: (id, patch) => {
    const u = rules.update(id, patch);
    return u ? db.run(u.sql, ...u.params).changes > 0 : rules.one(db, `${rules.select} WHERE id = ?`, id) !== undefined;
  },
  deleteRules: (ids) =>
    db.transaction(() => {
      for (const id of ids) {
        db.run("DELETE FROM tags WHERE resource_id = ?", id);
        db.run("DELETE FROM security_group_rules WHERE id = ?", id);
      }
    }),
  referencedBy: (groupId) =>
    db
      .all<{ group_id: string }>("SELECT DISTINCT group_id FROM security_group_rules WHERE referenced_group_id = ? AND group_id != ? ORDER BY group_id", groupId, groupId)
      .map((r) => r.group_id),
});
