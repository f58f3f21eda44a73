// CreateVpc, DeleteVpc, DescribeVpcs, Modify/DescribeVpcAttribute, Associate/DisassociateVpcCidrBlock: the region's
// VPCs and their IPv4 blocks. A new VPC comes as on AWS with its default security group, a main route table holding
// the local route, and the region's default DHCP options.

import type {
  AssociateVpcCidrBlockRequest,
  AssociateVpcCidrBlockResult,
  CreateVpcRequest,
  CreateVpcResult,
  DeleteVpcRequest,
  DescribeVpcAttributeRequest,
  DescribeVpcAttributeResult,
  DescribeVpcsRequest,
  DescribeVpcsResult,
  DisassociateVpcCidrBlockRequest,
  DisassociateVpcCidrBlockResult,
  ModifyVpcAttributeRequest,
  Vpc,
} from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound, notPermitted, unsupported } from "../../errors/index.ts";
import { formatCidr, overlaps, parseCidr, privateDnsDomain } from "../../net/index.ts";
import type { VpcCidrBlockRecord, VpcRecord } from "../../store/index.ts";
import { createDefaultGroup } from "../security-groups/index.ts";
import { applyFilters, newId, tagFilters, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import {
  checkBlockSize,
  combination,
  dependencyViolation,
  ipv4Block,
  missing,
  noSuch,
  notSupported,
  page,
  refuseSet,
  selected,
  specTags,
  tagList,
  vpcOf,
  type VpcStore,
} from "./common.ts";

/** VPCs are numbered 1..MAX_VPCS on one appliance: the number names the VPC's network namespace and transit link. */
export const MAX_VPCS = 10000;
/** AWS's quota of IPv4 blocks per VPC (the primary and four more). */
const MAX_BLOCKS = 5;

const IPV6_OR_IPAM = [
  "AmazonProvidedIpv6CidrBlock",
  "Ipv6Pool",
  "Ipv6CidrBlock",
  "Ipv6CidrBlockNetworkBorderGroup",
  "Ipv6IpamPoolId",
  "Ipv6NetmaskLength",
  "Ipv4IpamPoolId",
  "Ipv4NetmaskLength",
];
const refusal = (p: string): string => (p.startsWith("Ipv4") ? "IPAM allocation" : "IPv6");

export const vpcNotFound = (id: string): HiveError => noSuch("vpc", "vpc", id, "VpcId");

function vpcView(ctx: DaemonContext, store: VpcStore, v: VpcRecord, blocks: VpcCidrBlockRecord[], state: "pending" | "available" = "available"): Vpc {
  return {
    OwnerId: ctx.accountId,
    InstanceTenancy: v.tenancy as Vpc["InstanceTenancy"],
    Ipv6CidrBlockAssociationSet: [],
    CidrBlockAssociationSet: blocks.map((b) => ({ AssociationId: b.associationId, CidrBlock: b.cidr, CidrBlockState: { State: "associated" } })),
    IsDefault: v.isDefault,
    Tags: tagList(store.tags.forResource(v.id)),
    VpcId: v.id,
    State: state,
    CidrBlock: v.cidr,
    DhcpOptionsId: v.dhcpOptionsId ?? "default",
  };
}

/** The region's default DHCP options (the default VPC's), made again if the default VPC and its set are gone. */
function defaultDhcpOptions(ctx: DaemonContext, store: VpcStore, now: string): string {
  const fromDefault = store.vpcs.list().find((v) => v.isDefault)?.dhcpOptionsId;
  if (fromDefault && store.vpcs.dhcpOptions.get(fromDefault)) return fromDefault;
  const domain = privateDnsDomain(ctx.region);
  const existing = store.vpcs.dhcpOptions.list().find((d) => d.domainName === domain && d.domainNameServers === "AmazonProvidedDNS");
  if (existing) return existing.id;
  const id = newId("dopt");
  store.vpcs.dhcpOptions.insert({ id, domainName: domain, domainNameServers: "AmazonProvidedDNS", createdAt: now });
  return id;
}

export function createVpc(input: CreateVpcRequest, ctx: DaemonContext, store: VpcStore, changes: NetworkChanges): CreateVpcResult {
  refuseSet(input, IPV6_OR_IPAM, refusal);
  const tenancy = (input.InstanceTenancy ?? "default") as string;
  if (tenancy === "dedicated" || tenancy === "host") throw notSupported("InstanceTenancy", `${tenancy} tenancy`);
  if (tenancy !== "default") throw invalidParameter("InstanceTenancy", `Value (${tenancy}) for parameter instanceTenancy is invalid. Valid values: default, dedicated, host.`);
  const cidr = input.CidrBlock;
  const block = ipv4Block(cidr, "CidrBlock");
  checkBlockSize(block, cidr!, "vpc-range", "CidrBlock");
  const now = new Date().toISOString();
  const id = newId("vpc");
  const tags = specTags(input.TagSpecifications, "vpc", id);
  const text = formatCidr(block);
  let rec!: VpcRecord;
  let blocks!: VpcCidrBlockRecord[];
  store.transaction(() => {
    const netIndex = store.vpcs.freeNetIndex();
    if (netIndex > MAX_VPCS) throw new HiveError({ kind: "InvalidParameter", resource: "vpc-limit", message: "The maximum number of VPCs has been reached." });
    rec = { id, cidr: text, isDefault: false, dhcpOptionsId: defaultDhcpOptions(ctx, store, now), dnsSupport: true, dnsHostnames: false, tenancy, netIndex, createdAt: now };
    store.vpcs.insert(rec, tags);
    store.vpcs.addCidrBlock({ associationId: newId("vpc-cidr-assoc"), vpcId: id, cidr: text, primary: true });
    createDefaultGroup(store, id, now);
    const rtb = newId("rtb");
    store.routeTables.insert({ id: rtb, vpcId: id, createdAt: now });
    store.routeTables.putRoute({ routeTableId: rtb, destination: text, gatewayId: "local", origin: "CreateRouteTable" });
    store.routeTables.addAssociation({ id: newId("rtbassoc"), routeTableId: rtb, main: true });
    blocks = store.vpcs.cidrBlocks(id);
  });
  changes.vpcChanged(id);
  return { Vpc: vpcView(ctx, store, rec, blocks, "pending") };
}

/** Refuses while subnets, attached gateways, custom route tables, non-default groups or interfaces remain, as AWS does. */
export function deleteVpc(input: DeleteVpcRequest, store: VpcStore, changes: NetworkChanges): object {
  const vpc = vpcOf(store, input.VpcId);
  store.transaction(() => {
    const tables = store.routeTables.forVpc(vpc.id);
    const main = tables.find((t) => store.routeTables.associations(t.id).some((a) => a.main));
    const groups = store.securityGroups.forVpc(vpc.id);
    const busy =
      store.subnets.forVpc(vpc.id).length > 0 ||
      store.routeTables.internetGateways.list().some((g) => g.vpcId === vpc.id) ||
      groups.some((g) => !g.isDefault) ||
      tables.some((t) => t.id !== main?.id) ||
      store.networkInterfaces.forVpc(vpc.id).length > 0;
    if (busy) throw dependencyViolation("vpc", vpc.id);
    for (const g of groups) {
      store.securityGroups.deleteRules(store.securityGroups.rules(g.id).map((r) => r.id));
      store.securityGroups.delete(g.id);
    }
    for (const t of tables) {
      for (const a of store.routeTables.associations(t.id)) store.routeTables.deleteAssociation(a.id);
      store.routeTables.delete(t.id);
    }
    store.vpcs.delete(vpc.id);
  });
  changes.vpcChanged(vpc.id);
  return {};
}

type VpcView = Vpc;
const tagFields = tagFilters<VpcView>((v) => v.Tags);
const fields: FilterFields<VpcView> = {
  "vpc-id": (v) => v.VpcId,
  cidr: (v) => v.CidrBlock,
  // Undocumented names AWS answers and tools send: Ansible's ec2_vpc_net looks VPCs up by cidr-block, ec2_instance
  // finds the default VPC by isDefault.
  "cidr-block": (v) => v.CidrBlock,
  isDefault: (v) => v.IsDefault,
  "cidr-block-association.cidr-block": (v) => v.CidrBlockAssociationSet?.map((b) => b.CidrBlock),
  "cidr-block-association.association-id": (v) => v.CidrBlockAssociationSet?.map((b) => b.AssociationId),
  "cidr-block-association.state": (v) => v.CidrBlockAssociationSet?.map((b) => b.CidrBlockState?.State),
  "ipv6-cidr-block-association.ipv6-cidr-block": () => [],
  "ipv6-cidr-block-association.ipv6-pool": () => [],
  "ipv6-cidr-block-association.association-id": () => [],
  "ipv6-cidr-block-association.state": () => [],
  "is-default": (v) => v.IsDefault,
  state: (v) => v.State,
  "dhcp-options-id": (v) => v.DhcpOptionsId,
  "owner-id": (v) => v.OwnerId,
  ...tagFields.fields,
};

export function describeVpcs(input: DescribeVpcsRequest, ctx: DaemonContext, store: VpcStore): DescribeVpcsResult {
  const records = selected(store.vpcs.list(), input.VpcIds, "vpc", "VpcId", vpcNotFound);
  const blocks = store.vpcs.cidrBlocks();
  const views = records.map((v) => vpcView(ctx, store, v, blocks.filter((b) => b.vpcId === v.id)));
  const { items, NextToken } = page(applyFilters(views, input.Filters, fields, tagFields.dynamic), (v) => v.VpcId!, input);
  return { Vpcs: items, ...(NextToken ? { NextToken } : {}) };
}

const VPC_ATTRIBUTES = ["EnableDnsSupport", "EnableDnsHostnames", "EnableNetworkAddressUsageMetrics"] as const;

/** One attribute per call, as AWS requires; hostnames need DNS support. */
export function modifyVpcAttribute(input: ModifyVpcAttributeRequest, store: VpcStore, changes: NetworkChanges): object {
  const vpc = vpcOf(store, input.VpcId);
  const given = VPC_ATTRIBUTES.filter((a) => input[a] !== undefined);
  if (given.length === 0) throw missing("Attribute");
  if (given.length > 1) throw combination(given[1]!, `Fields for multiple attribute types specified: ${given.map(lowerFirst).join(", ")}`);
  const attribute = given[0]!;
  const value = input[attribute]?.Value;
  if (typeof value !== "boolean") throw missing(`${attribute}.Value`);
  if (attribute === "EnableNetworkAddressUsageMetrics") {
    if (value) throw notSupported(attribute, "network address usage metrics");
    return {};
  }
  if (attribute === "EnableDnsHostnames" && value && !vpc.dnsSupport) {
    throw invalidParameter(attribute, "Cannot enable DNS hostnames: DNS support (enableDnsSupport) is disabled for this VPC.");
  }
  store.vpcs.update(vpc.id, attribute === "EnableDnsSupport" ? { dnsSupport: value } : { dnsHostnames: value });
  changes.vpcChanged(vpc.id);
  return {};
}

const lowerFirst = (s: string): string => s[0]!.toLowerCase() + s.slice(1);

export function describeVpcAttribute(input: DescribeVpcAttributeRequest, store: VpcStore): DescribeVpcAttributeResult {
  const vpc = vpcOf(store, input.VpcId);
  const attribute = input.Attribute as string | undefined;
  switch (attribute) {
    case "enableDnsSupport":
      return { VpcId: vpc.id, EnableDnsSupport: { Value: vpc.dnsSupport } };
    case "enableDnsHostnames":
      return { VpcId: vpc.id, EnableDnsHostnames: { Value: vpc.dnsHostnames } };
    case "enableNetworkAddressUsageMetrics":
      return { VpcId: vpc.id, EnableNetworkAddressUsageMetrics: { Value: false } };
    case undefined:
      throw missing("Attribute");
    default:
      throw invalidParameter("Attribute", `Value (${attribute}) for parameter attribute is invalid. Valid values: enableDnsSupport, enableDnsHostnames, enableNetworkAddressUsageMetrics.`);
  }
}

export function associateVpcCidrBlock(input: AssociateVpcCidrBlockRequest, store: VpcStore, changes: NetworkChanges): AssociateVpcCidrBlockResult {
  refuseSet(input, IPV6_OR_IPAM, refusal);
  const vpc = vpcOf(store, input.VpcId);
  const cidr = input.CidrBlock;
  const block = ipv4Block(cidr, "CidrBlock");
  checkBlockSize(block, cidr!, "vpc-range", "CidrBlock");
  const text = formatCidr(block);
  const associationId = newId("vpc-cidr-assoc");
  store.transaction(() => {
    const blocks = store.vpcs.cidrBlocks(vpc.id);
    if (blocks.length >= MAX_BLOCKS) {
      throw new HiveError({ kind: "InvalidParameter", resource: "cidr-limit", param: "CidrBlock", message: `This network '${vpc.id}' has met its maximum number of allowed CIDRs: ${MAX_BLOCKS}` });
    }
    const clash = blocks.find((b) => overlaps(parseCidr(b.cidr), block));
    if (clash) {
      throw new HiveError({ kind: "Conflict", resource: "vpc-cidr", param: "CidrBlock", message: `The CIDR '${text}' conflicts with another CIDR block '${clash.cidr}' of the VPC '${vpc.id}'.` });
    }
    const tables = store.routeTables.forVpc(vpc.id);
    const routed = tables.flatMap((t) => store.routeTables.routes(t.id)).find((r) => overlaps(parseCidr(r.destination), block));
    if (routed) {
      throw new HiveError({ kind: "Conflict", resource: "vpc-cidr", param: "CidrBlock", message: `The CIDR '${text}' conflicts with the route to '${routed.destination}' in route table '${routed.routeTableId}'.` });
    }
    store.vpcs.addCidrBlock({ associationId, vpcId: vpc.id, cidr: text, primary: false });
    for (const t of tables) store.routeTables.putRoute({ routeTableId: t.id, destination: text, gatewayId: "local", origin: "CreateRouteTable" });
  });
  changes.vpcChanged(vpc.id);
  return { VpcId: vpc.id, CidrBlockAssociation: { AssociationId: associationId, CidrBlock: text, CidrBlockState: { State: "associating" } } };
}

export function disassociateVpcCidrBlock(input: DisassociateVpcCidrBlockRequest, store: VpcStore, changes: NetworkChanges): DisassociateVpcCidrBlockResult {
  const id = input.AssociationId;
  if (!id) throw missing("AssociationId");
  const block = store.vpcs.cidrBlock(id);
  if (!block) throw notFound("vpc-cidr-block-association", `The vpc CIDR block association ID '${id}' does not exist`, "AssociationId");
  if (block.primary) {
    throw notPermitted(`The vpc CIDR block with association ID ${id} may not be disassociated. It is the primary IPv4 CIDR block of the VPC`);
  }
  const range = parseCidr(block.cidr);
  store.transaction(() => {
    if (store.subnets.forVpc(block.vpcId).some((s) => overlaps(parseCidr(s.cidr), range))) {
      throw new HiveError({ kind: "Conflict", resource: "dependency", message: `The vpc CIDR block '${block.cidr}' of '${block.vpcId}' has subnets in it and cannot be disassociated.` });
    }
    for (const t of store.routeTables.forVpc(block.vpcId)) {
      const local = store.routeTables.routes(t.id).find((r) => r.destination === block.cidr && r.gatewayId === "local");
      if (local) store.routeTables.deleteRoute(t.id, local.destination);
    }
    store.vpcs.removeCidrBlock(id);
  });
  changes.vpcChanged(block.vpcId);
  return { VpcId: block.vpcId, CidrBlockAssociation: { AssociationId: id, CidrBlock: block.cidr, CidrBlockState: { State: "disassociating" } } };
}


/** DescribeVpcClassicLink(DnsSupport): EC2-Classic is gone, and AWS says so in these words, which tools match on. */
export function classicLinkRetired(_input: object): never {
  throw unsupported("The functionality you requested is not available in this region.");
}
