// Throws random, truncated and hostile requests at the compiled gateway: no 5xx, no crash, still answering after.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { aws, rawRequest, startHive, type HiveInstance } from "../helpers/hive.ts";
import { signedForm } from "../helpers/sign.ts";
import { errorCodeOf } from "../helpers/xml.ts";

let hive: HiveInstance;
before(async () => {
  hive = await startHive();
});
after(async () => {
  await hive?.stop();
});

/** mulberry32: a small seeded generator so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  "DescribeRegions", "DescribeInstanceTypes", "DescribeAvailabilityZones", "DescribeAccountAttributes", "RunInstances", "DescribeInstances",
  "DescribeInstanceStatus", "StartInstances", "StopInstances", "RebootInstances", "TerminateInstances", "GetConsoleOutput",
  "DescribeInstanceAttribute", "ModifyInstanceAttribute", "CreateTags", "DeleteTags", "DescribeTags", "DescribeVolumes", "DescribeImages",
  "CreateKeyPair", "ImportKeyPair", "DescribeKeyPairs", "DeleteKeyPair", "ModifyInstanceMetadataOptions", "CreateImage", "CopyImage",
  "RegisterImage", "DeregisterImage",
  "CreateVpc", "DeleteVpc", "DescribeVpcs", "ModifyVpcAttribute", "DescribeVpcAttribute", "AssociateVpcCidrBlock", "DisassociateVpcCidrBlock",
  "DescribeDhcpOptions", "CreateSubnet", "DeleteSubnet", "DescribeSubnets", "ModifySubnetAttribute", "CreateRouteTable", "DeleteRouteTable",
  "DescribeRouteTables", "CreateRoute", "ReplaceRoute", "DeleteRoute", "AssociateRouteTable", "DisassociateRouteTable",
  "ReplaceRouteTableAssociation", "CreateInternetGateway", "DeleteInternetGateway", "DescribeInternetGateways", "AttachInternetGateway",
  "DetachInternetGateway", "CreateDhcpOptions", "AssociateDhcpOptions", "DeleteDhcpOptions",
  "Bogus", "",
];
const KEYS = [
  "Filter.1.Name", "Filter.1.Value.1", "Filter.2.Value.7", "Filter.0.Name", "Filter.x.Name", "Filter.99999999.Name", "MaxResults", "NextToken",
  "DryRun", "InstanceType.1", "RegionName.1", "ZoneName.1", "AttributeName.1", "MinCount", "MaxCount", "ImageId", "TagSpecification.1.Tag.1.Key",
  "__proto__.polluted", "constructor.prototype.x", "Unknown", "Filter", "Filter..Name", "Filter.1.Value", "BlockDeviceMapping.1.Ebs.VolumeSize",
  "InstanceId", "InstanceId.1", "InstanceId.2", "ResourceId.1", "Tag.1.Key", "Tag.1.Value", "Attribute", "Value", "Force", "VolumeId.1",
  "ImageId.1", "Owner.1", "UserData", "InstanceInitiatedShutdownBehavior", "ClientToken", "Latest",
  "KeyName", "KeyType", "KeyFormat", "PublicKeyMaterial", "KeyPairId", "HttpTokens", "HttpEndpoint", "HttpPutResponseHopLimit",
  "Name", "SourceImageId", "SourceRegion", "ImageLocation", "NoReboot",
  "VpcId", "VpcId.1", "SubnetId", "SubnetId.1", "CidrBlock", "RouteTableId", "RouteTableId.1", "InternetGatewayId", "InternetGatewayId.1",
  "DestinationCidrBlock", "GatewayId", "AssociationId", "AvailabilityZone", "AvailabilityZoneId", "EnableDnsSupport.Value",
  "EnableDnsHostnames.Value", "MapPublicIpOnLaunch.Value", "PrivateDnsHostnameTypeOnLaunch", "AmazonProvidedIpv6CidrBlock", "NatGatewayId",
  "DhcpOptionsId.1", "InstanceTenancy", "DhcpOptionsId", "DhcpConfiguration.1.Key", "DhcpConfiguration.1.Value.1",
];
const VALUES = [
  "", "t3.micro", "true", "false", "maybe", "5", "-1", "1e309", "abc", "%zz", "\u0000", "\u{1F600}", "*", "x".repeat(5000), "ami-12345678901234567",
  "instance-type", "9".repeat(40), "i-0123456789abcdef0", "i-xyz", "vol-0123456789abcdef0", "instanceType", "userData", "terminate", "aGVsbG8=", "self",
  "rsa", "ed25519", "ppk", "required", "c3NoLXJzYSBBQUFB", "../../etc/passwd", "images/x.qcow2", "us-east-1", "65",
  "10.0.0.0/16", "10.0.0.0/8", "0.0.0.0/0", "10.0.1.0/24", "10.0.1.1/24", "vpc-0123456789abcdef0", "subnet-xyz", "igw-0123456789abcdef0",
  "rtb-0123456789abcdef0", "rtbassoc-0123456789abcdef0", "vpc-cidr-assoc-0123456789abcdef0", "local", "enableDnsSupport", "resource-name",
  "us-east-1a", "dedicated", "domain-name", "domain-name-servers", "ntp-servers", "AmazonProvidedDNS", "default",
];

test("random signed parameters never produce a 5xx", async () => {
  const next = rng(20261129);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const codes = new Map<string, number>();
  for (let i = 0; i < 800; i++) {
    const params = new URLSearchParams();
    const action = pick(ACTIONS);
    if (action || next() < 0.5) params.append("Action", action);
    params.append("Version", "2016-11-15");
    const n = Math.floor(next() * 6);
    for (let k = 0; k < n; k++) params.append(pick(KEYS), pick(VALUES));
    let body = params.toString();
    if (next() < 0.2) body = body.slice(0, Math.floor(next() * body.length)); // truncated, then signed as sent
    const res = await rawRequest(hive, await signedForm({ endpoint: hive.endpoint, accessKeyId: hive.accessKeyId, secretAccessKey: hive.secretAccessKey }, body));
    assert.ok(res.status < 500, `5xx for ${body.slice(0, 300)}: ${res.body}`);
    const code = errorCodeOf(res.body) ?? String(res.status);
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  assert.ok(codes.size >= 4, `too little variety: ${[...codes.keys()]}`);
});

test("random bytes, truncated signatures and odd framing never produce a 5xx", async () => {
  const next = rng(7);
  const good = await signedForm({ endpoint: hive.endpoint, accessKeyId: hive.accessKeyId, secretAccessKey: hive.secretAccessKey }, "Action=DescribeRegions&Version=2016-11-15");
  for (let i = 0; i < 150; i++) {
    const bytes = Buffer.from(Array.from({ length: Math.floor(next() * 400) }, () => Math.floor(next() * 256)));
    const variant = i % 5;
    const headers: Record<string, string> = { ...good.headers };
    let body: Buffer | string = bytes;
    if (variant === 1) headers.authorization = headers.authorization.slice(0, Math.floor(next() * headers.authorization.length));
    if (variant === 2) headers.authorization = bytes.toString("latin1").replace(/[^\x20-\x7e]/g, "");
    if (variant === 3) {
      delete headers["x-amz-date"];
      body = good.body;
    }
    if (variant === 4) headers["content-type"] = "application/json";
    delete headers["content-length"];
    const res = await rawRequest(hive, { headers, body, method: next() < 0.2 ? "PUT" : "POST", path: next() < 0.1 ? "/nope?%%%" : "/" });
    assert.ok(res.status < 500, `5xx (variant ${variant}): ${res.body}`);
  }
});

test("an oversized body is refused with 413", async () => {
  const res = await rawRequest(hive, { body: "Action=DescribeRegions&X=" + "a".repeat(2 << 20), headers: { "content-type": "application/x-www-form-urlencoded" } });
  assert.ok(res.status === 413 || res.status === 400, `status ${res.status}`);
});

test("the appliance still answers after the fuzzing", () => {
  assert.equal(hive.proc.exitCode, null);
  const r = aws(hive, ["ec2", "describe-regions"]);
  assert.equal(r.status, 0, r.stderr);
});
