// The rules of a group: Authorize/Revoke Ingress and Egress, DescribeSecurityGroupRules, ModifySecurityGroupRules and
// UpdateSecurityGroupRuleDescriptions*. Every change tells the data plane which VPC to re-apply.

import type {
  AuthorizeSecurityGroupEgressRequest,
  AuthorizeSecurityGroupIngressRequest,
  AuthorizeSecurityGroupIngressResult,
  DescribeSecurityGroupRulesRequest,
  DescribeSecurityGroupRulesResult,
  IpPermission,
  ModifySecurityGroupRulesRequest,
  ModifySecurityGroupRulesResult,
  RevokeSecurityGroupEgressRequest,
  RevokeSecurityGroupIngressRequest,
  RevokeSecurityGroupIngressResult,
  SecurityGroupRule,
  SecurityGroupRuleDescription,
  UpdateSecurityGroupRuleDescriptionsIngressRequest,
  UpdateSecurityGroupRuleDescriptionsIngressResult,
} from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound, unsupported } from "../../errors/index.ts";
import type { SecurityGroupRecord, SecurityGroupRuleRecord } from "../../store/index.ts";
import { applyFilters, assertIds, newId, tagFilters, tagsView, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import { pageOf, resolveGroup, RULE_TYPE, tagsFor, type GroupStore } from "./groups.ts";
import {
  checkCidrIpv4,
  checkCidrIpv6,
  checkDescription,
  describeRule,
  expandPermissions,
  flatKeysOf,
  flatPermissions,
  groupPermissions,
  missingParameter,
  parameterCombination,
  ruleKey,
  ruleView,
  type FlatPermission,
  type RuleSpec,
} from "./permissions.ts";

export interface RuleDeps {
  ctx: DaemonContext;
  store: GroupStore;
  changes: NetworkChanges;
}

type Direction = "ingress" | "egress";

const ruleNotFound = (id: string): HiveError => notFound(RULE_TYPE, `The security group rule ID '${id}' does not exist`, "SecurityGroupRuleId");

/** The permissions a call names: IpPermissions, or (ingress only) the legacy flat parameters, never both. */
function requestedPermissions(direction: Direction, input: FlatPermission & { IpPermissions?: IpPermission[] }): IpPermission[] {
  const flat = flatKeysOf(input);
  const perms = input.IpPermissions ?? [];
  if (flat.length > 0 && direction === "egress") {
    throw invalidParameter(flat[0]!, `The parameter ${flat[0]} is not supported for egress rules; use IpPermissions`);
  }
  if (flat.length > 0 && perms.length > 0) throw parameterCombination(`The parameter ${flat[0]} cannot be used with the parameter IpPermissions`);
  if (flat.length > 0) return flatPermissions(input);
  return perms;
}

const scopeOf = (deps: RuleDeps, group: SecurityGroupRecord) => ({ store: deps.store, group, accountId: deps.ctx.accountId });

const rulesOf = (deps: RuleDeps, group: SecurityGroupRecord, egress: boolean): SecurityGroupRuleRecord[] =>
  deps.store.securityGroups.rules(group.id).filter((r) => r.egress === egress);

const viewsOf = (deps: RuleDeps, rules: SecurityGroupRuleRecord[]): SecurityGroupRule[] => {
  const tags = deps.store.tags.forResources(rules.map((r) => r.id));
  return rules.map((r) => ruleView(r, deps.ctx.accountId, tagsView(tags.get(r.id))));
};

/** A rule change reaches every box's data plane: the group's VPC is re-applied. */
const changed = (deps: RuleDeps, group: SecurityGroupRecord): void => deps.changes.vpcChanged(group.vpcId);

function authorize(
  deps: RuleDeps,
  direction: Direction,
  input: FlatPermission & { GroupId?: string; GroupName?: string; IpPermissions?: IpPermission[]; TagSpecifications?: AuthorizeSecurityGroupIngressRequest["TagSpecifications"] },
): AuthorizeSecurityGroupIngressResult {
  const group = resolveGroup(deps.store, input);
  const perms = requestedPermissions(direction, input);
  if (perms.length === 0) throw missingParameter("IpPermissions");
  const specs = expandPermissions(perms, scopeOf(deps, group));
  const tags = tagsFor(input.TagSpecifications, RULE_TYPE);
  const egress = direction === "egress";
  const records: SecurityGroupRuleRecord[] = specs.map((s) => ({ id: newId("sgr"), groupId: group.id, egress, ...s }));
  deps.store.transaction(() => {
    const taken = new Set(rulesOf(deps, group, egress).map(ruleKey));
    for (const s of specs) {
      const key = ruleKey(s);
      if (taken.has(key)) {
        throw new HiveError({ kind: "Conflict", resource: "permission", param: "IpPermissions", message: `the specified rule "${describeRule(s)}" already exists` });
      }
      taken.add(key);
    }
    deps.store.securityGroups.addRules(records);
    deps.store.tags.put(records.flatMap((r) => tags.map((t) => ({ resourceId: r.id, resourceType: RULE_TYPE, ...t }))));
  });
  changed(deps, group);
  return { Return: true, SecurityGroupRules: viewsOf(deps, records) };
}

export const authorizeIngress = (deps: RuleDeps, input: AuthorizeSecurityGroupIngressRequest) => authorize(deps, "ingress", input);

export const authorizeEgress = (deps: RuleDeps, input: AuthorizeSecurityGroupEgressRequest) => {
  if (input.GroupId === undefined) throw missingParameter("GroupId");
  return authorize(deps, "egress", { ...input, GroupName: undefined });
};

/**
 * Revokes by rule ids, or by permissions: the ones that match a rule go, the others come back in UnknownIpPermissions;
 * if none matches, InvalidPermission.NotFound, as AWS answers.
 */
function revoke(
  deps: RuleDeps,
  direction: Direction,
  input: FlatPermission & { GroupId?: string; GroupName?: string; IpPermissions?: IpPermission[]; SecurityGroupRuleIds?: string[] },
): RevokeSecurityGroupIngressResult {
  const group = resolveGroup(deps.store, input);
  const egress = direction === "egress";
  const existing = rulesOf(deps, group, egress);
  const ruleIds = input.SecurityGroupRuleIds ?? [];
  if (ruleIds.length > 0) {
    if (flatKeysOf(input).length > 0 || (input.IpPermissions ?? []).length > 0) {
      throw parameterCombination("The parameter SecurityGroupRuleIds cannot be used with the parameter IpPermissions");
    }
    assertIds("sgr", ruleIds, "SecurityGroupRuleId");
    const mine = new Set(existing.map((r) => r.id));
    const missing = ruleIds.find((id) => !mine.has(id));
    if (missing !== undefined) throw ruleNotFound(missing);
    deps.store.securityGroups.deleteRules([...new Set(ruleIds)]);
    changed(deps, group);
    return { Return: true };
  }
  const perms = requestedPermissions(direction, input);
  if (perms.length === 0) throw missingParameter("IpPermissions");
  const specs = expandPermissions(perms, scopeOf(deps, group));
  const byKey = new Map(existing.map((r) => [ruleKey(r), r]));
  const found: SecurityGroupRuleRecord[] = [];
  const unknown: RuleSpec[] = [];
  for (const s of specs) {
    const rule = byKey.get(ruleKey(s));
    if (rule) found.push(rule);
    else unknown.push(s);
  }
  if (found.length === 0) {
    throw new HiveError({ kind: "NotFound", resource: "permission", param: "IpPermissions", message: "The specified rule does not exist in this security group." });
  }
  deps.store.securityGroups.deleteRules([...new Set(found.map((r) => r.id))]);
  changed(deps, group);
  return { Return: true, ...(unknown.length > 0 ? { UnknownIpPermissions: groupPermissions(unknown, deps.ctx.accountId) } : {}) };
}

export const revokeIngress = (deps: RuleDeps, input: RevokeSecurityGroupIngressRequest) => revoke(deps, "ingress", input);

export const revokeEgress = (deps: RuleDeps, input: RevokeSecurityGroupEgressRequest) => {
  if (input.GroupId === undefined) throw missingParameter("GroupId");
  return revoke(deps, "egress", { ...input, GroupName: undefined });
};

const ruleTags = tagFilters<SecurityGroupRule>((r) => r.Tags);
const ruleFields: FilterFields<SecurityGroupRule> = {
  "group-id": (r) => r.GroupId,
  "security-group-rule-id": (r) => r.SecurityGroupRuleId,
  ...ruleTags.fields,
};

export function describeSecurityGroupRules(deps: RuleDeps, input: DescribeSecurityGroupRulesRequest): DescribeSecurityGroupRulesResult {
  const ids = input.SecurityGroupRuleIds ?? [];
  if (ids.length > 0 && input.MaxResults !== undefined) {
    throw parameterCombination("The parameter SecurityGroupRuleIds cannot be used with the parameter MaxResults");
  }
  assertIds("sgr", ids, "SecurityGroupRuleId");
  let rules = deps.store.securityGroups.rules().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (ids.length > 0) {
    const byId = new Set(rules.map((r) => r.id));
    const missing = ids.find((id) => !byId.has(id));
    if (missing !== undefined) throw ruleNotFound(missing);
    const wanted = new Set(ids);
    rules = rules.filter((r) => wanted.has(r.id));
  }
  const views = applyFilters(viewsOf(deps, rules), input.Filters, ruleFields, ruleTags.dynamic);
  const { page, next } = pageOf(views, (r) => r.SecurityGroupRuleId!, input);
  return { SecurityGroupRules: page, ...(next ? { NextToken: next } : {}) };
}

/** Replaces rules in place (same id): protocol, ports, one peer and the description, checked as Authorize checks them. */
export function modifySecurityGroupRules(deps: RuleDeps, input: ModifySecurityGroupRulesRequest): ModifySecurityGroupRulesResult {
  const group = resolveGroup(deps.store, { GroupId: input.GroupId ?? "" });
  const requests = input.SecurityGroupRules ?? [];
  if (requests.length === 0) throw missingParameter("SecurityGroupRules");
  const rules = new Map(deps.store.securityGroups.rules(group.id).map((r) => [r.id, r]));
  const updates: Array<{ rule: SecurityGroupRuleRecord; spec: RuleSpec }> = [];
  for (const req of requests) {
    const id = req.SecurityGroupRuleId;
    if (id === undefined) throw missingParameter("SecurityGroupRule.SecurityGroupRuleId");
    assertIds("sgr", [id], "SecurityGroupRuleId");
    const rule = rules.get(id);
    if (!rule) throw ruleNotFound(id);
    const r = req.SecurityGroupRule;
    if (!r) throw missingParameter("SecurityGroupRule.SecurityGroupRule");
    if (r.PrefixListId !== undefined) throw unsupported("Prefix lists are not supported by Hive: PrefixListId cannot be used in security group rules");
    const peers = [r.CidrIpv4, r.CidrIpv6, r.ReferencedGroupId].filter((p) => p !== undefined);
    if (peers.length !== 1) {
      throw invalidParameter("SecurityGroupRule", "A security group rule must name exactly one of CidrIpv4, CidrIpv6 or ReferencedGroupId", "permission-malformed");
    }
    const perm: IpPermission = {
      IpProtocol: r.IpProtocol,
      FromPort: r.FromPort,
      ToPort: r.ToPort,
      ...(r.CidrIpv4 !== undefined ? { IpRanges: [{ CidrIp: checkCidrIpv4(r.CidrIpv4), Description: r.Description }] } : {}),
      ...(r.CidrIpv6 !== undefined ? { Ipv6Ranges: [{ CidrIpv6: checkCidrIpv6(r.CidrIpv6), Description: r.Description }] } : {}),
      ...(r.ReferencedGroupId !== undefined ? { UserIdGroupPairs: [{ GroupId: r.ReferencedGroupId, Description: r.Description }] } : {}),
    };
    updates.push({ rule, spec: expandPermissions([perm], scopeOf(deps, group))[0]! });
  }
  deps.store.transaction(() => {
    const changing = new Set(updates.map((u) => u.rule.id));
    const taken = new Set([...rules.values()].filter((r) => !changing.has(r.id)).map((r) => `${r.egress}|${ruleKey(r)}`));
    for (const { rule, spec } of updates) {
      const key = `${rule.egress}|${ruleKey(spec)}`;
      if (taken.has(key)) {
        throw new HiveError({ kind: "Conflict", resource: "permission", param: "SecurityGroupRules", message: `the specified rule "${describeRule(spec)}" already exists` });
      }
      taken.add(key);
      deps.store.securityGroups.updateRule(rule.id, {
        protocol: spec.protocol,
        fromPort: spec.fromPort ?? null,
        toPort: spec.toPort ?? null,
        cidrIpv4: spec.cidrIpv4 ?? null,
        cidrIpv6: spec.cidrIpv6 ?? null,
        referencedGroupId: spec.referencedGroupId ?? null,
        description: spec.description ?? null,
      });
    }
  });
  changed(deps, group);
  return { Return: true };
}

/** Sets descriptions, by rule id or by permission (the permission must match a rule of the group exactly). */
function updateDescriptions(
  deps: RuleDeps,
  direction: Direction,
  input: UpdateSecurityGroupRuleDescriptionsIngressRequest,
): UpdateSecurityGroupRuleDescriptionsIngressResult {
  const group = resolveGroup(deps.store, input);
  const egress = direction === "egress";
  const existing = rulesOf(deps, group, egress);
  const byDescription: SecurityGroupRuleDescription[] = input.SecurityGroupRuleDescriptions ?? [];
  const perms = input.IpPermissions ?? [];
  if (byDescription.length > 0 && perms.length > 0) {
    throw parameterCombination("The parameter SecurityGroupRuleDescriptions cannot be used with the parameter IpPermissions");
  }
  const updates: Array<{ id: string; description?: string }> = [];
  if (byDescription.length > 0) {
    const mine = new Set(existing.map((r) => r.id));
    for (const d of byDescription) {
      if (d.SecurityGroupRuleId === undefined) throw missingParameter("SecurityGroupRuleDescription.SecurityGroupRuleId");
      assertIds("sgr", [d.SecurityGroupRuleId], "SecurityGroupRuleId");
      if (!mine.has(d.SecurityGroupRuleId)) throw ruleNotFound(d.SecurityGroupRuleId);
      updates.push({ id: d.SecurityGroupRuleId, description: checkDescription(d.Description) });
    }
  } else {
    if (perms.length === 0) throw missingParameter("IpPermissions");
    const byKey = new Map(existing.map((r) => [ruleKey(r), r]));
    for (const s of expandPermissions(perms, scopeOf(deps, group))) {
      const rule = byKey.get(ruleKey(s));
      if (!rule) throw new HiveError({ kind: "NotFound", resource: "permission", param: "IpPermissions", message: "The specified rule does not exist in this security group." });
      updates.push({ id: rule.id, description: s.description });
    }
  }
  deps.store.transaction(() => {
    for (const u of updates) deps.store.securityGroups.updateRule(u.id, { description: u.description ?? null });
  });
  return { Return: true };
}

export const updateDescriptionsIngress = (deps: RuleDeps, input: UpdateSecurityGroupRuleDescriptionsIngressRequest) =>
  updateDescriptions(deps, "ingress", input);

export const updateDescriptionsEgress = (deps: RuleDeps, input: UpdateSecurityGroupRuleDescriptionsIngressRequest) =>
  updateDescriptions(deps, "egress", input);

