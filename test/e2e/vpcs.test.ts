// VPCs end to end: the compiled hive driven by the real aws CLI, as a user of AWS would: the default VPC, subnet,
// route table and internet gateway from the start, then a VPC built, routed to the internet, described with filters
// and taken down again in the order AWS demands.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { awsDriver } from "../helpers/e2e.ts";
import { startHive, type HiveInstance } from "../helpers/hive.ts";

describe("e2e: VPCs, subnets, route tables and internet gateways", () => {
  let hive: HiveInstance;
  before(async () => {
    hive = await startHive();
  });
  after(async () => {
    await hive?.stop();
  });
  const { ok, fails } = awsDriver(() => hive);

  test("the default VPC, its /20 default subnet, main route table and internet gateway exist from the start", () => {
    const { Vpcs } = ok(["ec2", "describe-vpcs"]);
    assert.equal(Vpcs.length, 1);
    const [vpc] = Vpcs;
    assert.equal(vpc.IsDefault, true);
    assert.equal(vpc.CidrBlock, "172.31.0.0/16");
    assert.equal(vpc.State, "available");
    assert.equal(vpc.OwnerId, hive.accountId);
    assert.match(vpc.VpcId, /^vpc-[0-9a-f]{17}$/);

    const { Subnets } = ok(["ec2", "describe-subnets", "--filters", `Name=vpc-id,Values=${vpc.VpcId}`]);
    assert.equal(Subnets.length, 1);
    assert.equal(Subnets[0].CidrBlock, "172.31.0.0/20");
    assert.equal(Subnets[0].DefaultForAz, true);
    assert.equal(Subnets[0].MapPublicIpOnLaunch, true);
    assert.equal(Subnets[0].AvailableIpAddressCount, 4091);
    assert.equal(ok(["ec2", "describe-subnets", "--filters", "Name=default-for-az,Values=true"]).Subnets.length, 1);

    const [igw] = ok(["ec2", "describe-internet-gateways", "--filters", `Name=attachment.vpc-id,Values=${vpc.VpcId}`]).InternetGateways;
    assert.deepEqual(igw.Attachments, [{ State: "available", VpcId: vpc.VpcId }]);
    const [main] = ok(["ec2", "describe-route-tables", "--filters", `Name=vpc-id,Values=${vpc.VpcId}`, "Name=association.main,Values=true"]).RouteTables;
    assert.equal(main.Associations[0].Main, true);
    assert.deepEqual(
      main.Routes.map((r: Record<string, string>) => [r.DestinationCidrBlock, r.GatewayId, r.State]),
      [["172.31.0.0/16", "local", "active"], ["0.0.0.0/0", igw.InternetGatewayId, "active"]],
    );
    const [dopt] = ok(["ec2", "describe-dhcp-options", "--dhcp-options-ids", vpc.DhcpOptionsId]).DhcpOptions;
    assert.deepEqual(dopt.DhcpConfigurations.find((c: { Key: string }) => c.Key === "domain-name-servers").Values, [{ Value: "AmazonProvidedDNS" }]);
  });

  test("the user story: a VPC with a public subnet, built, described, and deleted in AWS's order", () => {
    const vpc = ok(["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=story}]"]).Vpc;
    assert.equal(vpc.CidrBlock, "10.0.0.0/16");
    const vpcId: string = vpc.VpcId;
    ok(["ec2", "modify-vpc-attribute", "--vpc-id", vpcId, "--enable-dns-hostnames", "{\"Value\":true}"]);
    assert.equal(ok(["ec2", "describe-vpc-attribute", "--vpc-id", vpcId, "--attribute", "enableDnsHostnames"]).EnableDnsHostnames.Value, true);

    const subnet = ok(["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.0.1.0/24"]).Subnet;
    assert.equal(subnet.AvailableIpAddressCount, 251);
    const subnetId: string = subnet.SubnetId;
    fails(["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.0.1.0/25"], "InvalidSubnet.Conflict");
    fails(["ec2", "create-subnet", "--vpc-id", vpcId, "--cidr-block", "10.1.0.0/24"], "InvalidSubnet.Range");
    fails(["ec2", "create-vpc", "--cidr-block", "10.0.0.0/8"], "InvalidVpc.Range");
    ok(["ec2", "modify-subnet-attribute", "--subnet-id", subnetId, "--map-public-ip-on-launch"]);

    const igwId: string = ok(["ec2", "create-internet-gateway"]).InternetGateway.InternetGatewayId;
    ok(["ec2", "attach-internet-gateway", "--internet-gateway-id", igwId, "--vpc-id", vpcId]);
    fails(["ec2", "attach-internet-gateway", "--internet-gateway-id", igwId, "--vpc-id", vpcId], "Resource.AlreadyAssociated");

    const rtbId: string = ok(["ec2", "create-route-table", "--vpc-id", vpcId]).RouteTable.RouteTableId;
    assert.equal(ok(["ec2", "create-route", "--route-table-id", rtbId, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igwId]).Return, true);
    fails(["ec2", "create-route", "--route-table-id", rtbId, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igwId], "RouteAlreadyExists");
    fails(["ec2", "delete-route", "--route-table-id", rtbId, "--destination-cidr-block", "10.0.0.0/16"], "InvalidParameterValue");
    const assocId: string = ok(["ec2", "associate-route-table", "--route-table-id", rtbId, "--subnet-id", subnetId]).AssociationId;
    assert.match(assocId, /^rtbassoc-/);

    // Described with filters, as tools look things up.
    assert.deepEqual(ok(["ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=story"]).Vpcs.map((v: { VpcId: string }) => v.VpcId), [vpcId]);
    assert.deepEqual(ok(["ec2", "describe-vpcs", "--filters", "Name=is-default,Values=false"]).Vpcs.map((v: { VpcId: string }) => v.VpcId), [vpcId]);
    const [subnetView] = ok(["ec2", "describe-subnets", "--filters", `Name=vpc-id,Values=${vpcId}`, "Name=cidr-block,Values=10.0.1.0/24"]).Subnets;
    assert.equal(subnetView.SubnetId, subnetId);
    assert.equal(subnetView.MapPublicIpOnLaunch, true);
    const tables = ok(["ec2", "describe-route-tables", "--filters", `Name=association.subnet-id,Values=${subnetId}`]).RouteTables;
    assert.deepEqual(tables.map((t: { RouteTableId: string }) => t.RouteTableId), [rtbId]);
    assert.deepEqual(
      tables[0].Routes.map((r: Record<string, string>) => [r.DestinationCidrBlock, r.GatewayId, r.State]),
      [["10.0.0.0/16", "local", "active"], ["0.0.0.0/0", igwId, "active"]],
    );
    assert.equal(ok(["ec2", "describe-internet-gateways", "--filters", `Name=attachment.vpc-id,Values=${vpcId}`]).InternetGateways[0].InternetGatewayId, igwId);
    assert.equal(ok(["ec2", "describe-route-tables", "--filters", `Name=route.gateway-id,Values=${igwId}`]).RouteTables.length, 1);

    // The wrong order is refused with DependencyViolation, the right one succeeds.
    fails(["ec2", "delete-vpc", "--vpc-id", vpcId], "DependencyViolation");
    fails(["ec2", "delete-internet-gateway", "--internet-gateway-id", igwId], "DependencyViolation");
    fails(["ec2", "delete-route-table", "--route-table-id", rtbId], "DependencyViolation");
    ok(["ec2", "disassociate-route-table", "--association-id", assocId]);
    ok(["ec2", "delete-route-table", "--route-table-id", rtbId]);
    ok(["ec2", "delete-subnet", "--subnet-id", subnetId]);
    fails(["ec2", "delete-vpc", "--vpc-id", vpcId], "DependencyViolation");
    ok(["ec2", "detach-internet-gateway", "--internet-gateway-id", igwId, "--vpc-id", vpcId]);
    fails(["ec2", "detach-internet-gateway", "--internet-gateway-id", igwId, "--vpc-id", vpcId], "Gateway.NotAttached");
    ok(["ec2", "delete-internet-gateway", "--internet-gateway-id", igwId]);
    ok(["ec2", "delete-vpc", "--vpc-id", vpcId]);
    fails(["ec2", "describe-vpcs", "--vpc-ids", vpcId], "InvalidVpcID.NotFound");
    fails(["ec2", "describe-subnets", "--subnet-ids", subnetId], "InvalidSubnetID.NotFound");
    assert.equal(ok(["ec2", "describe-vpcs"]).Vpcs.length, 1);
  });

  test("tags on a VPC by create-tags, read back by describe-tags and a tag filter", () => {
    const vpcId: string = ok(["ec2", "create-vpc", "--cidr-block", "10.8.0.0/16"]).Vpc.VpcId;
    ok(["ec2", "create-tags", "--resources", vpcId, "--tags", "Key=team,Value=net"]);
    const tags = ok(["ec2", "describe-tags", "--filters", `Name=resource-id,Values=${vpcId}`]).Tags;
    assert.deepEqual(tags, [{ ResourceId: vpcId, ResourceType: "vpc", Key: "team", Value: "net" }]);
    assert.equal(ok(["ec2", "describe-vpcs", "--filters", "Name=tag:team,Values=net"]).Vpcs[0].VpcId, vpcId);
    fails(["ec2", "create-tags", "--resources", "vpc-0123456789abcdef0", "--tags", "Key=a,Value=b"], "InvalidVpcID.NotFound");
    ok(["ec2", "delete-vpc", "--vpc-id", vpcId]);
  });

  test("CIDR blocks: a second block associated and disassociated; IPv6 refused", () => {
    const vpcId: string = ok(["ec2", "create-vpc", "--cidr-block", "10.20.0.0/16"]).Vpc.VpcId;
    const assoc = ok(["ec2", "associate-vpc-cidr-block", "--vpc-id", vpcId, "--cidr-block", "10.21.0.0/16"]).CidrBlockAssociation;
    assert.equal(assoc.CidrBlock, "10.21.0.0/16");
    const blocks = ok(["ec2", "describe-vpcs", "--vpc-ids", vpcId]).Vpcs[0].CidrBlockAssociationSet.map((b: { CidrBlock: string }) => b.CidrBlock);
    assert.deepEqual(blocks.sort(), ["10.20.0.0/16", "10.21.0.0/16"]);
    fails(["ec2", "associate-vpc-cidr-block", "--vpc-id", vpcId, "--amazon-provided-ipv6-cidr-block"], "UnsupportedOperation");
    ok(["ec2", "disassociate-vpc-cidr-block", "--association-id", assoc.AssociationId]);
    ok(["ec2", "delete-vpc", "--vpc-id", vpcId]);
  });

  test("DHCP options: created, associated with a VPC, refused deletion while in use", () => {
    const vpcId: string = ok(["ec2", "create-vpc", "--cidr-block", "10.30.0.0/16"]).Vpc.VpcId;
    const dopt = ok(["ec2", "create-dhcp-options", "--dhcp-configurations", "Key=domain-name,Values=corp.example", "Key=domain-name-servers,Values=AmazonProvidedDNS"]).DhcpOptions;
    ok(["ec2", "associate-dhcp-options", "--dhcp-options-id", dopt.DhcpOptionsId, "--vpc-id", vpcId]);
    assert.equal(ok(["ec2", "describe-vpcs", "--filters", `Name=dhcp-options-id,Values=${dopt.DhcpOptionsId}`]).Vpcs[0].VpcId, vpcId);
    fails(["ec2", "delete-dhcp-options", "--dhcp-options-id", dopt.DhcpOptionsId], "DependencyViolation");
    fails(["ec2", "create-dhcp-options", "--dhcp-configurations", "Key=ntp-servers,Values=10.0.0.1"], "UnsupportedOperation");
    ok(["ec2", "delete-vpc", "--vpc-id", vpcId]);
    ok(["ec2", "delete-dhcp-options", "--dhcp-options-id", dopt.DhcpOptionsId]);
    fails(["ec2", "describe-dhcp-options", "--dhcp-options-ids", dopt.DhcpOptionsId], "InvalidDhcpOptionID.NotFound");
  });
});
