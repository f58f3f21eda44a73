// CreateSecurityGroup, DeleteSecurityGroup and DescribeSecurityGroups: each VPC's groups, named uniquely within it,
// with the rules grouped into IpPermissions as EC2 shows them.

import type {
  CreateSecurityGroupRequest,
  CreateSecurityGroupResult,
  DeleteSecurityGroupRequest,
  DeleteSecurityGroupResult,
  DescribeSecurityGroupsRequest,
  DescribeSecurityGroupsResult,
  SecurityGroup,
  TagSpecification,
} from "@aws-sdk/client-ec2";
import { decodePageToken, encodePageToken } from "../../actions/index.ts";
import { HiveError, invalidParameter, notFound } from "../../errors/index.ts";
import type { SecurityGroupRecord, SecurityGroupRuleRecord, Store, VpcRecord } from "../../store/index.ts";
import { applyFilters, assertIds, checkTags, newId, noNetworkChanges, tagFilters, tagsView, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import { groupPermissions, parameterCombination, type RuleSpec } from "./permissions.ts";

export type GroupStore = Pick<Store, "securityGroups" | "vpcs" | "tags" | "networkInterfaces" | "transaction">;

export const GROUP_TYPE = "security-group";
export const RULE_TYPE = "security-group-rule";

const groupNotFound = (what: string, param = "GroupId"): HiveError => notFound(GROUP_TYPE, `The security group '${what}' does not exist`, param);

/** The region's default VPC, if it still exists. */
export const defaultVpc = (store: Pick<Store, "vpcs">): VpcRecord | undefined => store.vpcs.list().find((v) => v.isDefault);

/** A group of a VPC by name; names are case-insensitive, as on AWS. */
export const groupByName = (store: Pick<Store, "securityGroups">, vpcId: string, name: string): SecurityGroupRecord | undefined => {
  const wanted = name.toLowerCase();
  return store.securityGroups.forVpc(vpcId).find((g) => g.name.toLowerCase() === wanted);
};

/** The group an action names by GroupId, or by GroupName in the default VPC (as EC2 resolves names). */
export function resolveGroup(store: GroupStore, input: { GroupId?: string; GroupName?: string }): SecurityGroupRecord {
  if (input.GroupId !== undefined) {
    assertIds("sg", [input.GroupId], "GroupId");
    const group = store.securityGroups.get(input.GroupId);
    if (!group) throw groupNotFound(input.GroupId);
    return group;
  }
  if (input.GroupName === undefined) {
    throw new HiveError({ kind: "InvalidParameter", resource: "missing-parameter", param: "GroupId", message: "The request must contain the parameter GroupName or GroupId" });
  }
  const vpc = defaultVpc(store);
  if (!vpc) throw new HiveError({ kind: "InvalidParameter", resource: "vpc-id-not-specified", message: "No default VPC for this user. GroupName is only supported for default VPC." });
  const group = groupByName(store, vpc.id, input.GroupName);
  if (!group) throw notFound(GROUP_TYPE, `The security group '${input.GroupName}' does not exist in default VPC '${vpc.id}'`, "GroupName");
  return group;
}

/** Tags for one resource type out of TagSpecifications; any other type is refused. */
export function tagsFor(specs: TagSpecification[] | undefined, type: string): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== type) {
      throw invalidParameter("TagSpecification", `'${spec.ResourceType ?? ""}' is not a valid taggable resource type for this operation.`);
    }
    out.push(...checkTags(spec.Tags, "TagSpecification"));
  }
  return checkTags(out.map((t) => ({ Key: t.key, Value: t.value })), "TagSpecification");
}

/** GroupName and Description: up to 255 characters of a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*. */
function checkText(param: "GroupName" | "Description", value: string | undefined): string {
  if (value === undefined || value === "") throw invalidParameter(param, `The request must contain the parameter ${param}`, "missing-parameter");
  if (value.length > 255) throw invalidParameter(param, `Value (${value.slice(0, 64)}…) for parameter ${param} is invalid. Length exceeds maximum of 255.`);
  if (!/^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/.test(value)) {
    throw invalidParameter(param, `Value (${value}) for parameter ${param} is invalid. Character sets beyond a-zA-Z0-9. _-:/()#,@[]+=&;{}!$* are not allowed.`);
  }
  return value;
}

/** Creates the group; its VPC's data plane is told, so the new (empty) group is in the ruleset before anyone uses it. */
export function createSecurityGroup(
  ctx: DaemonContext,
  store: GroupStore,
  input: CreateSecurityGroupRequest,
  changes: NetworkChanges = noNetworkChanges,
): CreateSecurityGroupResult {
  const name = checkText("GroupName", input.GroupName);
  const description = checkText("Description", input.Description);
  if (name.toLowerCase().startsWith("sg-")) {
    throw invalidParameter("GroupName", `Value (${name}) for parameter GroupName is invalid. Group names may not be in the format sg-*.`);
  }
  const tags = tagsFor(input.TagSpecifications, GROUP_TYPE);
  let vpc: VpcRecord | undefined;
  if (input.VpcId !== undefined) {
    assertIds("vpc", [input.VpcId], "VpcId");
    vpc = store.vpcs.get(input.VpcId);
    if (!vpc) throw notFound("vpc", `The vpc ID '${input.VpcId}' does not exist`, "VpcId");
  } else {
    vpc = defaultVpc(store);
    if (!vpc) throw new HiveError({ kind: "InvalidParameter", resource: "vpc-id-not-specified", param: "VpcId", message: "No default VPC for this user" });
  }
  const group: SecurityGroupRecord = { id: newId("sg"), vpcId: vpc.id, name, description, isDefault: false, createdAt: new Date().toISOString() };
  // AWS gives every new group the rule allowing all egress to 0.0.0.0/0.
  const egress: SecurityGroupRuleRecord = { id: newId("sgr"), groupId: group.id, egress: true, protocol: "-1", cidrIpv4: "0.0.0.0/0" };
  const vpcId = vpc.id;
  store.transaction(() => {
    if (groupByName(store, vpcId, name)) {
      throw new HiveError({ kind: "Conflict", resource: GROUP_TYPE, param: "GroupName", message: `The security group '${name}' already exists for VPC '${vpcId}'` });
    }
    store.securityGroups.insert(group, tags.map((t) => ({ resourceId: group.id, resourceType: GROUP_TYPE, ...t })));
    store.securityGroups.addRules([egress]);
  });
  changes.vpcChanged(vpcId);
  return { GroupId: group.id, ...(tags.length > 0 ? { Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) } : {}) };
}

/** Deletes a group nothing uses: not the default group, not referenced by another group's rule, on no interface. */
export function deleteSecurityGroup(store: GroupStore, input: DeleteSecurityGroupRequest, changes: NetworkChanges = noNetworkChanges): DeleteSecurityGroupResult {
  const group = resolveGroup(store, input);
  if (group.isDefault) {
    throw new HiveError({ kind: "NotPermitted", resource: "default-security-group", message: `the specified group: "${group.id}" name: "default" cannot be deleted by a user` });
  }
  const inUse = (): HiveError => new HiveError({ kind: "Conflict", resource: "dependency", message: `resource ${group.id} has a dependent object` });
  store.transaction(() => {
    if (store.securityGroups.referencedBy(group.id).length > 0 || store.networkInterfaces.withGroup(group.id).length > 0) throw inUse();
    store.securityGroups.deleteRules(store.securityGroups.rules(group.id).map((r) => r.id));
    store.securityGroups.delete(group.id);
  });
  changes.vpcChanged(group.vpcId);
  return { Return: true, GroupId: group.id };
}

/** A stored rule as the IpPermission grouping wants it. */
export const specOf = (r: SecurityGroupRuleRecord): RuleSpec => ({
  protocol: r.protocol,
  fromPort: r.fromPort,
  toPort: r.toPort,
  cidrIpv4: r.cidrIpv4,
  cidrIpv6: r.cidrIpv6,
  referencedGroupId: r.referencedGroupId,
  description: r.description,
});

interface GroupView {
  view: SecurityGroup;
  rules: SecurityGroupRuleRecord[];
  names: Map<string, string>;
}

const groupTags = tagFilters<GroupView>((g) => g.view.Tags);

/** The rules of one direction, for the ip-permission.* and egress.ip-permission.* filters. */
function permissionFields(prefix: string, egress: boolean): FilterFields<GroupView> {
  const of = (g: GroupView) => g.rules.filter((r) => r.egress === egress);
  return {
    [`${prefix}.protocol`]: (g) => of(g).map((r) => r.protocol),
    [`${prefix}.from-port`]: (g) => of(g).map((r) => r.fromPort ?? -1),
    [`${prefix}.to-port`]: (g) => of(g).map((r) => r.toPort ?? -1),
    [`${prefix}.cidr`]: (g) => of(g).map((r) => r.cidrIpv4),
    [`${prefix}.ipv6-cidr`]: (g) => of(g).map((r) => r.cidrIpv6),
    [`${prefix}.group-id`]: (g) => of(g).map((r) => r.referencedGroupId),
    [`${prefix}.group-name`]: (g) => of(g).map((r) => (r.referencedGroupId ? g.names.get(r.referencedGroupId) : undefined)),
    [`${prefix}.user-id`]: (g) => of(g).map((r) => (r.referencedGroupId ? g.view.OwnerId : undefined)),
    // Hive has no prefix lists: the filter is valid and matches no rule.
    [`${prefix}.prefix-list-id`]: () => [],
  };
}

const groupFields: FilterFields<GroupView> = {
  "group-id": (g) => g.view.GroupId,
  "group-name": (g) => g.view.GroupName,
  description: (g) => g.view.Description,
  "vpc-id": (g) => g.view.VpcId,
  "owner-id": (g) => g.view.OwnerId,
  ...permissionFields("ip-permission", false),
  ...permissionFields("egress.ip-permission", true),
  ...groupTags.fields,
};

/** The groups as EC2 shows them, each with its rules grouped into IpPermissions and IpPermissionsEgress. */
export function securityGroupViews(ctx: DaemonContext, store: GroupStore, groups: SecurityGroupRecord[]): GroupView[] {
  const rules = new Map<string, SecurityGroupRuleRecord[]>();
  for (const r of store.securityGroups.rules()) {
    const list = rules.get(r.groupId) ?? [];
    list.push(r);
    rules.set(r.groupId, list);
  }
  const names = new Map(store.securityGroups.list().map((g) => [g.id, g.name]));
  const tags = store.tags.forResources(groups.map((g) => g.id));
  return groups.map((g) => {
    const own = rules.get(g.id) ?? [];
    return {
      rules: own,
      names,
      view: {
        GroupId: g.id,
        GroupName: g.name,
        Description: g.description,
        OwnerId: ctx.accountId,
        VpcId: g.vpcId,
        IpPermissions: groupPermissions(own.filter((r) => !r.egress).map(specOf), ctx.accountId),
        IpPermissionsEgress: groupPermissions(own.filter((r) => r.egress).map(specOf), ctx.accountId),
        Tags: tagsView(tags.get(g.id)),
        SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${g.id}`,
      },
    };
  });
}

/** One page of a listing sorted by id: the items after NextToken's id, MaxResults of them, and the next token. */
export function pageOf<T>(items: T[], idOf: (item: T) => string, input: { MaxResults?: number; NextToken?: string }): { page: T[]; next?: string } {
  let start = 0;
  if (input.NextToken !== undefined && input.NextToken !== "") {
    const after = decodePageToken(input.NextToken);
    start = items.findIndex((item) => idOf(item) > after);
    if (start < 0) start = items.length;
  }
  if (input.MaxResults === undefined) return { page: items.slice(start) };
  const page = items.slice(start, start + Math.max(1, input.MaxResults));
  const more = start + page.length < items.length;
  return { page, ...(more ? { next: encodePageToken(idOf(page[page.length - 1]!)) } : {}) };
}

export function describeSecurityGroups(ctx: DaemonContext, store: GroupStore, input: DescribeSecurityGroupsRequest): DescribeSecurityGroupsResult {
  const ids = input.GroupIds ?? [];
  const names = input.GroupNames ?? [];
  if ((ids.length > 0 || names.length > 0) && input.MaxResults !== undefined) {
    throw parameterCombination(`The parameter ${ids.length > 0 ? "groupIds" : "groupNames"} cannot be used with the parameter maxResults`);
  }
  assertIds("sg", ids, "GroupId");
  let groups = store.securityGroups.list();
  if (ids.length > 0 || names.length > 0) {
    const wanted = new Set<string>();
    const byId = new Map(groups.map((g) => [g.id, g]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length > 0) {
      throw notFound(GROUP_TYPE, missing.length === 1 ? `The security group '${missing[0]}' does not exist` : `The security groups '${missing.join(", ")}' do not exist`, "GroupId");
    }
    for (const id of ids) wanted.add(id);
    if (names.length > 0) {
      // As on AWS, names are looked up in the default VPC only; other VPCs' groups are found with the group-name filter.
      const vpc = defaultVpc(store);
      for (const name of names) {
        const group = vpc ? groupByName(store, vpc.id, name) : undefined;
        if (!group) throw notFound(GROUP_TYPE, vpc ? `The security group '${name}' does not exist in default VPC '${vpc.id}'` : `The security group '${name}' does not exist`, "GroupName");
        wanted.add(group.id);
      }
    }
    groups = groups.filter((g) => wanted.has(g.id));
  }
  const views = applyFilters(securityGroupViews(ctx, store, groups), input.Filters, groupFields, groupTags.dynamic);
  const { page, next } = pageOf(views, (g) => g.view.GroupId!, input);
  return { SecurityGroups: page.map((g) => g.view), ...(next ? { NextToken: next } : {}) };
}
