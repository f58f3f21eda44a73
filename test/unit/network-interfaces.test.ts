// Network interfaces, Elastic IPs and instances in the VPC model, over an in-memory store: every refusal answers the
// AWS code EC2 gives (read through the gateway's own error table), and what is made shows as EC2 shows it.
import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import type { Instance, RunInstancesRequest } from "@aws-sdk/client-ec2";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import type { ActionRequest } from "../../src/bus/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { instanceDeps, type InstanceDeps } from "../../src/daemon/instances/instance-deps.ts";
import type { InstanceManager } from "../../src/daemon/instances/instance-manager.ts";
import { describeInstances, describeInstanceAttribute, modifyInstanceAttribute } from "../../src/daemon/instances/instances.ts";
import { runInstances } from "../../src/daemon/instances/run-instances.ts";
import { guestMac, macFor, metadataFacts } from "../../src/daemon/instances/guest-config.ts";
import { placeEarlierInstances } from "../../src/daemon/instances/adopt-network.ts";
import {
  ElasticIpActions,
  NetworkInterfaceActions,
  nextFreeAddress,
  poolAddresses,
  publicDnsNameOf,
  releaseInstanceInterfaces,
} from "../../src/daemon/network-interfaces/index.ts";
import { createDefaultGroup } from "../../src/daemon/security-groups/index.ts";
import { privateDnsName } from "../../src/net/index.ts";
import { createTags } from "../../src/daemon/shared/tags.ts";
import type { DaemonContext, NetworkChanges } from "../../src/daemon/shared/index.ts";
import { ensureDefaultVpc } from "../../src/daemon/vpc/index.ts";
import { lookupMetadata, metadataTree } from "../../src/metadata/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const AMI = "ami-0123456789abcdef0";
const now = "2026-12-01T00:00:00.000Z";

const baseCtx = testContext({ host: { vcpus: 64, memoryMiB: 256 * 1024, cpuVendor: "intel", arch: "x86_64", kvm: true } });

/** The AWS code the gateway would answer for what fn throws. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
    return awsErrorFromDomain(err).code;
  }
  assert.fail("expected an error");
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail("expected an error");
}

interface World {
  ctx: DaemonContext;
  store: Store;
  deps: InstanceDeps;
  changed: string[];
  launched: string[];
  enis: NetworkInterfaceActions;
  eips: ElasticIpActions;
  defaultVpc: string;
  defaultSubnet: string;
  defaultGroup: string;
}

async function world(over: Partial<DaemonContext> = {}, withDefaultVpc = true): Promise<World> {
  const ctx = { ...baseCtx, ...over };
  const store = await openStore(":memory:");
  const defaultVpc = withDefaultVpc ? ensureDefaultVpc(ctx, store)! : "";
  store.images.insert({ id: AMI, name: "base", state: "available", architecture: "x86_64", rootDeviceName: "/dev/xvda", sizeBytes: 64 << 20, file: `images/${AMI}.qcow2`, node: "node-1", ownerId: ctx.accountId, createdAt: now });
  const changed: string[] = [];
  const launched: string[] = [];
  const changes: NetworkChanges = { vpcChanged: (v) => changed.push(v) };
  const manager = { launch: (id: string) => launched.push(id) } as unknown as InstanceManager;
  const deps = instanceDeps(ctx, store, manager, changes);
  const defaultSubnet = withDefaultVpc ? store.subnets.forVpc(defaultVpc)[0]!.id : "";
  const defaultGroup = withDefaultVpc ? store.securityGroups.byName(defaultVpc, "default")!.id : "";
  return { ctx, store, deps, changed, launched, enis: new NetworkInterfaceActions(ctx, store, changes), eips: new ElasticIpActions(ctx, store, changes), defaultVpc, defaultSubnet, defaultGroup };
}

/** A VPC of our own (10.0.0.0/16) with a subnet in `az` and a group "web" besides the default one. */
function customVpc(w: World, subnetCidr = "10.0.1.0/24", az = w.ctx.az) {
  const vpcId = `vpc-${"a".repeat(17)}`;
  if (!w.store.vpcs.get(vpcId)) {
    w.store.vpcs.insert({ id: vpcId, cidr: "10.0.0.0/16", isDefault: false, dnsSupport: true, dnsHostnames: false, tenancy: "default", netIndex: w.store.vpcs.freeNetIndex(), createdAt: now });
    w.store.vpcs.addCidrBlock({ associationId: `vpc-cidr-assoc-${"a".repeat(17)}`, vpcId, cidr: "10.0.0.0/16", primary: true });
    createDefaultGroup(w.store, vpcId, now);
    w.store.securityGroups.insert({ id: `sg-${"b".repeat(17)}`, vpcId, name: "web", description: "web", isDefault: false, createdAt: now });
  }
  const subnetId = `subnet-${subnetCidr.split(/[./]/).map((n) => Number(n).toString(16).padStart(2, "0")).join("").slice(0, 17).padEnd(17, "0")}`;
  w.store.subnets.insert({ id: subnetId, vpcId, cidr: subnetCidr, az, defaultForAz: false, mapPublicIp: false, hostnameType: "ip-name", dnsARecord: false, createdAt: now });
  return { vpcId, subnetId, web: `sg-${"b".repeat(17)}` };
}

const req = <T>(input: T, nodes = 1): ActionRequest<T> => ({ requestId: "t", caller: {} as ActionRequest["caller"], region: "us-east-1", input, nodes }) as ActionRequest<T>;

const run = (w: World, input: Partial<RunInstancesRequest> = {}): Instance[] =>
  runInstances(req({ ImageId: AMI, MinCount: 1, MaxCount: 1, ...input } as RunInstancesRequest), w.deps).Instances ?? [];

const describeAll = (w: World, Filters?: Array<{ Name: string; Values: string[] }>): Instance[] =>
  (describeInstances(req({ Filters }), w.deps).Reservations ?? []).flatMap((r) => r.Instances ?? []);

describe("subnet addresses", () => {
  test("the lowest free address skips AWS's reserved five and every interface's address", async () => {
    const w = await world();
    assert.equal(nextFreeAddress(w.store, w.defaultSubnet), "172.31.0.4");
    w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "172.31.0.4" });
    assert.equal(nextFreeAddress(w.store, w.defaultSubnet), "172.31.0.5");
    assert.equal(nextFreeAddress(w.store, w.defaultSubnet, ["172.31.0.5"]), "172.31.0.6");
  });

  test("names as EC2 gives them", () => {
    assert.equal(privateDnsName("10.0.1.4", "us-east-1"), "ip-10-0-1-4.ec2.internal");
    assert.equal(privateDnsName("10.0.1.4", "eu-west-1"), "ip-10-0-1-4.eu-west-1.compute.internal");
    assert.equal(publicDnsNameOf("192.0.2.17", "us-east-1"), "ec2-192-0-2-17.compute-1.amazonaws.com");
    assert.equal(publicDnsNameOf("192.0.2.17", "eu-west-1"), "ec2-192-0-2-17.eu-west-1.compute.amazonaws.com");
  });
});

describe("network interface actions", () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  test("CreateNetworkInterface in a subnet: its lowest free address, the VPC's default group, a MAC, tags; available", () => {
    const out = w.enis.create({ SubnetId: w.defaultSubnet, Description: "spare", TagSpecifications: [{ ResourceType: "network-interface", Tags: [{ Key: "role", Value: "spare" }] }] });
    const n = out.NetworkInterface!;
    assert.match(n.NetworkInterfaceId!, /^eni-[0-9a-f]{17}$/);
    assert.equal(n.PrivateIpAddress, "172.31.0.4");
    assert.equal(n.PrivateDnsName, "ip-172-31-0-4.ec2.internal");
    assert.equal(n.SubnetId, w.defaultSubnet);
    assert.equal(n.VpcId, w.defaultVpc);
    assert.equal(n.AvailabilityZone, "us-east-1a");
    assert.equal(n.Status, "available");
    assert.equal(n.Description, "spare");
    assert.equal(n.SourceDestCheck, true);
    assert.equal(n.InterfaceType, "interface");
    assert.equal(n.OwnerId, "123456789012");
    assert.equal(n.RequesterManaged, false);
    assert.match(n.MacAddress!, /^52:54:00(:[0-9a-f]{2}){3}$/);
    assert.deepEqual(n.Groups, [{ GroupId: w.defaultGroup, GroupName: "default" }]);
    assert.deepEqual(n.TagSet, [{ Key: "role", Value: "spare" }]);
    assert.deepEqual(n.PrivateIpAddresses, [{ Primary: true, PrivateDnsName: "ip-172-31-0-4.ec2.internal", PrivateIpAddress: "172.31.0.4" }]);
    assert.equal(n.Attachment, undefined);
  });

  test("CreateNetworkInterface with a ClientToken answers the same interface when retried", () => {
    const a = w.enis.create({ SubnetId: w.defaultSubnet, ClientToken: "tok" });
    const b = w.enis.create({ SubnetId: w.defaultSubnet, ClientToken: "tok" });
    assert.equal(a.NetworkInterface!.NetworkInterfaceId, b.NetworkInterface!.NetworkInterfaceId);
    assert.equal(b.ClientToken, "tok");
  });

  test("CreateNetworkInterface refuses what EC2 refuses", () => {
    const { web: otherVpcGroup } = customVpc(w);
    assert.equal(codeOf(() => w.enis.create({ SubnetId: `subnet-${"f".repeat(17)}` })), "InvalidSubnetID.NotFound");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: "subnet-xyz" })), "InvalidSubnetID.Malformed");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, Groups: [`sg-${"f".repeat(17)}`] })), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, Groups: ["sg-nope"] })), "InvalidGroupId.Malformed");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, Groups: [otherVpcGroup] })), "InvalidParameter");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "172.31.0.1" })), "InvalidParameterValue");
    assert.match(messageOf(() => w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "172.31.0.1" })), /reserved address range/);
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "172.31.255.4" })), "InvalidParameterValue");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "not-an-ip" })), "InvalidParameterValue");
    w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "172.31.0.9" });
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "172.31.0.9" })), "InvalidIPAddress.InUse");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, Ipv6AddressCount: 1 })), "UnsupportedOperation");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, SecondaryPrivateIpAddressCount: 1 })), "UnsupportedOperation");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, InterfaceType: "efa" })), "UnsupportedOperation");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, TagSpecifications: [{ ResourceType: "instance", Tags: [] }] })), "InvalidParameterValue");
    assert.equal(codeOf(() => w.enis.create({ SubnetId: w.defaultSubnet, Groups: ["1", "2", "3", "4", "5", "6"].map((n) => `sg-${n.repeat(17)}`) })), "InvalidGroup.NotFound");
  });

  test("DescribeNetworkInterfaces: ids, filters and pages", () => {
    const made = Array.from({ length: 7 }, (_, i) => w.enis.create({ SubnetId: w.defaultSubnet, Description: i % 2 ? "odd" : "even" }).NetworkInterface!.NetworkInterfaceId!);
    const ids = (input: Parameters<NetworkInterfaceActions["describe"]>[0]) => (w.enis.describe(input).NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId);
    assert.deepEqual(ids({ NetworkInterfaceIds: [made[2]!] }), [made[2]]);
    assert.equal(ids({ Filters: [{ Name: "description", Values: ["odd"] }] }).length, 3);
    assert.equal(ids({ Filters: [{ Name: "group-name", Values: ["default"] }, { Name: "status", Values: ["available"] }] }).length, 7);
    assert.equal(ids({ Filters: [{ Name: "private-ip-address", Values: ["172.31.0.4"] }] }).length, 1);
    assert.equal(ids({ Filters: [{ Name: "addresses.private-ip-address", Values: ["172.31.0.?"] }] }).length, 6);
    assert.equal(ids({ Filters: [{ Name: "vpc-id", Values: [w.defaultVpc] }, { Name: "subnet-id", Values: [w.defaultSubnet] }, { Name: "availability-zone", Values: ["us-east-1a"] }] }).length, 7);
    assert.equal(ids({ Filters: [{ Name: "requester-managed", Values: ["false"] }, { Name: "source-dest-check", Values: ["true"] }, { Name: "interface-type", Values: ["interface"] }] }).length, 7);
    const first = w.enis.describe({ MaxResults: 5 });
    assert.equal(first.NetworkInterfaces!.length, 5);
    assert.ok(first.NextToken);
    const second = w.enis.describe({ MaxResults: 5, NextToken: first.NextToken });
    assert.equal(second.NetworkInterfaces!.length, 2);
    assert.equal(second.NextToken, undefined);
    assert.deepEqual([...first.NetworkInterfaces!, ...second.NetworkInterfaces!].map((n) => n.NetworkInterfaceId), [...made].sort());
    assert.equal(codeOf(() => w.enis.describe({ NetworkInterfaceIds: [`eni-${"f".repeat(17)}`] })), "InvalidNetworkInterfaceID.NotFound");
    assert.equal(codeOf(() => w.enis.describe({ NetworkInterfaceIds: ["eni-zz"] })), "InvalidNetworkInterfaceID.Malformed");
    assert.equal(codeOf(() => w.enis.describe({ NetworkInterfaceIds: [made[0]!], MaxResults: 5 })), "InvalidParameterCombination");
    assert.equal(codeOf(() => w.enis.describe({ MaxResults: 4 })), "InvalidParameterValue");
    assert.equal(codeOf(() => w.enis.describe({ Filters: [{ Name: "bogus", Values: ["x"] }] })), "InvalidParameterValue");
  });

  test("DeleteNetworkInterface frees the address; an attached one is InvalidNetworkInterface.InUse", () => {
    const id = w.enis.create({ SubnetId: w.defaultSubnet }).NetworkInterface!.NetworkInterfaceId!;
    w.enis.delete({ NetworkInterfaceId: id });
    assert.equal(nextFreeAddress(w.store, w.defaultSubnet), "172.31.0.4");
    assert.equal(codeOf(() => w.enis.delete({ NetworkInterfaceId: id })), "InvalidNetworkInterfaceID.NotFound");
    const [inst] = run(w);
    const primary = inst!.NetworkInterfaces![0]!.NetworkInterfaceId!;
    assert.equal(codeOf(() => w.enis.delete({ NetworkInterfaceId: primary })), "InvalidNetworkInterface.InUse");
  });

  test("Attach refuses a second NIC honestly; Detach refuses the primary one", () => {
    const [inst] = run(w);
    const spare = w.enis.create({ SubnetId: w.defaultSubnet }).NetworkInterface!.NetworkInterfaceId!;
    assert.equal(codeOf(() => w.enis.attach({ NetworkInterfaceId: spare, InstanceId: inst!.InstanceId!, DeviceIndex: 1 })), "UnsupportedOperation");
    assert.match(messageOf(() => w.enis.attach({ NetworkInterfaceId: spare, InstanceId: inst!.InstanceId!, DeviceIndex: 1 })), /hot-plugging/);
    assert.equal(codeOf(() => w.enis.attach({ NetworkInterfaceId: spare, InstanceId: inst!.InstanceId!, DeviceIndex: 0 })), "InvalidParameterValue");
    assert.equal(codeOf(() => w.enis.attach({ NetworkInterfaceId: spare, InstanceId: `i-${"f".repeat(17)}`, DeviceIndex: 1 })), "InvalidInstanceID.NotFound");
    const attachment = inst!.NetworkInterfaces![0]!.Attachment!.AttachmentId!;
    assert.match(attachment, /^eni-attach-[0-9a-f]{17}$/);
    assert.equal(codeOf(() => w.enis.detach({ AttachmentId: attachment })), "OperationNotPermitted");
    assert.equal(codeOf(() => w.enis.detach({ AttachmentId: `eni-attach-${"f".repeat(17)}` })), "InvalidAttachmentID.NotFound");
  });

  test("ModifyNetworkInterfaceAttribute: one attribute at a time; groups in the interface's VPC", () => {
    const id = w.enis.create({ SubnetId: w.defaultSubnet }).NetworkInterface!.NetworkInterfaceId!;
    const { web } = customVpc(w);
    const defaultWeb = `sg-${"c".repeat(17)}`;
    w.store.securityGroups.insert({ id: defaultWeb, vpcId: w.defaultVpc, name: "web", description: "web", isDefault: false, createdAt: now });
    w.enis.modifyAttribute({ NetworkInterfaceId: id, Description: { Value: "new" } });
    w.enis.modifyAttribute({ NetworkInterfaceId: id, SourceDestCheck: { Value: false } });
    w.enis.modifyAttribute({ NetworkInterfaceId: id, Groups: [defaultWeb, w.defaultGroup] });
    const [n] = w.enis.describe({ NetworkInterfaceIds: [id] }).NetworkInterfaces!;
    assert.equal(n!.Description, "new");
    assert.equal(n!.SourceDestCheck, false);
    assert.deepEqual(n!.Groups?.map((g) => g.GroupName), ["web", "default"]);
    assert.deepEqual(w.changed, [w.defaultVpc, w.defaultVpc]);
    assert.equal(codeOf(() => w.enis.modifyAttribute({ NetworkInterfaceId: id, Groups: [web] })), "InvalidParameter");
    assert.equal(codeOf(() => w.enis.modifyAttribute({ NetworkInterfaceId: id, Description: { Value: "x" }, SourceDestCheck: { Value: true } })), "InvalidParameterCombination");
    assert.equal(codeOf(() => w.enis.modifyAttribute({ NetworkInterfaceId: id })), "InvalidParameterCombination");
    assert.equal(codeOf(() => w.enis.modifyAttribute({ NetworkInterfaceId: id, Attachment: { AttachmentId: `eni-attach-${"f".repeat(17)}`, DeleteOnTermination: true } })), "InvalidAttachmentID.NotFound");
    const [inst] = run(w);
    const primary = inst!.NetworkInterfaces![0]!;
    w.enis.modifyAttribute({ NetworkInterfaceId: primary.NetworkInterfaceId!, Attachment: { AttachmentId: primary.Attachment!.AttachmentId!, DeleteOnTermination: false } });
    assert.equal(w.store.networkInterfaces.get(primary.NetworkInterfaceId!)!.deleteOnTermination, false);
  });

  test("tags on interfaces and Elastic IPs through CreateTags", async () => {
    const id = w.enis.create({ SubnetId: w.defaultSubnet }).NetworkInterface!.NetworkInterfaceId!;
    createTags(req({ Resources: [id], Tags: [{ Key: "k", Value: "v" }] }), w.store);
    assert.deepEqual(w.enis.describe({ Filters: [{ Name: "tag:k", Values: ["v"] }] }).NetworkInterfaces!.map((n) => n.NetworkInterfaceId), [id]);
    const p = await world({ publicCidr: "192.0.2.16/28" });
    const alloc = p.eips.allocate({}).AllocationId!;
    createTags(req({ Resources: [alloc], Tags: [{ Key: "k", Value: "eip" }] }), p.store);
    assert.deepEqual(p.eips.describe({ Filters: [{ Name: "tag:k", Values: ["eip"] }] }).Addresses!.map((a) => a.AllocationId), [alloc]);
    assert.equal(codeOf(() => createTags(req({ Resources: [`eni-${"f".repeat(17)}`], Tags: [{ Key: "k", Value: "v" }] }), w.store)), "InvalidNetworkInterfaceID.NotFound");
  });
});

describe("RunInstances in the VPC model", () => {
  test("no subnet: the default subnet of this node's zone, the default group, a primary interface with the guest's MAC", async () => {
    const w = await world();
    const instances = run(w, { MaxCount: 3 });
    assert.deepEqual(instances.map((i) => i.PrivateIpAddress), ["172.31.0.4", "172.31.0.5", "172.31.0.6"]);
    const i = instances[0]!;
    assert.equal(i.SubnetId, w.defaultSubnet);
    assert.equal(i.VpcId, w.defaultVpc);
    assert.equal(i.PrivateDnsName, "ip-172-31-0-4.ec2.internal");
    assert.equal(i.SourceDestCheck, true);
    assert.deepEqual(i.SecurityGroups, [{ GroupId: w.defaultGroup, GroupName: "default" }]);
    assert.equal(i.PublicIpAddress, undefined);
    assert.equal(i.PublicDnsName, "");
    const [n] = i.NetworkInterfaces!;
    assert.equal(n!.MacAddress, macFor(i.InstanceId!));
    assert.equal(guestMac(w.store, i.InstanceId!), macFor(i.InstanceId!));
    assert.equal(n!.PrivateIpAddress, "172.31.0.4");
    assert.equal(n!.Status, "in-use");
    assert.equal(n!.Attachment?.DeviceIndex, 0);
    assert.equal(n!.Attachment?.DeleteOnTermination, true);
    assert.equal(n!.Attachment?.Status, "attached");
    assert.deepEqual(n!.Groups, i.SecurityGroups);
    assert.equal(w.store.instances.get(i.InstanceId!)!.privateIp, "172.31.0.4");
    assert.deepEqual(w.changed, [w.defaultVpc]);
    assert.equal(w.launched.length, 3);
    // The interface is region-wide: DescribeNetworkInterfaces shows it attached.
    const [eni] = w.enis.describe({ Filters: [{ Name: "attachment.instance-id", Values: [i.InstanceId!] }] }).NetworkInterfaces!;
    assert.equal(eni!.Attachment?.InstanceId, i.InstanceId);
    assert.equal(eni!.Status, "in-use");
  });

  test("SubnetId, SecurityGroupIds and PrivateIpAddress are honoured", async () => {
    const w = await world();
    const { vpcId, subnetId, web } = customVpc(w);
    const [i] = run(w, { SubnetId: subnetId, SecurityGroupIds: [web], PrivateIpAddress: "10.0.1.50" });
    assert.equal(i!.VpcId, vpcId);
    assert.equal(i!.SubnetId, subnetId);
    assert.equal(i!.PrivateIpAddress, "10.0.1.50");
    assert.equal(i!.PrivateDnsName, "ip-10-0-1-50.ec2.internal");
    assert.deepEqual(i!.SecurityGroups, [{ GroupId: web, GroupName: "web" }]);
    const [j] = run(w, { SubnetId: subnetId });
    assert.equal(j!.PrivateIpAddress, "10.0.1.4");
    assert.equal(j!.SecurityGroups![0]!.GroupName, "default");
    const [k] = run(w, { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Groups: [web], PrivateIpAddress: "10.0.1.60", Description: "primary", DeleteOnTermination: false }] });
    assert.equal(k!.PrivateIpAddress, "10.0.1.60");
    assert.equal(k!.NetworkInterfaces![0]!.Description, "primary");
    assert.equal(k!.NetworkInterfaces![0]!.Attachment!.DeleteOnTermination, false);
  });

  test("SecurityGroups by name in the default VPC", async () => {
    const w = await world();
    const [i] = run(w, { SecurityGroups: ["default"] });
    assert.deepEqual(i!.SecurityGroups, [{ GroupId: w.defaultGroup, GroupName: "default" }]);
    assert.equal(codeOf(() => run(w, { SecurityGroups: ["nope"] })), "InvalidGroup.NotFound");
    const { subnetId } = customVpc(w);
    assert.equal(codeOf(() => run(w, { SubnetId: subnetId, SecurityGroups: ["web"] })), "InvalidParameterCombination");
  });

  test("an available interface becomes the primary one, MAC and all; kept at termination when so marked", async () => {
    const w = await world();
    const eni = w.enis.create({ SubnetId: w.defaultSubnet, PrivateIpAddress: "172.31.0.77" }).NetworkInterface!;
    const [i] = run(w, { NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eni.NetworkInterfaceId }] });
    assert.equal(i!.PrivateIpAddress, "172.31.0.77");
    assert.equal(i!.NetworkInterfaces![0]!.NetworkInterfaceId, eni.NetworkInterfaceId);
    assert.equal(guestMac(w.store, i!.InstanceId!), eni.MacAddress);
    assert.equal(i!.NetworkInterfaces![0]!.Attachment!.DeleteOnTermination, false);
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eni.NetworkInterfaceId }] })), "InvalidParameterValue");
    releaseInstanceInterfaces(w.store, i!.InstanceId!);
    const after = w.store.networkInterfaces.get(eni.NetworkInterfaceId!)!;
    assert.equal(after.instanceId, undefined);
    assert.equal(after.attachmentId, undefined);
    assert.equal(w.enis.describe({ NetworkInterfaceIds: [eni.NetworkInterfaceId!] }).NetworkInterfaces![0]!.Status, "available");
  });

  test("termination deletes a DeleteOnTermination interface, frees its address and disassociates its Elastic IP", async () => {
    const w = await world({ publicCidr: "192.0.2.16/28" });
    const [i] = run(w);
    const alloc = w.eips.allocate({}).AllocationId!;
    w.eips.associate({ AllocationId: alloc, InstanceId: i!.InstanceId });
    const vpcs = releaseInstanceInterfaces(w.store, i!.InstanceId!);
    assert.deepEqual(vpcs, [w.defaultVpc]);
    assert.equal(w.store.networkInterfaces.forInstance(i!.InstanceId!).length, 0);
    assert.equal(nextFreeAddress(w.store, w.defaultSubnet), "172.31.0.4");
    const [a] = w.eips.describe({ AllocationIds: [alloc] }).Addresses!;
    assert.equal(a!.AssociationId, undefined);
  });

  test("refusals: combinations, zones, groups, addresses, the default VPC", async () => {
    const w = await world();
    const { subnetId, web } = customVpc(w);
    const ni = [{ DeviceIndex: 0, SubnetId: w.defaultSubnet }];
    assert.equal(codeOf(() => run(w, { SubnetId: w.defaultSubnet, NetworkInterfaces: ni })), "InvalidParameterCombination");
    assert.match(messageOf(() => run(w, { SubnetId: w.defaultSubnet, NetworkInterfaces: ni })), /instance-level subnet ID/);
    assert.equal(codeOf(() => run(w, { SecurityGroupIds: [w.defaultGroup], NetworkInterfaces: ni })), "InvalidParameterCombination");
    assert.equal(codeOf(() => run(w, { PrivateIpAddress: "172.31.0.9", NetworkInterfaces: ni })), "InvalidParameterCombination");
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [{ DeviceIndex: 1, SubnetId: w.defaultSubnet }] })), "InvalidParameterValue");
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [{ SubnetId: w.defaultSubnet }] })), "MissingParameter");
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [...ni, { DeviceIndex: 1, SubnetId: w.defaultSubnet }] })), "UnsupportedOperation");
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: w.defaultSubnet, AssociatePublicIpAddress: true }] })), "UnsupportedOperation");
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: w.defaultSubnet, SecondaryPrivateIpAddressCount: 1 }] })), "UnsupportedOperation");
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: `eni-${"f".repeat(17)}`, SubnetId: w.defaultSubnet }] })), "InvalidParameterCombination");
    assert.equal(codeOf(() => run(w, { NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: `eni-${"f".repeat(17)}` }] })), "InvalidNetworkInterfaceID.NotFound");
    assert.equal(codeOf(() => run(w, { SubnetId: `subnet-${"f".repeat(17)}` })), "InvalidSubnetID.NotFound");
    assert.equal(codeOf(() => run(w, { SubnetId: "subnet-1" })), "InvalidSubnetID.Malformed");
    assert.equal(codeOf(() => run(w, { SecurityGroupIds: [web] })), "InvalidParameter");
    assert.match(messageOf(() => run(w, { SecurityGroupIds: [web] })), /belong to different networks/);
    assert.equal(codeOf(() => run(w, { SecurityGroupIds: [`sg-${"f".repeat(17)}`] })), "InvalidGroup.NotFound");
    assert.equal(codeOf(() => run(w, { SubnetId: subnetId, PrivateIpAddress: "10.0.1.2" })), "InvalidParameterValue");
    assert.equal(codeOf(() => run(w, { SubnetId: subnetId, PrivateIpAddress: "10.0.2.9" })), "InvalidParameterValue");
    run(w, { SubnetId: subnetId, PrivateIpAddress: "10.0.1.9" });
    assert.equal(codeOf(() => run(w, { SubnetId: subnetId, PrivateIpAddress: "10.0.1.9" })), "InvalidIPAddress.InUse");
    assert.equal(codeOf(() => run(w, { SubnetId: subnetId, PrivateIpAddress: "10.0.1.10", MaxCount: 2 })), "InvalidParameterCombination");
    assert.equal(codeOf(() => run(w, { Placement: { AvailabilityZone: "us-east-1b" } })), "InvalidParameterValue");
    const other = customVpc(w, "10.0.2.0/24", "us-east-1b");
    assert.equal(codeOf(() => run(w, { SubnetId: other.subnetId })), "InsufficientInstanceCapacity");
    assert.equal(codeOf(() => run(w, { Ipv6AddressCount: 1 })), "UnsupportedOperation");
  });

  test("a full subnet: InsufficientFreeAddressesInSubnet below MinCount, fewer instances up to MaxCount", async () => {
    const w = await world();
    const { subnetId } = customVpc(w, "10.0.3.0/28");
    assert.equal(codeOf(() => run(w, { SubnetId: subnetId, MinCount: 12, MaxCount: 12 })), "InsufficientFreeAddressesInSubnet");
    assert.equal(run(w, { SubnetId: subnetId, MinCount: 1, MaxCount: 20 }).length, 11);
    assert.equal(codeOf(() => run(w, { SubnetId: subnetId })), "InsufficientFreeAddressesInSubnet");
  });

  test("no default VPC: VPCIdNotSpecified; a default VPC without a subnet in this zone: MissingInput", async () => {
    const bare = await world({}, false);
    assert.equal(codeOf(() => run(bare)), "VPCIdNotSpecified");
    const w = await world();
    const elsewhere = instanceDeps({ ...w.ctx, az: "us-east-1b" }, w.store, { launch: () => {} } as unknown as InstanceManager);
    assert.equal(codeOf(() => runInstances(req({ ImageId: AMI, MinCount: 1, MaxCount: 1 }), elsewhere)), "MissingInput");
  });

  test("DescribeInstances filters on the network", async () => {
    const w = await world({ publicCidr: "192.0.2.16/28" });
    const { vpcId, subnetId, web } = customVpc(w);
    const [a] = run(w);
    const [b] = run(w, { SubnetId: subnetId, SecurityGroupIds: [web] });
    const ids = (Filters: Array<{ Name: string; Values: string[] }>) => describeAll(w, Filters).map((i) => i.InstanceId).sort();
    assert.deepEqual(ids([{ Name: "vpc-id", Values: [vpcId] }]), [b!.InstanceId]);
    assert.deepEqual(ids([{ Name: "subnet-id", Values: [w.defaultSubnet] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "instance.group-id", Values: [web] }]), [b!.InstanceId]);
    assert.deepEqual(ids([{ Name: "instance.group-name", Values: ["default"] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "private-ip-address", Values: ["10.0.1.4"] }]), [b!.InstanceId]);
    assert.deepEqual(ids([{ Name: "private-dns-name", Values: ["ip-172-31-0-4.ec2.internal"] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.mac-address", Values: [macFor(b!.InstanceId!)] }]), [b!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.network-interface-id", Values: [a!.NetworkInterfaces![0]!.NetworkInterfaceId!] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.addresses.private-ip-address", Values: ["172.31.*"] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.group-name", Values: ["web"] }, { Name: "network-interface.status", Values: ["in-use"] }]), [b!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.attachment.device-index", Values: ["0"] }]).length, 2);
    const alloc = w.eips.allocate({}).AllocationId!;
    w.eips.associate({ AllocationId: alloc, InstanceId: a!.InstanceId });
    assert.deepEqual(ids([{ Name: "ip-address", Values: ["192.0.2.17"] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "dns-name", Values: ["ec2-192-0-2-17.compute-1.amazonaws.com"] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.association.public-ip", Values: ["192.0.2.17"] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.association.allocation-id", Values: [alloc] }]), [a!.InstanceId]);
    assert.deepEqual(ids([{ Name: "network-interface.association.association-id", Values: ["eipassoc-*"] }]), [a!.InstanceId]);
  });

  test("ModifyInstanceAttribute GroupId and SourceDestCheck change the primary interface", async () => {
    const w = await world();
    const { web } = customVpc(w);
    const [i] = run(w);
    const id = i!.InstanceId!;
    const defaultWeb = `sg-${"c".repeat(17)}`;
    w.store.securityGroups.insert({ id: defaultWeb, vpcId: w.defaultVpc, name: "web", description: "web", isDefault: false, createdAt: now });
    w.changed.length = 0;
    modifyInstanceAttribute(req({ InstanceId: id, Groups: [defaultWeb] }), w.deps);
    modifyInstanceAttribute(req({ InstanceId: id, SourceDestCheck: { Value: false } }), w.deps);
    const [after] = describeAll(w, [{ Name: "instance-id", Values: [id] }]);
    assert.deepEqual(after!.SecurityGroups, [{ GroupId: defaultWeb, GroupName: "web" }]);
    assert.equal(after!.SourceDestCheck, false);
    assert.deepEqual(w.changed, [w.defaultVpc, w.defaultVpc]);
    const groupSet = describeInstanceAttribute(req({ InstanceId: id, Attribute: "groupSet" }), w.deps);
    assert.deepEqual(groupSet.Groups, [{ GroupId: defaultWeb, GroupName: "web" }]);
    assert.deepEqual(describeInstanceAttribute(req({ InstanceId: id, Attribute: "sourceDestCheck" }), w.deps).SourceDestCheck, { Value: false });
    assert.equal(codeOf(() => modifyInstanceAttribute(req({ InstanceId: id, Groups: [web] }), w.deps)), "InvalidParameter");
    assert.equal(codeOf(() => modifyInstanceAttribute(req({ InstanceId: id, Groups: [`sg-${"f".repeat(17)}`] }), w.deps)), "InvalidGroup.NotFound");
  });

  test("the metadata service's network tree and host names", async () => {
    const w = await world({ publicCidr: "192.0.2.16/28" });
    const [i] = run(w);
    const id = i!.InstanceId!;
    const alloc = w.eips.allocate({}).AllocationId!;
    w.eips.associate({ AllocationId: alloc, InstanceId: id });
    const tree = metadataTree(metadataFacts(w.store, w.store.instances.get(id)!, w.ctx));
    const mac = macFor(id);
    const at = (p: string) => lookupMetadata(tree, p);
    assert.equal(at("local-hostname"), "ip-172-31-0-4.ec2.internal");
    assert.equal(at("hostname"), "ip-172-31-0-4.ec2.internal");
    assert.equal(at("local-ipv4"), "172.31.0.4");
    assert.equal(at("mac"), mac);
    assert.equal(at("public-ipv4"), "192.0.2.17");
    assert.equal(at("public-hostname"), "ec2-192-0-2-17.compute-1.amazonaws.com");
    assert.equal(at("security-groups"), "default");
    assert.equal(at("network/interfaces/macs/"), `${mac}/`);
    const m = `network/interfaces/macs/${mac}`;
    assert.equal(at(`${m}/device-number`), "0");
    assert.equal(at(`${m}/interface-id`), i!.NetworkInterfaces![0]!.NetworkInterfaceId);
    assert.equal(at(`${m}/local-hostname`), "ip-172-31-0-4.ec2.internal");
    assert.equal(at(`${m}/local-ipv4s`), "172.31.0.4");
    assert.equal(at(`${m}/owner-id`), "123456789012");
    assert.equal(at(`${m}/security-group-ids`), w.defaultGroup);
    assert.equal(at(`${m}/security-groups`), "default");
    assert.equal(at(`${m}/subnet-id`), w.defaultSubnet);
    assert.equal(at(`${m}/subnet-ipv4-cidr-block`), "172.31.0.0/20");
    assert.equal(at(`${m}/vpc-id`), w.defaultVpc);
    assert.equal(at(`${m}/vpc-ipv4-cidr-block`), "172.31.0.0/16");
    assert.equal(at(`${m}/vpc-ipv4-cidr-blocks`), "172.31.0.0/16");
    assert.equal(at(`${m}/public-ipv4s`), "192.0.2.17");
    assert.equal(at(`${m}/ipv4-associations/192.0.2.17`), "172.31.0.4");
  });
});

test("instances from before the VPC model get a primary interface in the default subnet at start, once", async () => {
  const w = await world();
  const id = `i-${"d".repeat(17)}`;
  w.store.instances.insertLaunch({
    instances: [{
      id, reservationId: `r-${"d".repeat(17)}`, ownerId: "123456789012", imageId: AMI, instanceType: "t3.micro", state: "running",
      launchTime: now, az: "us-east-1a", node: "node-1", vcpus: 2, memoryMiB: 1024, shutdownBehavior: "stop",
      disableApiTermination: false, rootDeviceName: "/dev/xvda", amiLaunchIndex: 0, updatedAt: now,
    }],
    volumes: [],
    tags: [],
  });
  assert.deepEqual(placeEarlierInstances(w.ctx, w.store), [id]);
  assert.deepEqual(placeEarlierInstances(w.ctx, w.store), []);
  const [i] = describeAll(w);
  assert.equal(i!.SubnetId, w.defaultSubnet);
  assert.equal(i!.PrivateIpAddress, "172.31.0.4");
  assert.equal(i!.NetworkInterfaces![0]!.MacAddress, macFor(id));
});

describe("Elastic IPs", () => {
  test("without a pool AllocateAddress answers AddressLimitExceeded saying how to give Hive addresses", async () => {
    const w = await world();
    assert.equal(codeOf(() => w.eips.allocate({ Domain: "vpc" })), "AddressLimitExceeded");
    assert.match(messageOf(() => w.eips.allocate({})), /hive up --public-cidr 192\.0\.2\.16\/28/);
  });

  test("the pool: addresses in order, its own network and broadcast kept back, AddressLimitExceeded when used up", async () => {
    assert.deepEqual(poolAddresses("192.0.2.16/30"), ["192.0.2.17", "192.0.2.18"]);
    assert.deepEqual(poolAddresses("192.0.2.16/32"), ["192.0.2.16"]);
    const w = await world({ publicCidr: "192.0.2.16/30" });
    const a = w.eips.allocate({ Domain: "vpc" });
    assert.equal(a.PublicIp, "192.0.2.17");
    assert.equal(a.Domain, "vpc");
    assert.match(a.AllocationId!, /^eipalloc-[0-9a-f]{17}$/);
    assert.equal(w.eips.allocate({}).PublicIp, "192.0.2.18");
    assert.equal(codeOf(() => w.eips.allocate({})), "AddressLimitExceeded");
    w.eips.release({ AllocationId: a.AllocationId });
    assert.equal(w.eips.allocate({ Address: "192.0.2.17" }).PublicIp, "192.0.2.17");
    assert.equal(codeOf(() => w.eips.allocate({ Domain: "standard" })), "InvalidParameterValue");
    assert.equal(codeOf(() => w.eips.allocate({ PublicIpv4Pool: "ipv4pool-ec2-1" })), "UnsupportedOperation");
    assert.equal(codeOf(() => w.eips.allocate({ Address: "198.51.100.1" })), "InvalidParameterValue");
    assert.equal(codeOf(() => w.eips.allocate({ TagSpecifications: [{ ResourceType: "instance", Tags: [] }] })), "InvalidParameterValue");
  });

  test("associate, reassociate, disassociate and release, with EC2's refusals", async () => {
    const w = await world({ publicCidr: "192.0.2.16/28" });
    const [a, b] = run(w, { MaxCount: 2 });
    const alloc = w.eips.allocate({}).AllocationId!;
    const assoc = w.eips.associate({ AllocationId: alloc, InstanceId: a!.InstanceId }).AssociationId!;
    assert.match(assoc, /^eipassoc-[0-9a-f]{17}$/);
    assert.deepEqual(w.changed.slice(-1), [w.defaultVpc]);
    const [view] = describeAll(w, [{ Name: "instance-id", Values: [a!.InstanceId!] }]);
    assert.equal(view!.PublicIpAddress, "192.0.2.17");
    assert.equal(view!.PublicDnsName, "ec2-192-0-2-17.compute-1.amazonaws.com");
    assert.deepEqual(view!.NetworkInterfaces![0]!.Association, { IpOwnerId: "123456789012", PublicIp: "192.0.2.17", PublicDnsName: "ec2-192-0-2-17.compute-1.amazonaws.com" });
    const [desc] = w.eips.describe({ Filters: [{ Name: "instance-id", Values: [a!.InstanceId!] }] }).Addresses!;
    assert.equal(desc!.AssociationId, assoc);
    assert.equal(desc!.PrivateIpAddress, a!.PrivateIpAddress);
    assert.equal(desc!.NetworkInterfaceId, a!.NetworkInterfaces![0]!.NetworkInterfaceId);
    assert.equal(w.eips.describe({ Filters: [{ Name: "public-ip", Values: ["192.0.2.17"] }, { Name: "domain", Values: ["vpc"] }] }).Addresses!.length, 1);
    assert.equal(w.eips.describe({ PublicIps: ["192.0.2.17"] }).Addresses!.length, 1);

    assert.equal(codeOf(() => w.eips.associate({ AllocationId: alloc, InstanceId: b!.InstanceId })), "Resource.AlreadyAssociated");
    assert.equal(codeOf(() => w.eips.release({ AllocationId: alloc })), "InvalidIPAddress.InUse");
    const moved = w.eips.associate({ AllocationId: alloc, NetworkInterfaceId: b!.NetworkInterfaces![0]!.NetworkInterfaceId, AllowReassociation: true }).AssociationId!;
    assert.notEqual(moved, assoc);
    assert.equal(describeAll(w, [{ Name: "instance-id", Values: [a!.InstanceId!] }])[0]!.PublicIpAddress, undefined);
    assert.equal(codeOf(() => w.eips.disassociate({ AssociationId: assoc })), "InvalidAssociationID.NotFound");
    w.eips.disassociate({ AssociationId: moved });
    w.eips.release({ AllocationId: alloc });
    assert.equal(w.eips.describe({}).Addresses!.length, 0);

    const other = w.eips.allocate({}).AllocationId!;
    assert.equal(codeOf(() => w.eips.associate({ AllocationId: other })), "MissingParameter");
    assert.equal(codeOf(() => w.eips.associate({ AllocationId: other, InstanceId: a!.InstanceId, NetworkInterfaceId: a!.NetworkInterfaces![0]!.NetworkInterfaceId })), "InvalidParameterCombination");
    assert.equal(codeOf(() => w.eips.associate({ AllocationId: other, InstanceId: a!.InstanceId, PrivateIpAddress: "172.31.0.99" })), "InvalidParameterValue");
    assert.equal(codeOf(() => w.eips.associate({ AllocationId: other, InstanceId: `i-${"f".repeat(17)}` })), "InvalidInstanceID.NotFound");
    assert.equal(codeOf(() => w.eips.associate({ AllocationId: other, NetworkInterfaceId: `eni-${"f".repeat(17)}` })), "InvalidNetworkInterfaceID.NotFound");
    assert.equal(codeOf(() => w.eips.associate({ AllocationId: `eipalloc-${"f".repeat(17)}`, InstanceId: a!.InstanceId })), "InvalidAllocationID.NotFound");
    assert.equal(codeOf(() => w.eips.describe({ AllocationIds: ["eipalloc-nope"] })), "InvalidAllocationID.NotFound");
    assert.equal(codeOf(() => w.eips.describe({ PublicIps: ["198.51.100.1"] })), "InvalidAddress.NotFound");
    assert.equal(codeOf(() => w.eips.release({ AllocationId: `eipalloc-${"f".repeat(17)}` })), "InvalidAllocationID.NotFound");
    // A second address on the same interface replaces the first, which stays allocated.
    const first = w.eips.allocate({}).AllocationId!;
    w.eips.associate({ AllocationId: other, InstanceId: a!.InstanceId });
    w.eips.associate({ AllocationId: first, InstanceId: a!.InstanceId });
    const byAlloc = new Map(w.eips.describe({}).Addresses!.map((x) => [x.AllocationId, x]));
    assert.equal(byAlloc.get(other)!.AssociationId, undefined);
    assert.ok(byAlloc.get(first)!.AssociationId);
  });
});

test("random well-typed input to every new action answers a 4xx EC2 error or succeeds, never a crash", async () => {
  const w = await world({ publicCidr: "192.0.2.16/29" });
  const [inst] = run(w);
  const eni = inst!.NetworkInterfaces![0]!;
  let seed = 20261202;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]!;
  const strings = ["", "x", w.defaultSubnet, w.defaultGroup, eni.NetworkInterfaceId!, eni.Attachment!.AttachmentId!, inst!.InstanceId!, "172.31.0.4", "172.31.0.200", "192.0.2.17", "vpc", "standard", "eipalloc-0123456789abcdef0", "eipassoc-0123456789abcdef0", "sg-0123456789abcdef0", "*", "\u0000"];
  const field = (): [string, unknown] =>
    pick<[string, () => unknown]>([
      ["SubnetId", () => pick(strings)],
      ["Groups", () => [pick(strings)]],
      ["PrivateIpAddress", () => pick(strings)],
      ["Description", () => pick([pick(strings), { Value: pick(strings) }])],
      ["NetworkInterfaceId", () => pick(strings)],
      ["NetworkInterfaceIds", () => [pick(strings)]],
      ["InstanceId", () => pick(strings)],
      ["DeviceIndex", () => pick([0, 1, -1, 7])],
      ["AttachmentId", () => pick(strings)],
      ["SourceDestCheck", () => ({ Value: pick([true, false]) })],
      ["Attachment", () => ({ AttachmentId: pick(strings), DeleteOnTermination: pick([true, false, undefined]) })],
      ["AllocationId", () => pick(strings)],
      ["AllocationIds", () => [pick(strings)]],
      ["AssociationId", () => pick(strings)],
      ["PublicIp", () => pick(strings)],
      ["PublicIps", () => [pick(strings)]],
      ["Domain", () => pick(strings)],
      ["Address", () => pick(strings)],
      ["AllowReassociation", () => pick([true, false])],
      ["MaxResults", () => pick([0, 5, 6, 1001])],
      ["NextToken", () => pick(strings)],
      ["Filters", () => [{ Name: pick(["status", "group-id", "tag:x", "bogus", "instance-id", "public-ip"]), Values: [pick(strings)] }]],
      ["TagSpecifications", () => [{ ResourceType: pick(["network-interface", "elastic-ip", "instance"]), Tags: [{ Key: pick(strings), Value: "v" }] }]],
    ])
      .map((x, i) => (i === 0 ? x : (x as () => unknown)())) as [string, unknown];
  const actions: Array<(input: any) => unknown> = [
    (i) => w.enis.create(i), (i) => w.enis.delete(i), (i) => w.enis.describe(i), (i) => w.enis.attach(i), (i) => w.enis.detach(i),
    (i) => w.enis.modifyAttribute(i), (i) => w.eips.allocate(i), (i) => w.eips.associate(i), (i) => w.eips.disassociate(i),
    (i) => w.eips.release(i), (i) => w.eips.describe(i),
  ];
  for (let n = 0; n < 3000; n++) {
    const input = Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 4) }, field));
    try {
      pick(actions)(input);
    } catch (err) {
      assert.ok(err instanceof HiveError, `${JSON.stringify(input)}: ${String(err)}`);
      assert.ok(awsErrorFromDomain(err).status < 500, `${JSON.stringify(input)}: ${err.message}`);
    }
  }
});
