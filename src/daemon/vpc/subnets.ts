// CreateSubnet, DeleteSubnet, DescribeSubnets, ModifySubnetAttribute: each VPC's subnets, one availability zone each,
// inside one of the VPC's blocks and overlapping no other subnet of it.

import type {
  CreateSubnetRequest,
  CreateSubnetResult,
  DeleteSubnetRequest,
  DescribeSubnetsRequest,
  DescribeSubnetsResult,
  ModifySubnetAttributeRequest,
  Subnet,
} from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter } from "../../errors/index.ts";
import { formatCidr, overlaps, parseCidr } from "../../net/index.ts";
import type { SubnetRecord } from "../../store/index.ts";
import { applyFilters, newId, tagFilters, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import { availableAddressCount } from "./addressing.ts";
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
  subnetOf,
  tagList,
  vpcOf,
  type VpcStore,
} from "./common.ts";

export const subnetNotFound = (id: string): HiveError => noSuch("subnet", "subnet", id, "SubnetId");

export function subnetView(ctx: DaemonContext, store: VpcStore, s: SubnetRecord): Subnet {
  return {
    AvailabilityZoneId: s.az === ctx.az ? ctx.azId : undefined,
    MapCustomerOwnedIpOnLaunch: false,
    OwnerId: ctx.accountId,
    AssignIpv6AddressOnCreation: false,
    Ipv6CidrBlockAssociationSet: [],
    Tags: tagList(store.tags.forResource(s.id)),
    SubnetArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:subnet/${s.id}`,
    EnableDns64: false,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: s.hostnameType, EnableResourceNameDnsARecord: s.dnsARecord, EnableResourceNameDnsAAAARecord: false },
    SubnetId: s.id,
    State: "available",
    VpcId: s.vpcId,
    CidrBlock: s.cidr,
    AvailableIpAddressCount: availableAddressCount(store, s),
    AvailabilityZone: s.az,
    DefaultForAz: s.defaultForAz,
    MapPublicIpOnLaunch: s.mapPublicIp,
  };
}

const UNSUPPORTED_CREATE = ["Ipv6CidrBlock", "Ipv6Native", "OutpostArn", "Ipv4IpamPoolId", "Ipv4NetmaskLength", "Ipv6IpamPoolId", "Ipv6NetmaskLength"];

/** The zone asked for by name or id, which must be one Hive has; this node's zone when none is. */
function zoneOf(ctx: DaemonContext, name: string | undefined, id: string | undefined): string {
  if (name !== undefined && name !== ctx.az) {
    throw invalidParameter("AvailabilityZone", `Value (${name}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${ctx.az}.`);
  }
  if (id !== undefined && id !== ctx.azId) {
    throw invalidParameter("AvailabilityZoneId", `Value (${id}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zone ids: ${ctx.azId}.`);
  }
  return ctx.az;
}

export function createSubnet(input: CreateSubnetRequest, ctx: DaemonContext, store: VpcStore, changes: NetworkChanges): CreateSubnetResult {
  refuseSet(input, UNSUPPORTED_CREATE, (p) => (p.startsWith("Ipv6") ? "IPv6" : p === "OutpostArn" ? "an Outpost" : "IPAM allocation"));
  const vpc = vpcOf(store, input.VpcId);
  const cidr = input.CidrBlock;
  const block = ipv4Block(cidr, "CidrBlock");
  checkBlockSize(block, cidr!, "subnet-range", "CidrBlock");
  const az = zoneOf(ctx, input.AvailabilityZone, input.AvailabilityZoneId);
  const id = newId("subnet");
  const tags = specTags(input.TagSpecifications, "subnet", id);
  const text = formatCidr(block);
  const rec: SubnetRecord = {
    id,
    vpcId: vpc.id,
    cidr: text,
    az,
    defaultForAz: false,
    mapPublicIp: false,
    hostnameType: "ip-name",
    dnsARecord: false,
    createdAt: new Date().toISOString(),
  };
  store.transaction(() => {
    const inside = store.vpcs.cidrBlocks(vpc.id).some((b) => {
      const v = parseCidr(b.cidr);
      return v.prefix <= block.prefix && overlaps(v, block);
    });
    if (!inside) throw new HiveError({ kind: "InvalidParameter", resource: "subnet-range", param: "CidrBlock", message: `The CIDR '${text}' is invalid.` });
    if (store.subnets.forVpc(vpc.id).some((s) => overlaps(parseCidr(s.cidr), block))) {
      throw new HiveError({ kind: "Conflict", resource: "subnet-cidr", param: "CidrBlock", message: `The CIDR '${text}' conflicts with another subnet` });
    }
    store.subnets.insert(rec, tags);
  });
  changes.vpcChanged(vpc.id);
  return { Subnet: subnetView(ctx, store, rec) };
}

export function deleteSubnet(input: DeleteSubnetRequest, store: VpcStore, changes: NetworkChanges): object {
  const subnet = subnetOf(store, input.SubnetId);
  store.transaction(() => {
    if (store.networkInterfaces.forSubnet(subnet.id).length > 0) throw dependencyViolation("subnet", subnet.id);
    for (const a of store.routeTables.associations().filter((x) => x.subnetId === subnet.id)) store.routeTables.deleteAssociation(a.id);
    store.subnets.delete(subnet.id);
  });
  changes.vpcChanged(subnet.vpcId);
  return {};
}

const tagFields = tagFilters<Subnet>((s) => s.Tags);
const fields: FilterFields<Subnet> = {
  "availability-zone": (s) => s.AvailabilityZone,
  availabilityZone: (s) => s.AvailabilityZone,
  "availability-zone-id": (s) => s.AvailabilityZoneId,
  availabilityZoneId: (s) => s.AvailabilityZoneId,
  "available-ip-address-count": (s) => s.AvailableIpAddressCount,
  "cidr-block": (s) => s.CidrBlock,
  cidr: (s) => s.CidrBlock,
  cidrBlock: (s) => s.CidrBlock,
  "default-for-az": (s) => s.DefaultForAz,
  defaultForAz: (s) => s.DefaultForAz,
  "map-public-ip-on-launch": (s) => s.MapPublicIpOnLaunch,
  "ipv6-native": (s) => s.Ipv6Native,
  "ipv6-cidr-block-association.ipv6-cidr-block": () => [],
  "ipv6-cidr-block-association.association-id": () => [],
  "ipv6-cidr-block-association.state": () => [],
  "private-dns-name-options-on-launch.hostname-type": (s) => s.PrivateDnsNameOptionsOnLaunch?.HostnameType,
  "private-dns-name-options-on-launch.enable-resource-name-dns-a-record": (s) => s.PrivateDnsNameOptionsOnLaunch?.EnableResourceNameDnsARecord,
  "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record": (s) => s.PrivateDnsNameOptionsOnLaunch?.EnableResourceNameDnsAAAARecord,
  state: (s) => s.State,
  "subnet-arn": (s) => s.SubnetArn,
  "subnet-id": (s) => s.SubnetId,
  "vpc-id": (s) => s.VpcId,
  vpcId: (s) => s.VpcId,
  "owner-id": (s) => s.OwnerId,
  ...tagFields.fields,
};

export function describeSubnets(input: DescribeSubnetsRequest, ctx: DaemonContext, store: VpcStore): DescribeSubnetsResult {
  const records = selected(store.subnets.list(), input.SubnetIds, "subnet", "SubnetId", subnetNotFound);
  const views = records.map((s) => subnetView(ctx, store, s));
  const { items, NextToken } = page(applyFilters(views, input.Filters, fields, tagFields.dynamic), (s) => s.SubnetId!, input);
  return { Subnets: items, ...(NextToken ? { NextToken } : {}) };
}

const SUBNET_ATTRIBUTES = [
  "MapPublicIpOnLaunch",
  "PrivateDnsHostnameTypeOnLaunch",
  "EnableResourceNameDnsARecordOnLaunch",
  "EnableResourceNameDnsAAAARecordOnLaunch",
  "AssignIpv6AddressOnCreation",
  "EnableDns64",
  "MapCustomerOwnedIpOnLaunch",
  "CustomerOwnedIpv4Pool",
  "EnableLniAtDeviceIndex",
  "DisableLniAtDeviceIndex",
] as const;

/** One attribute per call; the IPv6, Outpost and LNI ones are refused. */
export function modifySubnetAttribute(input: ModifySubnetAttributeRequest, store: VpcStore, changes: NetworkChanges): object {
  const subnet = subnetOf(store, input.SubnetId);
  const given = SUBNET_ATTRIBUTES.filter((a) => input[a] !== undefined);
  if (given.length === 0) throw missing("Attribute");
  if (given.length > 1) throw combination(given[1]!, `Fields for multiple attribute types specified: ${given.join(", ")}`);
  const attribute = given[0]!;
  const boolOf = (): boolean => {
    const v = (input[attribute] as { Value?: boolean } | undefined)?.Value;
    if (typeof v !== "boolean") throw missing(`${attribute}.Value`);
    return v;
  };
  switch (attribute) {
    case "MapPublicIpOnLaunch":
      store.subnets.update(subnet.id, { mapPublicIp: boolOf() });
      return {};
    case "EnableResourceNameDnsARecordOnLaunch":
      store.subnets.update(subnet.id, { dnsARecord: boolOf() });
      break;
    case "PrivateDnsHostnameTypeOnLaunch": {
      const type = input.PrivateDnsHostnameTypeOnLaunch as string;
      if (type !== "ip-name" && type !== "resource-name") {
        throw invalidParameter(attribute, `Value (${type}) for parameter privateDnsHostnameTypeOnLaunch is invalid. Valid values: ip-name, resource-name.`);
      }
      store.subnets.update(subnet.id, { hostnameType: type });
      break;
    }
    default:
      // Turning off what is already off is harmless; anything else asks for what Hive does not have.
      if (attribute !== "CustomerOwnedIpv4Pool" && attribute !== "EnableLniAtDeviceIndex" && attribute !== "DisableLniAtDeviceIndex" && boolOf() === false) return {};
      throw notSupported(attribute, attribute.includes("Ipv6") || attribute.includes("AAAA") || attribute === "EnableDns64" ? "IPv6" : "this subnet attribute");
  }
  changes.vpcChanged(subnet.vpcId);
  return {};
}
