// The VPC room's handlers over an in-memory store: the default VPC's shapes, every refusal with its AWS code, the
// resources a new VPC comes with, what changes are announced, and the data plane's helpers (route table, internet,
// addresses).

import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import type { ActionRequest } from "../../src/actions/index.ts";
import { createTags } from "../../src/daemon/shared/index.ts";
import { ensureDefaultVpc, subnetHasInternet, subnetRouteTable, vpcDhcpOptions, vpcHandlers } from "../../src/daemon/vpc/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const ctx = testContext();

let store: Store;
let changed: string[];
let h: ReturnType<typeof vpcHandlers>;
let defaultVpc: string;

beforeEach(async () => {
  store = await openStore(":memory:");
  changed = [];
  h = vpcHandlers(ctx, store, { vpcChanged: (id) => changed.push(id) });
  defaultVpc = ensureDefaultVpc(ctx, store)!;
});

type Handlers = ReturnType<typeof vpcHandlers>;
/** Calls an action's handler as the daemon would, with typed input. */
const call = <A extends keyof Handlers>(action: A, input: Parameters<Handlers[A]>[0]["input"]) =>
  (h[action] as (req: ActionRequest<unknown>) => unknown)({ input } as ActionRequest<unknown>) as ReturnType<Handlers[A]>;

/** The AWS code (and optionally the message) the gateway would answer for this call's error. */
function fails(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
    const aws = awsErrorFromDomain(err);
    assert.equal(aws.code, code, err.message);
    assert.ok(aws.status < 500);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const newVpc = (cidr = "10.0.0.0/16") => call("CreateVpc", { CidrBlock: cidr }).Vpc!.VpcId!;
const newSubnet = (vpcId: string, cidr: string) => call("CreateSubnet", { VpcId: vpcId, CidrBlock: cidr }).Subnet!.SubnetId!;
const newIgw = () => call("CreateInternetGateway", {}).InternetGateway!.InternetGatewayId!;
const mainTable = (vpcId: string) =>
  call("DescribeRouteTables", { Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "association.main", Values: ["true"] }] }).RouteTables![0]!;
let macs = 0;
const addInterface = (subnetId: string, ip: string) => {
  const s = store.subnets.get(subnetId)!;
  const id = `eni-${(++macs).toString(16).padStart(17, "0")}`;
  store.networkInterfaces.insert({
    id,
    subnetId,
    vpcId: s.vpcId,
    az: s.az,
    mac: `02:00:00:00:00:${macs.toString(16).padStart(2, "0")}`,
    privateIp: ip,
    description: "",
    sourceDestCheck: true,
    interfaceType: "interface",
    createdAt: new Date().toISOString(),
  });
  return id;
};

describe("the default VPC", () => {
  test("is 172.31.0.0/16, default, with DNS on, the region's DHCP options and a /20 default subnet", () => {
    const [vpc] = call("DescribeVpcs", { Filters: [{ Name: "is-default", Values: ["true"] }] }).Vpcs!;
    assert.equal(vpc!.VpcId, defaultVpc);
    assert.equal(vpc!.CidrBlock, "172.31.0.0/16");
    assert.equal(vpc!.IsDefault, true);
    assert.equal(vpc!.State, "available");
    assert.equal(vpc!.OwnerId, "123456789012");
    assert.equal(vpc!.CidrBlockAssociationSet![0]!.CidrBlockState!.State, "associated");
    assert.equal(call("DescribeVpcAttribute", { VpcId: defaultVpc, Attribute: "enableDnsHostnames" }).EnableDnsHostnames!.Value, true);
    const [dopt] = call("DescribeDhcpOptions", { DhcpOptionsIds: [vpc!.DhcpOptionsId!] }).DhcpOptions!;
    assert.deepEqual(dopt!.DhcpConfigurations, [
      { Key: "domain-name", Values: [{ Value: "ec2.internal" }] },
      { Key: "domain-name-servers", Values: [{ Value: "AmazonProvidedDNS" }] },
    ]);
    const [subnet] = call("DescribeSubnets", { Filters: [{ Name: "default-for-az", Values: ["true"] }] }).Subnets!;
    assert.equal(subnet!.CidrBlock, "172.31.0.0/20");
    assert.equal(subnet!.AvailabilityZone, "us-east-1a");
    assert.equal(subnet!.AvailabilityZoneId, "use1-az1");
    assert.equal(subnet!.MapPublicIpOnLaunch, true);
    assert.equal(subnet!.AvailableIpAddressCount, 4096 - 5);
    assert.equal(subnet!.SubnetArn, `arn:aws:ec2:us-east-1:123456789012:subnet/${subnet!.SubnetId}`);
    assert.equal(call("DescribeSubnets", { Filters: [{ Name: "defaultForAz", Values: ["true"] }] }).Subnets!.length, 1);
  });

  test("has a main route table with the local route and 0.0.0.0/0 to its attached internet gateway", () => {
    const table = mainTable(defaultVpc);
    const [igw] = call("DescribeInternetGateways", { Filters: [{ Name: "attachment.vpc-id", Values: [defaultVpc] }] }).InternetGateways!;
    assert.deepEqual(igw!.Attachments, [{ State: "available", VpcId: defaultVpc }]);
    assert.deepEqual(table.Routes, [
      { DestinationCidrBlock: "172.31.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
      { DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw!.InternetGatewayId, Origin: "CreateRoute", State: "active" },
    ]);
    assert.equal(table.Associations!.length, 1);
    assert.equal(table.Associations![0]!.Main, true);
    assert.equal(table.Associations![0]!.SubnetId, undefined);
  });
});

describe("CreateVpc", () => {
  test("makes the primary block, the default group, a main table with the local route and the default DHCP options", () => {
    const out = call("CreateVpc", { CidrBlock: "10.0.0.0/16", TagSpecifications: [{ ResourceType: "vpc", Tags: [{ Key: "Name", Value: "app" }] }] });
    const vpc = out.Vpc!;
    assert.equal(vpc.State, "pending");
    assert.equal(vpc.IsDefault, false);
    assert.equal(vpc.InstanceTenancy, "default");
    assert.deepEqual(vpc.Tags, [{ Key: "Name", Value: "app" }]);
    assert.equal(vpc.CidrBlockAssociationSet![0]!.CidrBlock, "10.0.0.0/16");
    const def = store.vpcs.get(defaultVpc)!;
    assert.equal(vpc.DhcpOptionsId, def.dhcpOptionsId);
    assert.notEqual(store.vpcs.get(vpc.VpcId!)!.netIndex, def.netIndex);
    assert.equal(call("DescribeVpcAttribute", { VpcId: vpc.VpcId, Attribute: "enableDnsSupport" }).EnableDnsSupport!.Value, true);
    assert.equal(call("DescribeVpcAttribute", { VpcId: vpc.VpcId, Attribute: "enableDnsHostnames" }).EnableDnsHostnames!.Value, false);
    const groups = store.securityGroups.forVpc(vpc.VpcId!);
    assert.deepEqual(groups.map((g) => [g.name, g.isDefault]), [["default", true]]);
    assert.deepEqual(mainTable(vpc.VpcId!).Routes, [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" }]);
    assert.deepEqual(changed, [vpc.VpcId]);
    assert.deepEqual(call("DescribeVpcs", { Filters: [{ Name: "tag:Name", Values: ["app"] }] }).Vpcs!.map((v) => v.VpcId), [vpc.VpcId]);
  });

  test("refuses blocks outside /16–/28 (InvalidVpc.Range) and what is not a block (InvalidParameterValue)", () => {
    fails(() => newVpc("10.0.0.0/8"), "InvalidVpc.Range", /^The CIDR '10\.0\.0\.0\/8' is invalid\.$/);
    fails(() => newVpc("10.0.0.0/29"), "InvalidVpc.Range");
    fails(() => newVpc("10.0.0.1/16"), "InvalidParameterValue", /not a valid CIDR block/);
    fails(() => newVpc("bogus"), "InvalidParameterValue");
    assert.match(newVpc("10.0.0.0/28"), /^vpc-[0-9a-f]{17}$/);
  });

  test("refuses IPv6, IPAM and non-default tenancy as not supported, and a wrong tag resource type", () => {
    fails(() => call("CreateVpc", { CidrBlock: "10.0.0.0/16", AmazonProvidedIpv6CidrBlock: true }), "UnsupportedOperation");
    fails(() => call("CreateVpc", { CidrBlock: "10.0.0.0/16", Ipv4IpamPoolId: "ipam-pool-1" }), "UnsupportedOperation");
    fails(() => call("CreateVpc", { CidrBlock: "10.0.0.0/16", InstanceTenancy: "dedicated" }), "UnsupportedOperation");
    fails(() => call("CreateVpc", { CidrBlock: "10.0.0.0/16", TagSpecifications: [{ ResourceType: "subnet", Tags: [] }] }), "InvalidParameterValue");
    assert.equal(store.vpcs.list().length, 1);
  });

  test("overlapping VPCs are allowed, as on AWS", () => {
    const a = newVpc("10.0.0.0/16");
    const b = newVpc("10.0.0.0/16");
    assert.notEqual(a, b);
  });
});

describe("DescribeVpcs", () => {
  test("answers InvalidVpcID.NotFound and .Malformed for ids, filters and pages", () => {
    fails(() => call("DescribeVpcs", { VpcIds: ["vpc-0123456789abcdef0"] }), "InvalidVpcID.NotFound", /The vpc ID 'vpc-0123456789abcdef0' does not exist/);
    fails(() => call("DescribeVpcs", { VpcIds: ["vpc-xyz"] }), "InvalidVpcID.Malformed");
    fails(() => call("DescribeVpcs", { Filters: [{ Name: "bogus", Values: ["x"] }] }), "InvalidParameterValue");
    const ids = [newVpc("10.1.0.0/16"), newVpc("10.2.0.0/16"), newVpc("10.3.0.0/16"), newVpc("10.4.0.0/16"), newVpc("10.5.0.0/16")];
    const byCidr = call("DescribeVpcs", { Filters: [{ Name: "cidr-block-association.cidr-block", Values: ["10.2.*"] }] }).Vpcs!;
    assert.deepEqual(byCidr.map((v) => v.VpcId), [ids[1]]);
    assert.equal(call("DescribeVpcs", { Filters: [{ Name: "cidr", Values: ["10.3.0.0/16"] }] }).Vpcs![0]!.VpcId, ids[2]);
    assert.equal(call("DescribeVpcs", { Filters: [{ Name: "owner-id", Values: ["123456789012"] }, { Name: "state", Values: ["available"] }] }).Vpcs!.length, 6);
    const first = call("DescribeVpcs", { MaxResults: 5 });
    assert.equal(first.Vpcs!.length, 5);
    assert.ok(first.NextToken);
    const second = call("DescribeVpcs", { MaxResults: 5, NextToken: first.NextToken });
    assert.equal(second.Vpcs!.length, 1);
    assert.equal(second.NextToken, undefined);
    fails(() => call("DescribeVpcs", { MaxResults: 2 }), "InvalidParameterValue");
  });
});

describe("what tools send", () => {
  test("DescribeVpcs answers the isDefault and cidr-block names Ansible uses", () => {
    const vpc = newVpc("10.7.0.0/16");
    assert.deepEqual(call("DescribeVpcs", { Filters: [{ Name: "isDefault", Values: ["true"] }] }).Vpcs!.map((v) => v.VpcId), [defaultVpc]);
    assert.deepEqual(call("DescribeVpcs", { Filters: [{ Name: "cidr-block", Values: ["10.7.0.0/16"] }] }).Vpcs!.map((v) => v.VpcId), [vpc]);
  });

  test("DescribeVpcClassicLink answers as AWS does since EC2-Classic retired", () => {
    fails(() => call("DescribeVpcClassicLink", { VpcIds: [defaultVpc] }), "UnsupportedOperation", /^The functionality you requested is not available in this region\.$/);
    fails(() => call("DescribeVpcClassicLinkDnsSupport", {}), "UnsupportedOperation");
  });
});

describe("VPC attributes", () => {
  test("one attribute per call; hostnames need DNS support", () => {
    const vpc = newVpc();
    fails(
      () => call("ModifyVpcAttribute", { VpcId: vpc, EnableDnsSupport: { Value: true }, EnableDnsHostnames: { Value: true } }),
      "InvalidParameterCombination",
    );
    fails(() => call("ModifyVpcAttribute", { VpcId: vpc }), "MissingParameter");
    call("ModifyVpcAttribute", { VpcId: vpc, EnableDnsSupport: { Value: false } });
    fails(() => call("ModifyVpcAttribute", { VpcId: vpc, EnableDnsHostnames: { Value: true } }), "InvalidParameterValue");
    call("ModifyVpcAttribute", { VpcId: vpc, EnableDnsSupport: { Value: true } });
    call("ModifyVpcAttribute", { VpcId: vpc, EnableDnsHostnames: { Value: true } });
    assert.equal(call("DescribeVpcAttribute", { VpcId: vpc, Attribute: "enableDnsHostnames" }).EnableDnsHostnames!.Value, true);
    fails(() => call("ModifyVpcAttribute", { VpcId: vpc, EnableNetworkAddressUsageMetrics: { Value: true } }), "UnsupportedOperation");
    fails(() => call("DescribeVpcAttribute", { VpcId: vpc, Attribute: "bogus" as never }), "InvalidParameterValue");
    fails(() => call("ModifyVpcAttribute", { VpcId: "vpc-0123456789abcdef0", EnableDnsSupport: { Value: true } }), "InvalidVpcID.NotFound");
    assert.ok(changed.filter((id) => id === vpc).length >= 4);
  });
});

describe("VPC CIDR blocks", () => {
  test("a second block gets a local route in every table; overlaps, ranges, IPv6 and the sixth block are refused", () => {
    const vpc = newVpc("10.0.0.0/16");
    const extra = call("CreateRouteTable", { VpcId: vpc }).RouteTable!.RouteTableId!;
    const out = call("AssociateVpcCidrBlock", { VpcId: vpc, CidrBlock: "10.1.0.0/16" });
    assert.equal(out.CidrBlockAssociation!.CidrBlockState!.State, "associating");
    for (const t of [mainTable(vpc).RouteTableId!, extra]) {
      const routes = call("DescribeRouteTables", { RouteTableIds: [t] }).RouteTables![0]!.Routes!;
      assert.deepEqual(routes.map((r) => r.DestinationCidrBlock).sort(), ["10.0.0.0/16", "10.1.0.0/16"]);
    }
    fails(() => call("AssociateVpcCidrBlock", { VpcId: vpc, CidrBlock: "10.0.128.0/17" }), "CidrConflict");
    fails(() => call("AssociateVpcCidrBlock", { VpcId: vpc, CidrBlock: "10.2.0.0/30" }), "InvalidVpc.Range");
    fails(() => call("AssociateVpcCidrBlock", { VpcId: vpc, AmazonProvidedIpv6CidrBlock: true }), "UnsupportedOperation");
    for (const c of ["10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"]) call("AssociateVpcCidrBlock", { VpcId: vpc, CidrBlock: c });
    fails(() => call("AssociateVpcCidrBlock", { VpcId: vpc, CidrBlock: "10.5.0.0/16" }), "CidrLimitExceeded");
  });

  test("disassociation: not the primary, not while a subnet uses it, unknown ids NotFound", () => {
    const vpc = newVpc("10.0.0.0/16");
    const blocks = () => call("DescribeVpcs", { VpcIds: [vpc] }).Vpcs![0]!.CidrBlockAssociationSet!;
    const second = call("AssociateVpcCidrBlock", { VpcId: vpc, CidrBlock: "10.1.0.0/16" }).CidrBlockAssociation!.AssociationId!;
    const primary = blocks().find((b) => b.CidrBlock === "10.0.0.0/16")!.AssociationId!;
    fails(() => call("DisassociateVpcCidrBlock", { AssociationId: primary }), "OperationNotPermitted");
    const subnet = newSubnet(vpc, "10.1.2.0/24");
    fails(() => call("DisassociateVpcCidrBlock", { AssociationId: second }), "DependencyViolation");
    call("DeleteSubnet", { SubnetId: subnet });
    assert.equal(call("DisassociateVpcCidrBlock", { AssociationId: second }).CidrBlockAssociation!.CidrBlockState!.State, "disassociating");
    assert.deepEqual(blocks().map((b) => b.CidrBlock), ["10.0.0.0/16"]);
    assert.deepEqual(mainTable(vpc).Routes!.map((r) => r.DestinationCidrBlock), ["10.0.0.0/16"]);
    fails(() => call("DisassociateVpcCidrBlock", { AssociationId: second }), "InvalidVpcCidrBlockAssociationID.NotFound");
  });
});

describe("subnets", () => {
  test("CreateSubnet: inside a VPC block, /16–/28, no overlap, a zone Hive has", () => {
    const vpc = newVpc("10.0.0.0/16");
    const out = call("CreateSubnet", { VpcId: vpc, CidrBlock: "10.0.1.0/24", TagSpecifications: [{ ResourceType: "subnet", Tags: [{ Key: "tier", Value: "web" }] }] });
    const s = out.Subnet!;
    assert.equal(s.State, "available");
    assert.equal(s.AvailabilityZone, "us-east-1a");
    assert.equal(s.AvailableIpAddressCount, 251);
    assert.equal(s.DefaultForAz, false);
    assert.equal(s.MapPublicIpOnLaunch, false);
    assert.deepEqual(s.Tags, [{ Key: "tier", Value: "web" }]);
    assert.ok(changed.includes(vpc));
    fails(() => newSubnet(vpc, "10.0.1.128/25"), "InvalidSubnet.Conflict", /^The CIDR '10\.0\.1\.128\/25' conflicts with another subnet$/);
    fails(() => newSubnet(vpc, "10.0.0.0/16"), "InvalidSubnet.Conflict");
    fails(() => newSubnet(vpc, "10.1.0.0/24"), "InvalidSubnet.Range", /^The CIDR '10\.1\.0\.0\/24' is invalid\.$/);
    fails(() => newSubnet(vpc, "10.0.2.0/29"), "InvalidSubnet.Range");
    fails(() => newSubnet(vpc, "10.0.2.1/24"), "InvalidParameterValue");
    fails(() => newSubnet("vpc-0123456789abcdef0", "10.0.2.0/24"), "InvalidVpcID.NotFound");
    fails(() => call("CreateSubnet", { VpcId: vpc, CidrBlock: "10.0.2.0/24", AvailabilityZone: "us-east-1b" }), "InvalidParameterValue", /us-east-1a/);
    fails(() => call("CreateSubnet", { VpcId: vpc, CidrBlock: "10.0.2.0/24", AvailabilityZoneId: "use1-az9" }), "InvalidParameterValue");
    fails(() => call("CreateSubnet", { VpcId: vpc, CidrBlock: "10.0.2.0/24", Ipv6CidrBlock: "2600::/64" }), "UnsupportedOperation");
    assert.equal(call("CreateSubnet", { VpcId: vpc, CidrBlock: "10.0.2.0/24", AvailabilityZoneId: "use1-az1" }).Subnet!.AvailabilityZone, "us-east-1a");
  });

  test("DescribeSubnets counts interfaces, filters, and answers InvalidSubnetID.NotFound", () => {
    const vpc = newVpc("10.0.0.0/16");
    const s = newSubnet(vpc, "10.0.1.0/24");
    addInterface(s, "10.0.1.4");
    const [view] = call("DescribeSubnets", { SubnetIds: [s] }).Subnets!;
    assert.equal(view!.AvailableIpAddressCount, 250);
    assert.equal(call("DescribeSubnets", { Filters: [{ Name: "vpc-id", Values: [vpc] }, { Name: "cidr-block", Values: ["10.0.1.0/24"] }] }).Subnets!.length, 1);
    assert.equal(call("DescribeSubnets", { Filters: [{ Name: "availability-zone", Values: ["us-east-1a"] }, { Name: "map-public-ip-on-launch", Values: ["false"] }] }).Subnets!.length, 1);
    fails(() => call("DescribeSubnets", { SubnetIds: ["subnet-0123456789abcdef0"] }), "InvalidSubnetID.NotFound");
    fails(() => call("DescribeSubnets", { SubnetIds: ["subnet-nope"] }), "InvalidSubnetID.Malformed");
  });

  test("DeleteSubnet refuses while interfaces use it, and takes its route table association with it", () => {
    const vpc = newVpc("10.0.0.0/16");
    const s = newSubnet(vpc, "10.0.1.0/24");
    const rtb = call("CreateRouteTable", { VpcId: vpc }).RouteTable!.RouteTableId!;
    call("AssociateRouteTable", { RouteTableId: rtb, SubnetId: s });
    const eni = addInterface(s, "10.0.1.4");
    fails(() => call("DeleteSubnet", { SubnetId: s }), "DependencyViolation", /^The subnet '.*' has dependencies and cannot be deleted\.$/);
    store.networkInterfaces.delete(eni);
    call("DeleteSubnet", { SubnetId: s });
    assert.deepEqual(store.routeTables.associations(rtb), []);
    fails(() => call("DeleteSubnet", { SubnetId: s }), "InvalidSubnetID.NotFound");
  });

  test("ModifySubnetAttribute: one attribute per call, the supported ones only", () => {
    const vpc = newVpc("10.0.0.0/16");
    const s = newSubnet(vpc, "10.0.1.0/24");
    call("ModifySubnetAttribute", { SubnetId: s, MapPublicIpOnLaunch: { Value: true } });
    call("ModifySubnetAttribute", { SubnetId: s, PrivateDnsHostnameTypeOnLaunch: "resource-name" });
    call("ModifySubnetAttribute", { SubnetId: s, EnableResourceNameDnsARecordOnLaunch: { Value: true } });
    const [view] = call("DescribeSubnets", { SubnetIds: [s] }).Subnets!;
    assert.equal(view!.MapPublicIpOnLaunch, true);
    assert.deepEqual(view!.PrivateDnsNameOptionsOnLaunch, { HostnameType: "resource-name", EnableResourceNameDnsARecord: true, EnableResourceNameDnsAAAARecord: false });
    fails(() => call("ModifySubnetAttribute", { SubnetId: s, MapPublicIpOnLaunch: { Value: true }, EnableResourceNameDnsARecordOnLaunch: { Value: true } }), "InvalidParameterCombination");
    fails(() => call("ModifySubnetAttribute", { SubnetId: s, AssignIpv6AddressOnCreation: { Value: true } }), "UnsupportedOperation");
    fails(() => call("ModifySubnetAttribute", { SubnetId: s, PrivateDnsHostnameTypeOnLaunch: "bogus" as never }), "InvalidParameterValue");
    fails(() => call("ModifySubnetAttribute", { SubnetId: s }), "MissingParameter");
  });
});

describe("internet gateways", () => {
  test("one per VPC, attached once; refusals with AWS's codes", () => {
    const vpc = newVpc();
    const other = newVpc("10.9.0.0/16");
    const igw = call("CreateInternetGateway", { TagSpecifications: [{ ResourceType: "internet-gateway", Tags: [{ Key: "Name", Value: "gw" }] }] })
      .InternetGateway!;
    assert.deepEqual(igw.Attachments, []);
    assert.deepEqual(igw.Tags, [{ Key: "Name", Value: "gw" }]);
    const id = igw.InternetGatewayId!;
    call("AttachInternetGateway", { InternetGatewayId: id, VpcId: vpc });
    assert.ok(changed.includes(vpc));
    fails(() => call("AttachInternetGateway", { InternetGatewayId: id, VpcId: other }), "Resource.AlreadyAssociated");
    fails(() => call("AttachInternetGateway", { InternetGatewayId: newIgw(), VpcId: vpc }), "Resource.AlreadyAssociated");
    fails(() => call("DeleteInternetGateway", { InternetGatewayId: id }), "DependencyViolation");
    fails(() => call("DetachInternetGateway", { InternetGatewayId: id, VpcId: other }), "Gateway.NotAttached");
    const attached = call("DescribeInternetGateways", { Filters: [{ Name: "attachment.vpc-id", Values: [vpc] }, { Name: "attachment.state", Values: ["available"] }] });
    assert.deepEqual(attached.InternetGateways!.map((g) => g.InternetGatewayId), [id]);
    assert.equal(call("DescribeInternetGateways", { Filters: [{ Name: "tag:Name", Values: ["gw"] }] }).InternetGateways!.length, 1);
    call("DetachInternetGateway", { InternetGatewayId: id, VpcId: vpc });
    call("DeleteInternetGateway", { InternetGatewayId: id });
    fails(() => call("DescribeInternetGateways", { InternetGatewayIds: [id] }), "InvalidInternetGatewayID.NotFound");
    fails(() => call("DeleteInternetGateway", { InternetGatewayId: "igw-bad" }), "InvalidInternetGatewayId.Malformed");
  });
});

describe("route tables", () => {
  test("routes to an attached gateway; RouteAlreadyExists, InvalidRoute.NotFound, the local route stays; other targets refused", () => {
    const vpc = newVpc("10.0.0.0/16");
    const rtb = call("CreateRouteTable", { VpcId: vpc, TagSpecifications: [{ ResourceType: "route-table", Tags: [{ Key: "Name", Value: "public" }] }] }).RouteTable!;
    assert.deepEqual(rtb.Associations, []);
    assert.deepEqual(rtb.Routes, [{ DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" }]);
    const t = rtb.RouteTableId!;
    const igw = newIgw();
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }), "InvalidParameterValue", /different networks/);
    call("AttachInternetGateway", { InternetGatewayId: igw, VpcId: vpc });
    assert.deepEqual(call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }), { Return: true });
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }), "RouteAlreadyExists");
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "10.0.0.0/16", GatewayId: igw }), "RouteAlreadyExists");
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "10.0.5.0/24", GatewayId: igw }), "InvalidParameterValue");
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "192.168.0.0/16", GatewayId: "igw-0123456789abcdef0" }), "InvalidGatewayID.NotFound");
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "192.168.0.0/16", NatGatewayId: "nat-0123456789abcdef0" }), "UnsupportedOperation");
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationIpv6CidrBlock: "::/0", GatewayId: igw }), "UnsupportedOperation");
    fails(() => call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "192.168.0.0/16", InstanceId: "i-0123456789abcdef0" }), "UnsupportedOperation");
    fails(() => call("CreateRoute", { RouteTableId: "rtb-0123456789abcdef0", DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw }), "InvalidRouteTableID.NotFound");
    fails(() => call("DeleteRoute", { RouteTableId: t, DestinationCidrBlock: "10.0.0.0/16" }), "InvalidParameterValue", /local route/);
    fails(() => call("ReplaceRoute", { RouteTableId: t, DestinationCidrBlock: "10.0.0.0/16", GatewayId: igw }), "InvalidParameterValue", /local route/);
    fails(() => call("ReplaceRoute", { RouteTableId: t, DestinationCidrBlock: "192.168.0.0/16", GatewayId: igw }), "InvalidParameterValue", /Use CreateRoute/);
    fails(() => call("DeleteRoute", { RouteTableId: t, DestinationCidrBlock: "192.168.0.0/16" }), "InvalidRoute.NotFound");
    call("ReplaceRoute", { RouteTableId: t, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw });
    const filtered = call("DescribeRouteTables", {
      Filters: [{ Name: "route.gateway-id", Values: [igw] }, { Name: "route.destination-cidr-block", Values: ["0.0.0.0/0"] }, { Name: "tag:Name", Values: ["public"] }],
    });
    assert.deepEqual(filtered.RouteTables!.map((x) => x.RouteTableId), [t]);
    // A detached gateway leaves its routes as blackholes.
    call("DetachInternetGateway", { InternetGatewayId: igw, VpcId: vpc });
    const routes = call("DescribeRouteTables", { RouteTableIds: [t] }).RouteTables![0]!.Routes!;
    assert.equal(routes.find((r) => r.DestinationCidrBlock === "0.0.0.0/0")!.State, "blackhole");
    call("DeleteRoute", { RouteTableId: t, DestinationCidrBlock: "0.0.0.0/0" });
    fails(() => call("DescribeRouteTables", { RouteTableIds: ["rtb-0123456789abcdef0"] }), "InvalidRouteTableID.NotFound", /The routeTable ID/);
  });

  test("associations: one per subnet, same VPC, main cannot be disassociated, replaced (the main one too)", () => {
    const vpc = newVpc("10.0.0.0/16");
    const s = newSubnet(vpc, "10.0.1.0/24");
    const t = call("CreateRouteTable", { VpcId: vpc }).RouteTable!.RouteTableId!;
    const t2 = call("CreateRouteTable", { VpcId: vpc }).RouteTable!.RouteTableId!;
    const main = mainTable(vpc);
    const assoc = call("AssociateRouteTable", { RouteTableId: t, SubnetId: s });
    assert.match(assoc.AssociationId!, /^rtbassoc-[0-9a-f]{17}$/);
    assert.equal(assoc.AssociationState!.State, "associated");
    fails(() => call("AssociateRouteTable", { RouteTableId: t2, SubnetId: s }), "Resource.AlreadyAssociated");
    const foreign = call("CreateRouteTable", { VpcId: defaultVpc }).RouteTable!.RouteTableId!;
    fails(() => call("AssociateRouteTable", { RouteTableId: foreign, SubnetId: s }), "InvalidParameterValue");
    fails(() => call("AssociateRouteTable", { RouteTableId: t, SubnetId: "subnet-0123456789abcdef0" }), "InvalidSubnetID.NotFound");
    const bySubnet = call("DescribeRouteTables", { Filters: [{ Name: "association.subnet-id", Values: [s] }] }).RouteTables!;
    assert.deepEqual(bySubnet.map((x) => x.RouteTableId), [t]);
    assert.deepEqual(
      call("DescribeRouteTables", { Filters: [{ Name: "association.route-table-association-id", Values: [assoc.AssociationId!] }] }).RouteTables!.map((x) => x.RouteTableId),
      [t],
    );
    fails(() => call("DeleteRouteTable", { RouteTableId: t }), "DependencyViolation", /^The routeTable '.*' has dependencies and cannot be deleted\.$/);
    fails(() => call("DeleteRouteTable", { RouteTableId: main.RouteTableId! }), "DependencyViolation");
    const mainAssoc = main.Associations![0]!.RouteTableAssociationId!;
    fails(() => call("DisassociateRouteTable", { AssociationId: mainAssoc }), "InvalidParameterValue");
    fails(() => call("DisassociateRouteTable", { AssociationId: "rtbassoc-0123456789abcdef0" }), "InvalidAssociationID.NotFound");
    const moved = call("ReplaceRouteTableAssociation", { AssociationId: assoc.AssociationId, RouteTableId: t2 }).NewAssociationId!;
    assert.equal(subnetRouteTable(store, s)!.id, t2);
    call("DisassociateRouteTable", { AssociationId: moved });
    assert.equal(subnetRouteTable(store, s)!.id, main.RouteTableId);
    // The main association moves to t; the old main table can then go.
    call("ReplaceRouteTableAssociation", { AssociationId: mainAssoc, RouteTableId: t });
    assert.equal(mainTable(vpc).RouteTableId, t);
    assert.equal(subnetRouteTable(store, s)!.id, t);
    call("DeleteRouteTable", { RouteTableId: main.RouteTableId! });
    fails(() => call("ReplaceRouteTableAssociation", { AssociationId: mainAssoc, RouteTableId: t2 }), "InvalidAssociationID.NotFound");
  });
});

describe("DeleteVpc", () => {
  test("DependencyViolation while subnets, gateways, custom tables, groups or interfaces remain; then everything goes", () => {
    const vpc = newVpc("10.0.0.0/16");
    const s = newSubnet(vpc, "10.0.1.0/24");
    const igw = newIgw();
    call("AttachInternetGateway", { InternetGatewayId: igw, VpcId: vpc });
    const t = call("CreateRouteTable", { VpcId: vpc }).RouteTable!.RouteTableId!;
    store.securityGroups.insert({ id: "sg-0123456789abcdef0", vpcId: vpc, name: "web", description: "web", isDefault: false, createdAt: new Date().toISOString() });
    const eni = addInterface(s, "10.0.1.4");
    const refused = () => fails(() => call("DeleteVpc", { VpcId: vpc }), "DependencyViolation", /^The vpc '.*' has dependencies and cannot be deleted\.$/);
    refused();
    store.networkInterfaces.delete(eni);
    refused();
    call("DeleteSubnet", { SubnetId: s });
    refused();
    call("DetachInternetGateway", { InternetGatewayId: igw, VpcId: vpc });
    refused();
    call("DeleteRouteTable", { RouteTableId: t });
    refused();
    store.securityGroups.delete("sg-0123456789abcdef0");
    changed = [];
    call("DeleteVpc", { VpcId: vpc });
    assert.deepEqual(changed, [vpc]);
    assert.equal(store.vpcs.get(vpc), undefined);
    assert.deepEqual(store.securityGroups.forVpc(vpc), []);
    assert.deepEqual(store.routeTables.forVpc(vpc), []);
    assert.deepEqual(store.vpcs.cidrBlocks(vpc), []);
    fails(() => call("DeleteVpc", { VpcId: vpc }), "InvalidVpcID.NotFound");
  });

  test("the default VPC can be deleted once emptied, as on AWS; its DHCP options serve the next VPC", () => {
    const dopt = store.vpcs.get(defaultVpc)!.dhcpOptionsId;
    for (const s of store.subnets.forVpc(defaultVpc)) call("DeleteSubnet", { SubnetId: s.id });
    const igw = store.routeTables.internetGateways.list().find((g) => g.vpcId === defaultVpc)!.id;
    call("DetachInternetGateway", { InternetGatewayId: igw, VpcId: defaultVpc });
    call("DeleteVpc", { VpcId: defaultVpc });
    assert.equal(call("CreateVpc", { CidrBlock: "10.0.0.0/16" }).Vpc!.DhcpOptionsId, dopt);
  });
});

describe("DHCP options", () => {
  test("created with a domain and name servers, associated, refused while in use, and what guests are told", () => {
    const vpc = newVpc();
    const out = call("CreateDhcpOptions", {
      DhcpConfigurations: [{ Key: "domain-name", Values: ["corp.example"] }, { Key: "domain-name-servers", Values: ["10.0.0.2", "AmazonProvidedDNS"] }],
      TagSpecifications: [{ ResourceType: "dhcp-options", Tags: [{ Key: "Name", Value: "corp" }] }],
    }).DhcpOptions!;
    const id = out.DhcpOptionsId!;
    assert.deepEqual(out.DhcpConfigurations, [
      { Key: "domain-name", Values: [{ Value: "corp.example" }] },
      { Key: "domain-name-servers", Values: [{ Value: "10.0.0.2" }, { Value: "AmazonProvidedDNS" }] },
    ]);
    assert.deepEqual(call("DescribeDhcpOptions", { Filters: [{ Name: "value", Values: ["corp.example"] }] }).DhcpOptions!.map((d) => d.DhcpOptionsId), [id]);
    assert.equal(call("DescribeDhcpOptions", { Filters: [{ Name: "key", Values: ["domain-name"] }, { Name: "tag:Name", Values: ["corp"] }] }).DhcpOptions!.length, 1);
    changed = [];
    call("AssociateDhcpOptions", { DhcpOptionsId: id, VpcId: vpc });
    assert.deepEqual(changed, [vpc]);
    assert.equal(call("DescribeVpcs", { VpcIds: [vpc] }).Vpcs![0]!.DhcpOptionsId, id);
    assert.deepEqual(vpcDhcpOptions(store, vpc), { domainName: "corp.example", nameServers: ["10.0.0.2", "AmazonProvidedDNS"], amazonProvidedDns: true });
    fails(() => call("DeleteDhcpOptions", { DhcpOptionsId: id }), "DependencyViolation", /^The dhcpOptions '.*' has dependencies and cannot be deleted\.$/);
    call("AssociateDhcpOptions", { DhcpOptionsId: "default", VpcId: vpc });
    assert.equal(call("DescribeVpcs", { VpcIds: [vpc] }).Vpcs![0]!.DhcpOptionsId, "default");
    assert.deepEqual(vpcDhcpOptions(store, vpc), { nameServers: [], amazonProvidedDns: false });
    call("DeleteDhcpOptions", { DhcpOptionsId: id });
    fails(() => call("DescribeDhcpOptions", { DhcpOptionsIds: [id] }), "InvalidDhcpOptionID.NotFound");
    fails(() => call("AssociateDhcpOptions", { DhcpOptionsId: id, VpcId: vpc }), "InvalidDhcpOptionID.NotFound");
    fails(() => call("DeleteDhcpOptions", { DhcpOptionsId: "dopt-zz" }), "InvalidDhcpOptionsId.Malformed");
  });

  test("options Hive cannot hand to a guest are refused; bad values are InvalidParameterValue", () => {
    const create = (Key: string, Values: string[]) => () => call("CreateDhcpOptions", { DhcpConfigurations: [{ Key, Values }] });
    fails(create("ntp-servers", ["10.0.0.1"]), "UnsupportedOperation");
    fails(create("netbios-node-type", ["2"]), "UnsupportedOperation");
    fails(create("bogus", ["x"]), "InvalidParameterValue");
    fails(create("domain-name-servers", ["not-an-ip"]), "InvalidParameterValue");
    fails(create("domain-name-servers", ["1.1.1.1", "1.1.1.2", "1.1.1.3", "1.1.1.4", "1.1.1.5"]), "InvalidParameterValue");
    fails(create("domain-name", ["bad domain!"]), "InvalidParameterValue");
    fails(() => call("CreateDhcpOptions", { DhcpConfigurations: [] }), "MissingParameter");
  });
});

describe("tags on network resources", () => {
  test("CreateTags reaches VPCs, subnets, route tables and gateways; unknown ids answer their NotFound", () => {
    const vpc = newVpc();
    const s = newSubnet(vpc, "10.0.1.0/24");
    const igw = newIgw();
    const t = mainTable(vpc).RouteTableId!;
    const req = (ids: string[]) => ({ input: { Resources: ids, Tags: [{ Key: "env", Value: "test" }] }, nodes: 1 }) as unknown as ActionRequest<never>;
    createTags(req([vpc, s, igw, t]), store);
    assert.deepEqual(call("DescribeSubnets", { Filters: [{ Name: "tag:env", Values: ["test"] }] }).Subnets!.map((x) => x.SubnetId), [s]);
    assert.deepEqual(call("DescribeVpcs", { Filters: [{ Name: "tag-key", Values: ["env"] }] }).Vpcs!.map((x) => x.VpcId), [vpc]);
    fails(() => createTags(req(["vpc-0123456789abcdef0"]), store), "InvalidVpcID.NotFound");
    fails(() => createTags(req(["subnet-0123456789abcdef0"]), store), "InvalidSubnetID.NotFound");
  });
});

describe("the data plane's helpers", () => {
  test("subnetRouteTable and subnetHasInternet follow associations, routes and attachments", () => {
    const [defSubnet] = store.subnets.forVpc(defaultVpc);
    assert.equal(subnetHasInternet(store, defSubnet!.id), true);
    const vpc = newVpc("10.0.0.0/16");
    const s = newSubnet(vpc, "10.0.1.0/24");
    assert.equal(subnetRouteTable(store, s)!.id, mainTable(vpc).RouteTableId);
    assert.equal(subnetHasInternet(store, s), false);
    const igw = newIgw();
    call("AttachInternetGateway", { InternetGatewayId: igw, VpcId: vpc });
    const t = call("CreateRouteTable", { VpcId: vpc }).RouteTable!.RouteTableId!;
    call("CreateRoute", { RouteTableId: t, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw });
    assert.equal(subnetHasInternet(store, s), false, "the route is in a table the subnet does not use");
    call("AssociateRouteTable", { RouteTableId: t, SubnetId: s });
    assert.equal(subnetRouteTable(store, s)!.id, t);
    assert.equal(subnetHasInternet(store, s), true);
    call("DetachInternetGateway", { InternetGatewayId: igw, VpcId: vpc });
    assert.equal(subnetHasInternet(store, s), false, "a blackhole route does not reach the internet");
    assert.equal(subnetRouteTable(store, "subnet-0123456789abcdef0"), undefined);
  });

});

describe("hostile input", () => {
  test("random inputs with real and bogus ids answer 4xx domain errors, never anything else", () => {
    let seed = 20261202;
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
    const vpc = newVpc("10.0.0.0/16");
    const subnet = newSubnet(vpc, "10.0.1.0/24");
    const igw = newIgw();
    const rtb = mainTable(vpc).RouteTableId!;
    const assoc = mainTable(vpc).Associations![0]!.RouteTableAssociationId!;
    const block = store.vpcs.cidrBlocks(vpc)[0]!.associationId;
    const ids = [vpc, subnet, igw, rtb, assoc, block, defaultVpc, "vpc-0123456789abcdef0", "x", "", "igw-", "rtb-zzz"];
    const cidrs = ["10.0.0.0/16", "10.0.2.0/24", "0.0.0.0/0", "10.0.0.0/33", "300.1.1.1/24", "10.0.0.0/-1", "::/0", "", "10.0.0.0", "1.2.3.4/32"];
    // Values of the types the codec hands over (it parses by the service model), but of any content.
    const text = () => pick([pick(ids), pick(cidrs), "resource-name", "us-east-1b", "use1-az1", "enableDnsSupport", "dedicated", "x".repeat(300)]);
    const bool = () => ({ Value: pick([true, false, undefined]) });
    const gen: Record<string, () => unknown> = {
      EnableDnsSupport: bool,
      EnableDnsHostnames: bool,
      MapPublicIpOnLaunch: bool,
      AmazonProvidedIpv6CidrBlock: () => pick([true, false]),
      VpcIds: () => [text()],
      SubnetIds: () => [text()],
      RouteTableIds: () => [text()],
      InternetGatewayIds: () => [text()],
      DhcpOptionsIds: () => [text()],
      MaxResults: () => pick([0, 4, 5, 1000, 1001, -1]),
      Filters: () => [{ Name: pick(["vpc-id", "tag:x", "bogus", "cidr", "route.state"]), Values: [text()] }],
      DhcpConfigurations: () => [{ Key: pick(["domain-name", "domain-name-servers", "ntp-servers", "x"]), Values: [text(), text()].slice(0, Math.floor(next() * 3)) }],
      TagSpecifications: () => [{ ResourceType: pick(["vpc", "subnet", "route-table", "bogus"]), Tags: [{ Key: "k", Value: "v" }] }],
    };
    const fieldsOf = ["VpcId", "SubnetId", "InternetGatewayId", "RouteTableId", "AssociationId", "CidrBlock", "DestinationCidrBlock", "GatewayId",
      "AvailabilityZone", "AvailabilityZoneId", "EnableDnsSupport", "EnableDnsHostnames", "MapPublicIpOnLaunch", "PrivateDnsHostnameTypeOnLaunch",
      "Attribute", "VpcIds", "SubnetIds", "RouteTableIds", "InternetGatewayIds", "DhcpOptionsIds", "MaxResults", "NextToken", "InstanceTenancy",
      "TagSpecifications", "Filters", "AmazonProvidedIpv6CidrBlock", "NatGatewayId", "DhcpOptionsId", "DhcpConfigurations"];
    const actions = Object.keys(h) as Array<keyof Handlers>;
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const input: Record<string, unknown> = {};
      for (let k = Math.floor(next() * 5); k > 0; k--) {
        const field = pick(fieldsOf);
        input[field] = (gen[field] ?? text)();
      }
      const action = pick(actions);
      try {
        (h[action] as (req: ActionRequest<unknown>) => unknown)({ input } as ActionRequest<unknown>);
      } catch (err) {
        errors++;
        assert.ok(err instanceof HiveError, `${action} ${JSON.stringify(input)}: ${String(err)}`);
        assert.ok(awsErrorFromDomain(err).status < 500, `${action} ${JSON.stringify(input)}: ${err.kind} ${err.message}`);
      }
    }
    assert.ok(errors > 1000);
  });
});
