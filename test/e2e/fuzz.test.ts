// Throws random, truncated and hostile requests at the compiled gateway: no 5xx, no crash, still answering after.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { aws, rawRequest, startHive, type HiveInstance } from "../helpers/hive.ts";
import { signedForm, signedJson } from "../helpers/sign.ts";
import { errorCodeOf } from "../helpers/xml.ts";
import { declaredActions } from "../../src/actions/index.ts";
import { codecFor } from "../../src/api/codec/index.ts";

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

const dedupe = (xs: string[]): string[] => [...new Set(xs)];

// Every EC2 action the catalogue declares, plus names that are not actions.
const ACTIONS = [...declaredActions().flatMap(([service, action]) => (service === "ec2" ? [action] : [])), "Bogus", ""];
// Each room's parameters were added by its own change; repeats are dropped.
const KEYS = dedupe([
  "Filter.1.Name", "Filter.1.Value.1", "Filter.2.Value.7", "Filter.0.Name", "Filter.x.Name", "Filter.99999999.Name", "MaxResults", "NextToken",
  "DryRun", "InstanceType.1", "RegionName.1", "ZoneName.1", "AttributeName.1", "MinCount", "MaxCount", "ImageId", "TagSpecification.1.Tag.1.Key",
  "__proto__.polluted", "constructor.prototype.x", "Unknown", "Filter", "Filter..Name", "Filter.1.Value", "BlockDeviceMapping.1.Ebs.VolumeSize",
  "InstanceId", "InstanceId.1", "InstanceId.2", "ResourceId.1", "Tag.1.Key", "Tag.1.Value", "Attribute", "Value", "Force", "VolumeId.1",
  "ImageId.1", "Owner.1", "UserData", "InstanceInitiatedShutdownBehavior", "ClientToken", "Latest",
  "KeyName", "KeyType", "KeyFormat", "PublicKeyMaterial", "KeyPairId", "HttpTokens", "HttpEndpoint", "HttpPutResponseHopLimit",
  "Name", "SourceImageId", "SourceRegion", "ImageLocation", "NoReboot",
  // EBS: volumes, attachments, modifications and snapshots.
  "VolumeId", "Size", "VolumeType", "Iops", "Throughput", "SnapshotId", "SnapshotId.1", "Device", "SourceSnapshotId", "Owner.1",
  "RestorableBy.1", "AutoEnableIO.Value", "MultiAttachEnabled", "Encrypted", "KmsKeyId", "BlockDeviceMapping.1.DeviceName",
  "BlockDeviceMapping.1.Ebs.SnapshotId", "BlockDeviceMapping.1.Ebs.VolumeType", "BlockDeviceMapping.1.NoDevice", "DestinationRegion",
  // The network model's parameters.
  "VpcId", "VpcId.1", "SubnetId", "SubnetId.1", "CidrBlock", "AvailabilityZone", "GroupId", "GroupId.1", "GroupName", "GroupName.1",
  "GroupDescription", "Description", "IpPermissions.1.IpProtocol", "IpPermissions.1.FromPort", "IpPermissions.1.ToPort",
  "IpPermissions.1.IpRanges.1.CidrIp", "IpPermissions.1.Groups.1.GroupId", "IpProtocol", "FromPort", "ToPort", "CidrIp",
  "SourceSecurityGroupName", "SecurityGroupRuleId.1", "SecurityGroupRule.1.SecurityGroupRuleId", "SecurityGroupId.1",
  "SecurityGroup.1", "PrivateIpAddress", "NetworkInterfaceId", "NetworkInterfaceId.1", "NetworkInterface.1.DeviceIndex",
  "NetworkInterface.1.SubnetId", "NetworkInterface.1.AssociatePublicIpAddress", "DeviceIndex", "AttachmentId", "SourceDestCheck.Value",
  "EnableDnsSupport.Value", "EnableDnsHostnames.Value", "MapPublicIpOnLaunch.Value", "AssociationId", "AllocationId", "AllocationId.1",
  "PublicIp", "PublicIp.1", "Domain", "InternetGatewayId", "InternetGatewayId.1", "RouteTableId", "RouteTableId.1",
  "DestinationCidrBlock", "GatewayId", "DhcpOptionsId.1", "AmazonProvidedIpv6CidrBlock", "InstanceTenancy", "TagSpecification.1.ResourceType",
  "GroupId", "GroupName", "Description", "VpcId", "GroupId.1", "GroupName.1", "CidrIp", "IpProtocol", "FromPort", "ToPort",
  "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "IpPermissions.1.IpProtocol", "IpPermissions.1.FromPort", "IpPermissions.1.ToPort",
  "IpPermissions.1.IpRanges.1.CidrIp", "IpPermissions.1.IpRanges.1.Description", "IpPermissions.1.Groups.1.GroupId",
  "IpPermissions.1.Groups.1.GroupName", "IpPermissions.1.Groups.1.UserId", "IpPermissions.1.Ipv6Ranges.1.CidrIpv6",
  "IpPermissions.1.PrefixListIds.1.PrefixListId", "SecurityGroupRuleId.1", "SecurityGroupRule.1.SecurityGroupRuleId",
  "SecurityGroupRule.1.SecurityGroupRule.IpProtocol", "SecurityGroupRule.1.SecurityGroupRule.CidrIpv4",
  "SecurityGroupRuleDescription.1.SecurityGroupRuleId", "SecurityGroupRuleDescription.1.Description",
  "VpcId", "VpcId.1", "SubnetId", "SubnetId.1", "CidrBlock", "RouteTableId", "RouteTableId.1", "InternetGatewayId", "InternetGatewayId.1",
  "DestinationCidrBlock", "GatewayId", "AssociationId", "AvailabilityZone", "AvailabilityZoneId", "EnableDnsSupport.Value",
  "EnableDnsHostnames.Value", "MapPublicIpOnLaunch.Value", "PrivateDnsHostnameTypeOnLaunch", "AmazonProvidedIpv6CidrBlock", "NatGatewayId",
  "DhcpOptionsId.1", "InstanceTenancy", "DhcpOptionsId", "DhcpConfiguration.1.Key", "DhcpConfiguration.1.Value.1",
  "SubnetId", "SecurityGroupId.1", "SecurityGroup.1", "PrivateIpAddress", "NetworkInterfaceId", "NetworkInterfaceId.1", "AllocationId",
  "AllocationId.1", "AssociationId", "PublicIp", "PublicIp.1", "DeviceIndex", "AttachmentId", "Domain", "Address", "AllowReassociation",
  "Description.Value", "SourceDestCheck.Value", "Attachment.AttachmentId", "Attachment.DeleteOnTermination", "NetworkInterface.1.DeviceIndex",
  "NetworkInterface.1.SubnetId", "NetworkInterface.1.NetworkInterfaceId", "NetworkInterface.1.PrivateIpAddress", "GroupId.1",
]);
const VALUES = dedupe([
  "", "t3.micro", "true", "false", "maybe", "5", "-1", "1e309", "abc", "%zz", "\u0000", "\u{1F600}", "*", "x".repeat(5000), "ami-12345678901234567",
  "instance-type", "9".repeat(40), "i-0123456789abcdef0", "i-xyz", "vol-0123456789abcdef0", "instanceType", "userData", "terminate", "aGVsbG8=", "self",
  "rsa", "ed25519", "ppk", "required", "c3NoLXJzYSBBQUFB", "../../etc/passwd", "images/x.qcow2", "us-east-1", "65",
  "10.0.0.0/16", "10.0.1.0/24", "10.0.0.0/8", "172.31.0.0/16", "0.0.0.0/0", "10.0.1.300/24", "10.0.1.4", "::/0", "tcp", "udp", "icmp",
  "65536", "vpc-0123456789abcdef0", "subnet-0123456789abcdef0", "sg-0123456789abcdef0", "sgr-0123456789abcdef0", "eni-0123456789abcdef0",
  "eipalloc-0123456789abcdef0", "igw-0123456789abcdef0", "rtb-0123456789abcdef0", "default", "vpc", "standard", "dedicated", "security-group",
  "tcp", "icmp", "all", "0.0.0.0/0", "10.0.0.1/8", "::/0", "default", "sg-0123456789abcdef0", "sgr-0123456789abcdef0", "pl-12345678", "65536",
  "10.0.0.0/16", "10.0.0.0/8", "0.0.0.0/0", "10.0.1.0/24", "10.0.1.1/24", "vpc-0123456789abcdef0", "subnet-xyz", "igw-0123456789abcdef0",
  "rtb-0123456789abcdef0", "rtbassoc-0123456789abcdef0", "vpc-cidr-assoc-0123456789abcdef0", "local", "enableDnsSupport", "resource-name",
  "us-east-1a", "dedicated", "domain-name", "domain-name-servers", "ntp-servers", "AmazonProvidedDNS",
  "subnet-0123456789abcdef0", "eni-0123456789abcdef0", "eipalloc-0123456789abcdef0", "eipassoc-0123456789abcdef0", "eni-attach-0123456789abcdef0",
  "sg-0123456789abcdef0", "172.31.0.4", "172.31.0.1", "10.0.0.5", "192.0.2.17", "vpc", "standard", "0", "1",
]);

test("random signed parameters never produce a 5xx", async () => {
  const next = rng(20261129);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const codes = new Map<string, number>();
  // Enough rounds that each declared action is drawn several times.
  for (let i = 0; i < Math.max(400, ACTIONS.length * 8); i++) {
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

// The JSON-protocol services (SSM): bodies built from the model's members with values of every JSON type, some cut short.
const JSON_MEMBERS = [
  "Name", "Names", "Value", "Type", "Overwrite", "WithDecryption", "Path", "Recursive", "MaxResults", "NextToken", "Labels", "Label",
  "ParameterVersion", "KeyId", "AllowedPattern", "Tier", "DataType", "Description", "Tags", "TagKeys", "ResourceType", "ResourceId",
  "ParameterFilters", "Filters", "Policies", "__proto__", "constructor", "Bogus",
];
const JSON_VALUES: unknown[] = [
  "", "/app/db", "app", "/aws/service/hive/test/latest", "resolve:ssm:/x", "SecureString", "String", "StringList", "aws:ec2:image",
  "ami-0123456789abcdef0", "alias/aws/ssm", "Advanced", "Parameter", "x".repeat(5000), "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q", "a,b,,c",
  "/app/db:1", "/app/db:prod", "%zz", "\u0000", 0, -1, 1e308, 3.5, 2 ** 53, true, false, null, [], ["/app/db", 7], {},
  [{ Key: "Name", Values: ["/app"] }], [{ Key: "Type", Option: "Equals", Values: ["SecureString"] }], [{ Key: "k", Value: "v" }], { Key: "k" },
];

test("random signed JSON-protocol requests never produce a 5xx, and every answer is JSON", async () => {
  const next = rng(20261202);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const targets = [...codecFor("ssm").actions().map((a) => `AmazonSSM.${a}`), "AmazonSSM.Bogus", "AmazonSSM.", "AmazonEC2.DescribeRegions", ""];
  const codes = new Map<string, number>();
  for (let i = 0; i < 600; i++) {
    const doc: Record<string, unknown> = {};
    const n = Math.floor(next() * 5);
    for (let k = 0; k < n; k++) doc[pick(JSON_MEMBERS)] = pick(JSON_VALUES);
    let body = JSON.stringify(doc);
    if (next() < 0.15) body = body.slice(0, Math.floor(next() * body.length));
    const signed = await signedJson({ endpoint: hive.endpoint, accessKeyId: hive.accessKeyId, secretAccessKey: hive.secretAccessKey }, "ssm", pick(targets), body);
    const res = await rawRequest(hive, signed);
    assert.ok(res.status < 500, `5xx for ${signed.headers["x-amz-target"]} ${body.slice(0, 300)}: ${res.body}`);
    const answer = JSON.parse(res.body) as { __type?: string };
    const code = answer.__type ?? String(res.status);
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
