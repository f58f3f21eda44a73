// What other rooms need of security groups: names resolved for RunInstances, groups checked against a VPC, and each
// VPC's rules in the shape the data plane renders (RulePlan in /src/net's VPC plan), IPv4 only.

import { HiveError, notFound } from "../../errors/index.ts";
import type { SecurityGroupRuleRecord, Store } from "../../store/index.ts";
import { assertIds } from "../shared/index.ts";
import { groupByName, GROUP_TYPE } from "./groups.ts";

/** One merged rule of a group, as the data plane takes it (the same shape as RulePlan). */
export interface DataPlaneRule {
  protocol: "all" | "tcp" | "udp" | "icmp" | number;
  /** tcp/udp: the first port; icmp: the type (-1 = any). Absent for "all" and other protocols. */
  fromPort?: number;
  /** tcp/udp: the last port; icmp: the code (-1 = any). */
  toPort?: number;
  /** IPv4 blocks allowed (sources for ingress, destinations for egress). */
  cidrs: string[];
  /** Groups whose members' addresses are allowed. */
  groupIds: string[];
}

export interface DataPlaneGroup {
  id: string;
  ingress: DataPlaneRule[];
  egress: DataPlaneRule[];
}

type Groups = Pick<Store, "securityGroups">;

/** The ids of the VPC's groups with these names (RunInstances' SecurityGroups), in the order given. */
export function groupIdsByNames(store: Groups, vpcId: string, names: string[]): string[] {
  return names.map((name) => {
    const group = groupByName(store, vpcId, name);
    if (!group) throw notFound(GROUP_TYPE, `The security group '${name}' does not exist in VPC '${vpcId}'`, "SecurityGroup");
    return group.id;
  });
}

/**
 * Checks that every id is a group of this VPC: InvalidGroupId.Malformed, InvalidGroup.NotFound, or AWS's
 * InvalidParameter "Security group sg-… and subnet subnet-… belong to different networks." when it is another VPC's.
 */
export function checkGroupsForVpc(store: Groups, vpcId: string, ids: string[], subnetId?: string): void {
  assertIds("sg", ids, "SecurityGroupId");
  for (const id of ids) {
    const group = store.securityGroups.get(id);
    if (!group) throw notFound(GROUP_TYPE, `The security group '${id}' does not exist in VPC '${vpcId}'`, "SecurityGroupId");
    if (group.vpcId !== vpcId) {
      throw new HiveError({
        kind: "InvalidParameter",
        resource: "invalid-parameter",
        param: "SecurityGroupId",
        message: `Security group ${id} and ${subnetId ? `subnet ${subnetId}` : `VPC ${vpcId}`} belong to different networks.`,
      });
    }
  }
}

/** The data plane's protocol: "all" for -1, names for tcp/udp/icmp, the number otherwise; undefined for ICMPv6. */
function planProtocol(protocol: string): DataPlaneRule["protocol"] | undefined {
  if (protocol === "-1") return "all";
  if (protocol === "tcp" || protocol === "udp" || protocol === "icmp") return protocol;
  // ICMPv6 never travels over IPv4, the only family Hive's VPCs carry.
  if (protocol === "icmpv6" || protocol === "58") return undefined;
  return Number(protocol);
}

/** Rules with the same protocol and ports merged into one, IPv4 peers only (IPv6 rules are stored but allow nothing). */
function merge(rules: SecurityGroupRuleRecord[]): DataPlaneRule[] {
  const out = new Map<string, DataPlaneRule>();
  for (const r of rules) {
    const protocol = planProtocol(r.protocol);
    if (protocol === undefined || (r.cidrIpv4 === undefined && r.referencedGroupId === undefined)) continue;
    const ported = protocol === "tcp" || protocol === "udp" || protocol === "icmp";
    const key = `${protocol}|${ported ? `${r.fromPort}|${r.toPort}` : ""}`;
    let plan = out.get(key);
    if (!plan) {
      plan = { protocol, ...(ported ? { fromPort: r.fromPort, toPort: r.toPort } : {}), cidrs: [], groupIds: [] };
      out.set(key, plan);
    }
    if (r.cidrIpv4 !== undefined && !plan.cidrs.includes(r.cidrIpv4)) plan.cidrs.push(r.cidrIpv4);
    if (r.referencedGroupId !== undefined && !plan.groupIds.includes(r.referencedGroupId)) plan.groupIds.push(r.referencedGroupId);
  }
  return [...out.values()];
}

/** Every group of the VPC with its ingress and egress rules, as the data plane enforces them. */
export function rulesForDataPlane(store: Groups, vpcId: string): DataPlaneGroup[] {
  return store.securityGroups.forVpc(vpcId).map((g) => {
    const rules = store.securityGroups.rules(g.id);
    return { id: g.id, ingress: merge(rules.filter((r) => !r.egress)), egress: merge(rules.filter((r) => r.egress)) };
  });
}
