// EC2's IpPermission as a list of single rules and back: the protocol, port and peer checks AWS makes, the legacy flat
// ingress parameters, and the grouping DescribeSecurityGroups shows (one IpPermission per protocol and port range).

import type { IpPermission, SecurityGroupRule as SdkRule, Tag, UserIdGroupPair } from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound, unsupported } from "../../errors/index.ts";
import { parseIpv4 } from "../../net/index.ts";
import type { SecurityGroupRecord, SecurityGroupRuleRecord, Store } from "../../store/index.ts";
import { isId } from "../shared/index.ts";

/** One rule as a caller names it: what it allows, without its id, group or direction. */
export interface RuleSpec {
  /** "-1", "tcp", "udp", "icmp", "icmpv6" or another IP protocol number as text. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  description?: string;
}

const NAMED: Record<string, string> = { "1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6" };

export const permissionMalformed = (message: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "permission-malformed", param: "IpPermissions", message });

export const parameterCombination = (message: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "parameter-combination", message });

export const missingParameter = (param: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "missing-parameter", param, message: `The request must contain the parameter ${param}` });

/** A protocol name or number as EC2 stores it: numbers of named protocols become their names, "all" becomes -1. */
export function normalizeProtocol(value: string | undefined): string {
  if (value === undefined || value === "") {
    throw invalidParameter("IpProtocol", "Invalid value 'null' for protocol. VPC security group rules must specify protocols explicitly.");
  }
  const lower = value.toLowerCase();
  if (lower === "-1" || lower === "all") return "-1";
  if (lower === "tcp" || lower === "udp" || lower === "icmp" || lower === "icmpv6") return lower;
  if (/^\d{1,3}$/.test(lower) && Number(lower) <= 255) return NAMED[String(Number(lower))] ?? String(Number(lower));
  throw invalidParameter("IpProtocol", `Invalid value '${value.slice(0, 64)}' for IP protocol. Unknown protocol.`);
}

/** The port range (or ICMP type and code) a protocol takes, checked as AWS checks it; other protocols take none. */
function portsOf(protocol: string, from: number | undefined, to: number | undefined): { fromPort?: number; toPort?: number } {
  if (protocol === "tcp" || protocol === "udp") {
    if (from === undefined || to === undefined) {
      throw invalidParameter("FromPort", "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.");
    }
    for (const p of [from, to]) if (!Number.isInteger(p) || p < 0 || p > 65535) throw permissionMalformed(`TCP/UDP port (${p}) out of range`);
    if (from > to) throw invalidParameter("FromPort", `Invalid value '${from}-${to}' for portRange. The from port must not be greater than the to port.`);
    return { fromPort: from, toPort: to };
  }
  if (protocol === "icmp" || protocol === "icmpv6") {
    if (from === undefined || to === undefined) {
      if (protocol === "icmpv6" && from === undefined && to === undefined) return { fromPort: -1, toPort: -1 };
      throw invalidParameter("FromPort", "Invalid value 'Must specify both from and to ports with ICMP.' for portRange.");
    }
    const kind = protocol === "icmp" ? "ICMP" : "ICMPv6";
    if (!Number.isInteger(from) || from < -1 || from > 255) throw invalidParameter("FromPort", `${kind} type (${from}) out of range`);
    if (!Number.isInteger(to) || to < -1 || to > 255) throw invalidParameter("ToPort", `${kind} code (${to}) out of range`);
    // "If you specify all ICMP/ICMPv6 types, you must specify all codes."
    if (from === -1 && to !== -1) throw invalidParameter("ToPort", `${kind} code (${to}) out of range: with all types (-1), the code must be -1`);
    return { fromPort: from, toPort: to };
  }
  // -1 and other protocol numbers allow every port, whatever range is given (AWS's documented behaviour).
  return {};
}

/** EC2's rule description: up to 255 characters of a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*. */
export function checkDescription(value: string | undefined, param = "Description"): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > 255 || !/^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]*$/.test(value)) {
    throw invalidParameter(
      param,
      "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*",
    );
  }
  return value;
}

/** An IPv4 CIDR block with its host bits clear. */
export function checkCidrIpv4(value: string | undefined): string {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(value ?? "");
  const addr = m ? parseIpv4(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if (addr === undefined || !(prefix >= 0 && prefix <= 32) || (addr & mask) >>> 0 !== addr) {
    throw invalidParameter("CidrIp", `CIDR block ${String(value).slice(0, 64)} is malformed`);
  }
  return value!;
}

/** An IPv6 CIDR block (accepted and stored; Hive's VPCs carry no IPv6 traffic, so it allows nothing yet). */
export function checkCidrIpv6(value: string | undefined): string {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(value ?? "");
  const prefix = m ? Number(m[2]) : NaN;
  const groups = m ? m[1]!.split("::") : [];
  const valid =
    m !== null &&
    prefix >= 0 &&
    prefix <= 128 &&
    groups.length <= 2 &&
    groups.every((g) => g === "" || g.split(":").every((h) => /^[0-9a-fA-F]{1,4}$/.test(h))) &&
    (groups.length === 2 ? groups.join(":").split(":").filter(Boolean).length < 8 : m[1]!.split(":").length === 8);
  if (!valid) throw invalidParameter("CidrIpv6", `CIDR block ${String(value).slice(0, 64)} is malformed`);
  return value!.toLowerCase();
}

/** Where a permission's group references are looked up: the group the rules go in, and the account. */
export interface PeerScope {
  store: Pick<Store, "securityGroups">;
  group: SecurityGroupRecord;
  accountId: string;
}

const differentNetworks = (): HiveError =>
  notFound("security-group", "You have specified two resources that belong to different networks.", "UserIdGroupPairs");

/** The group a UserIdGroupPair names: by id, or by name in the rule's own VPC; it must be of this account and VPC. */
function referencedGroup(pair: UserIdGroupPair, scope: PeerScope): string {
  if (pair.VpcPeeringConnectionId !== undefined) throw unsupported("Security group references across VPC peering connections are not supported by Hive");
  if (pair.UserId !== undefined && pair.UserId !== scope.accountId) {
    throw notFound("security-group", `The security group of account '${pair.UserId}' does not exist: Hive has one account`, "UserIdGroupPairs");
  }
  let target: SecurityGroupRecord | undefined;
  if (pair.GroupId !== undefined) {
    if (!isId("sg", pair.GroupId)) {
      throw new HiveError({ kind: "Malformed", resource: "security-group", param: "GroupId", message: `Invalid id: "${pair.GroupId.slice(0, 64)}" (expecting "sg-...")` });
    }
    target = scope.store.securityGroups.get(pair.GroupId);
    if (!target) throw notFound("security-group", `The security group '${pair.GroupId}' does not exist`, "GroupId");
  } else if (pair.GroupName !== undefined) {
    const wanted = pair.GroupName.toLowerCase();
    target = scope.store.securityGroups.forVpc(scope.group.vpcId).find((g) => g.name.toLowerCase() === wanted);
    if (!target) throw notFound("security-group", `The security group '${pair.GroupName}' does not exist in VPC '${scope.group.vpcId}'`, "GroupName");
  } else {
    throw missingParameter("UserIdGroupPairs.GroupId");
  }
  if (pair.VpcId !== undefined && pair.VpcId !== target.vpcId) throw differentNetworks();
  if (target.vpcId !== scope.group.vpcId) throw differentNetworks();
  return target.id;
}

/** Every single rule an IpPermission list names, checked; PrefixListIds are refused (Hive has no prefix lists). */
export function expandPermissions(perms: IpPermission[], scope: PeerScope): RuleSpec[] {
  const out: RuleSpec[] = [];
  for (const perm of perms) {
    const protocol = normalizeProtocol(perm.IpProtocol);
    const ports = portsOf(protocol, perm.FromPort, perm.ToPort);
    if ((perm.PrefixListIds ?? []).length > 0) throw unsupported("Prefix lists are not supported by Hive: PrefixListIds cannot be used in security group rules");
    const before = out.length;
    for (const r of perm.IpRanges ?? []) {
      out.push({ protocol, ...ports, cidrIpv4: checkCidrIpv4(r.CidrIp), description: checkDescription(r.Description) });
    }
    for (const r of perm.Ipv6Ranges ?? []) {
      out.push({ protocol, ...ports, cidrIpv6: checkCidrIpv6(r.CidrIpv6), description: checkDescription(r.Description) });
    }
    for (const p of perm.UserIdGroupPairs ?? []) {
      out.push({ protocol, ...ports, referencedGroupId: referencedGroup(p, scope), description: checkDescription(p.Description) });
    }
    if (out.length === before) {
      throw permissionMalformed("The IP permission must name at least one source or destination: IpRanges, Ipv6Ranges or UserIdGroupPairs");
    }
  }
  return out;
}

/** The legacy flat parameters of AuthorizeSecurityGroupIngress / RevokeSecurityGroupIngress. */
export interface FlatPermission {
  CidrIp?: string;
  IpProtocol?: string;
  FromPort?: number;
  ToPort?: number;
  SourceSecurityGroupName?: string;
  SourceSecurityGroupOwnerId?: string;
}

const FLAT_KEYS = ["CidrIp", "IpProtocol", "FromPort", "ToPort", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId"] as const;

export const flatKeysOf = (input: FlatPermission): string[] => FLAT_KEYS.filter((k) => input[k] !== undefined);

/**
 * The IpPermissions the flat parameters stand for. A source group by name grants full ICMP, TCP and UDP, as on AWS,
 * and cannot be combined with a CIDR, protocol or ports.
 */
export function flatPermissions(input: FlatPermission): IpPermission[] {
  if (input.SourceSecurityGroupName !== undefined || input.SourceSecurityGroupOwnerId !== undefined) {
    const clash = (["CidrIp", "IpProtocol", "FromPort", "ToPort"] as const).find((k) => input[k] !== undefined);
    if (clash) throw parameterCombination(`The parameter ${clash} cannot be used with the parameter SourceSecurityGroupName`);
    if (input.SourceSecurityGroupName === undefined) throw missingParameter("SourceSecurityGroupName");
    const pair = { GroupName: input.SourceSecurityGroupName, UserId: input.SourceSecurityGroupOwnerId };
    return [
      { IpProtocol: "icmp", FromPort: -1, ToPort: -1, UserIdGroupPairs: [pair] },
      { IpProtocol: "tcp", FromPort: 0, ToPort: 65535, UserIdGroupPairs: [pair] },
      { IpProtocol: "udp", FromPort: 0, ToPort: 65535, UserIdGroupPairs: [pair] },
    ];
  }
  if (input.CidrIp === undefined) throw missingParameter("CidrIp");
  return [{ IpProtocol: input.IpProtocol, FromPort: input.FromPort, ToPort: input.ToPort, IpRanges: [{ CidrIp: input.CidrIp }] }];
}

/** What makes two rules of one group and direction the same rule (the description does not). */
export const ruleKey = (r: RuleSpec): string =>
  [r.protocol, r.fromPort ?? "", r.toPort ?? "", r.cidrIpv4 ?? "", r.cidrIpv6 ?? "", r.referencedGroupId ?? ""].join("|");

/** How AWS names a rule in InvalidPermission.Duplicate: `peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW`. */
export function describeRule(r: RuleSpec): string {
  const peer = r.cidrIpv4 ?? r.cidrIpv6 ?? r.referencedGroupId ?? "";
  const proto = r.protocol === "-1" ? "ALL" : r.protocol.toUpperCase();
  const ports =
    r.protocol === "tcp" || r.protocol === "udp" ? `, from port: ${r.fromPort}, to port: ${r.toPort}`
    : r.protocol === "icmp" || r.protocol === "icmpv6" ? `, type: ${r.fromPort}, code: ${r.toPort}`
    : "";
  return `peer: ${peer}, ${proto}${ports}, ALLOW`;
}

const portsView = (r: RuleSpec): { FromPort?: number; ToPort?: number } =>
  r.fromPort === undefined ? {} : { FromPort: r.fromPort, ToPort: r.toPort };

/**
 * Rules as DescribeSecurityGroups shows them: one IpPermission per protocol and port range, in the order the ranges
 * first appear, holding every CIDR and group reference of that range with its own description.
 */
export function groupPermissions(rules: RuleSpec[], accountId: string): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  for (const r of rules) {
    const key = `${r.protocol}|${r.fromPort ?? ""}|${r.toPort ?? ""}`;
    let perm = byRange.get(key);
    if (!perm) {
      perm = { IpProtocol: r.protocol, ...portsView(r), IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
      byRange.set(key, perm);
    }
    const description = r.description !== undefined ? { Description: r.description } : {};
    if (r.cidrIpv4 !== undefined) perm.IpRanges!.push({ CidrIp: r.cidrIpv4, ...description });
    if (r.cidrIpv6 !== undefined) perm.Ipv6Ranges!.push({ CidrIpv6: r.cidrIpv6, ...description });
    if (r.referencedGroupId !== undefined) perm.UserIdGroupPairs!.push({ GroupId: r.referencedGroupId, UserId: accountId, ...description });
  }
  return [...byRange.values()];
}

/** One stored rule as DescribeSecurityGroupRules and the Authorize calls show it. */
export function ruleView(r: SecurityGroupRuleRecord, accountId: string, tags: Tag[]): SdkRule {
  return {
    SecurityGroupRuleId: r.id,
    GroupId: r.groupId,
    GroupOwnerId: accountId,
    IsEgress: r.egress,
    IpProtocol: r.protocol,
    FromPort: r.fromPort ?? -1,
    ToPort: r.toPort ?? -1,
    ...(r.cidrIpv4 !== undefined ? { CidrIpv4: r.cidrIpv4 } : {}),
    ...(r.cidrIpv6 !== undefined ? { CidrIpv6: r.cidrIpv6 } : {}),
    ...(r.referencedGroupId !== undefined ? { ReferencedGroupInfo: { GroupId: r.referencedGroupId, UserId: accountId } } : {}),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    Tags: tags,
  };
}
