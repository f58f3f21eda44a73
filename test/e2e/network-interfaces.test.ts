// Network interfaces, Elastic IPs and instances in the default VPC, end to end: the compiled hive in user mode driven by
// the real aws CLI. Instances are the 3-second test guest; what is checked is the control plane (user mode enforces
// nothing, and a guest's slirp address differs from its interface's).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver } from "../helpers/e2e.ts";
import { ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const POOL = "192.0.2.16/28";

describe("e2e: network interfaces and Elastic IPs", () => {
  let hive: HiveInstance;
  let bare: HiveInstance;
  let ami = "";
  let subnet = "";
  let vpc = "";
  let group = "";
  let first: any;
  let second: any;

  before(async () => {
    assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
    [hive, bare] = await Promise.all([startHive(["--public-cidr", POOL, "--cpu-overcommit", "8", "--mem-overcommit", "4"]), startHive()]);
    const r = runHive(["image", "import", GUEST, "--name", "hive-test-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(r.status, 0, r.stderr);
    ami = r.stdout.trim();
  });
  after(async () => {
    await Promise.all([hive?.stop(), bare?.stop()]);
  });

  const { ok, fails, until } = awsDriver(() => hive);
  const onBare = awsDriver(() => bare);
  const ids = (out: any): string[] => out.Reservations.flatMap((r: any) => r.Instances.map((i: any) => i.InstanceId)).sort();

  test("run-instances with no subnet lands in the default subnet and group, with a primary interface", () => {
    const res = ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro"]);
    first = res.Instances[0];
    assert.match(first.SubnetId, /^subnet-[0-9a-f]{17}$/);
    assert.match(first.VpcId, /^vpc-[0-9a-f]{17}$/);
    subnet = first.SubnetId;
    vpc = first.VpcId;
    assert.equal(first.PrivateIpAddress, "172.31.0.4");
    assert.equal(first.PrivateDnsName, "ip-172-31-0-4.ec2.internal");
    assert.equal(first.SecurityGroups.length, 1);
    assert.equal(first.SecurityGroups[0].GroupName, "default");
    group = first.SecurityGroups[0].GroupId;
    const [eni] = first.NetworkInterfaces;
    assert.match(eni.NetworkInterfaceId, /^eni-[0-9a-f]{17}$/);
    assert.match(eni.MacAddress, /^52:54:00(:[0-9a-f]{2}){3}$/);
    assert.equal(eni.Attachment.DeviceIndex, 0);
    assert.equal(eni.Attachment.DeleteOnTermination, true);
    assert.equal(eni.SourceDestCheck, true);
    const [described] = ok(["ec2", "describe-network-interfaces", "--filters", `Name=attachment.instance-id,Values=${first.InstanceId}`]).NetworkInterfaces;
    assert.equal(described.NetworkInterfaceId, eni.NetworkInterfaceId);
    assert.equal(described.Status, "in-use");
    assert.equal(described.SubnetId, subnet);
    assert.equal(described.AvailabilityZone, first.Placement.AvailabilityZone);
  });

  test("--subnet-id, --security-group-ids and --private-ip-address are honoured", () => {
    const res = ok(["ec2", "run-instances", "--image-id", ami, "--subnet-id", subnet, "--security-group-ids", group, "--private-ip-address", "172.31.0.50"]);
    second = res.Instances[0];
    assert.equal(second.SubnetId, subnet);
    assert.equal(second.PrivateIpAddress, "172.31.0.50");
    assert.deepEqual(second.SecurityGroups, [{ GroupId: group, GroupName: "default" }]);
    assert.match(fails(["ec2", "run-instances", "--image-id", ami, "--subnet-id", subnet, "--private-ip-address", "172.31.0.50"], "InvalidIPAddress.InUse"), /in use/);
    fails(["ec2", "run-instances", "--image-id", ami, "--private-ip-address", "172.31.0.1"], "InvalidParameterValue");
    fails(["ec2", "run-instances", "--image-id", ami, "--subnet-id", "subnet-0123456789abcdef0"], "InvalidSubnetID.NotFound");
    fails(["ec2", "run-instances", "--image-id", ami, "--security-group-ids", "sg-0123456789abcdef0"], "InvalidGroup.NotFound");
    fails(["ec2", "run-instances", "--image-id", ami, "--subnet-id", subnet, "--network-interfaces", `DeviceIndex=0,SubnetId=${subnet}`], "InvalidParameterCombination");
  });

  test("--security-groups by name, --network-interfaces with an available interface, modify-instance-attribute --groups", () => {
    const byName = ok(["ec2", "run-instances", "--image-id", ami, "--security-groups", "default", "--instance-type", "t3.nano"]).Instances[0];
    assert.deepEqual(byName.SecurityGroups, [{ GroupId: group, GroupName: "default" }]);
    const spare = ok(["ec2", "create-network-interface", "--subnet-id", subnet, "--private-ip-address", "172.31.0.70"]).NetworkInterface;
    const withEni = ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.nano", "--network-interfaces", `DeviceIndex=0,NetworkInterfaceId=${spare.NetworkInterfaceId}`]).Instances[0];
    assert.equal(withEni.PrivateIpAddress, "172.31.0.70");
    assert.equal(withEni.NetworkInterfaces[0].MacAddress, spare.MacAddress);
    ok(["ec2", "modify-instance-attribute", "--instance-id", withEni.InstanceId, "--groups", group]);
    ok(["ec2", "modify-instance-attribute", "--instance-id", withEni.InstanceId, "--no-source-dest-check"]);
    assert.equal(ok(["ec2", "describe-instance-attribute", "--instance-id", withEni.InstanceId, "--attribute", "sourceDestCheck"]).SourceDestCheck.Value, false);
    assert.deepEqual(ok(["ec2", "describe-instance-attribute", "--instance-id", withEni.InstanceId, "--attribute", "groupSet"]).Groups, [{ GroupId: group, GroupName: "default" }]);
    fails(["ec2", "modify-instance-attribute", "--instance-id", withEni.InstanceId, "--groups", "sg-0123456789abcdef0"], "InvalidGroup.NotFound");
    fails(["ec2", "run-instances", "--image-id", ami, "--subnet-id", subnet, "--associate-public-ip-address"], "UnsupportedOperation");
    ok(["ec2", "terminate-instances", "--instance-ids", byName.InstanceId, withEni.InstanceId]);
  });

  test("a VPC of one's own: the subnet's addresses and groups, names refused outside the default VPC, groups of another VPC refused", () => {
    const myVpc = ok(["ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"]).Vpc.VpcId;
    const mySubnet = ok(["ec2", "create-subnet", "--vpc-id", myVpc, "--cidr-block", "10.0.1.0/24", "--availability-zone", first.Placement.AvailabilityZone]).Subnet.SubnetId;
    const web = ok(["ec2", "create-security-group", "--group-name", "web", "--description", "web", "--vpc-id", myVpc]).GroupId;
    const inst = ok(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.nano", "--subnet-id", mySubnet, "--security-group-ids", web]).Instances[0];
    assert.equal(inst.VpcId, myVpc);
    assert.equal(inst.PrivateIpAddress, "10.0.1.4");
    assert.equal(inst.PrivateDnsName, "ip-10-0-1-4.ec2.internal");
    assert.deepEqual(inst.SecurityGroups, [{ GroupId: web, GroupName: "web" }]);
    assert.match(fails(["ec2", "run-instances", "--image-id", ami, "--subnet-id", mySubnet, "--security-group-ids", group], "InvalidParameter"), /different networks/);
    fails(["ec2", "run-instances", "--image-id", ami, "--subnet-id", mySubnet, "--security-groups", "web"], "InvalidParameterCombination");
    fails(["ec2", "delete-subnet", "--subnet-id", mySubnet], "DependencyViolation");
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", `Name=vpc-id,Values=${myVpc}`])), [inst.InstanceId]);
    ok(["ec2", "terminate-instances", "--instance-ids", inst.InstanceId]);
  });

  test("describe-instances filters on VPC, subnet, groups, addresses and interfaces", () => {
    const both = [first.InstanceId, second.InstanceId].sort();
    const live = ["Name=instance-state-name,Values=pending,running"];
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", `Name=vpc-id,Values=${vpc}`, ...live])), both);
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", `Name=subnet-id,Values=${subnet}`, "Name=instance.group-name,Values=default", ...live])), both);
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", `Name=instance.group-id,Values=${group}`, ...live])), both);
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", "Name=private-ip-address,Values=172.31.0.50"])), [second.InstanceId]);
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", "Name=private-dns-name,Values=ip-172-31-0-4.ec2.internal"])), [first.InstanceId]);
    assert.deepEqual(
      ids(ok(["ec2", "describe-instances", "--filters", `Name=network-interface.network-interface-id,Values=${first.NetworkInterfaces[0].NetworkInterfaceId}`])),
      [first.InstanceId],
    );
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", "Name=vpc-id,Values=vpc-0123456789abcdef0"])), []);
  });

  test("create, describe and delete a network interface; an attached one is in use; a second NIC is refused", () => {
    const created = ok([
      "ec2", "create-network-interface", "--subnet-id", subnet, "--description", "spare", "--private-ip-address", "172.31.0.60",
      "--tag-specifications", "ResourceType=network-interface,Tags=[{Key=role,Value=spare}]",
    ]).NetworkInterface;
    assert.equal(created.Status, "available");
    assert.equal(created.PrivateIpAddress, "172.31.0.60");
    assert.deepEqual(created.Groups, [{ GroupId: group, GroupName: "default" }]);
    const found = ok(["ec2", "describe-network-interfaces", "--filters", "Name=tag:role,Values=spare", "Name=status,Values=available"]).NetworkInterfaces;
    assert.deepEqual(found.map((n: any) => n.NetworkInterfaceId), [created.NetworkInterfaceId]);
    ok(["ec2", "create-tags", "--resources", created.NetworkInterfaceId, "--tags", "Key=more,Value=yes"]);
    assert.equal(ok(["ec2", "describe-network-interfaces", "--filters", "Name=tag:more,Values=yes"]).NetworkInterfaces.length, 1);
    ok(["ec2", "modify-network-interface-attribute", "--network-interface-id", created.NetworkInterfaceId, "--no-source-dest-check"]);
    assert.equal(ok(["ec2", "describe-network-interfaces", "--network-interface-ids", created.NetworkInterfaceId]).NetworkInterfaces[0].SourceDestCheck, false);
    assert.match(
      fails(["ec2", "attach-network-interface", "--network-interface-id", created.NetworkInterfaceId, "--instance-id", first.InstanceId, "--device-index", "1"], "UnsupportedOperation"),
      /hot-plugging/,
    );
    fails(["ec2", "detach-network-interface", "--attachment-id", first.NetworkInterfaces[0].Attachment.AttachmentId], "OperationNotPermitted");
    fails(["ec2", "delete-network-interface", "--network-interface-id", first.NetworkInterfaces[0].NetworkInterfaceId], "InvalidNetworkInterface.InUse");
    ok(["ec2", "delete-network-interface", "--network-interface-id", created.NetworkInterfaceId]);
    fails(["ec2", "describe-network-interfaces", "--network-interface-ids", created.NetworkInterfaceId], "InvalidNetworkInterfaceID.NotFound");
    fails(["ec2", "create-network-interface", "--subnet-id", subnet, "--private-ip-address", "172.31.0.50"], "InvalidIPAddress.InUse");
  });

  test("allocate-address without a pool answers AddressLimitExceeded, saying how to give Hive addresses", () => {
    assert.match(onBare.fails(["ec2", "allocate-address", "--domain", "vpc"], "AddressLimitExceeded"), /--public-cidr/);
  });

  test("with --public-cidr: allocate, associate, describe, disassociate and release", () => {
    const alloc = ok(["ec2", "allocate-address", "--domain", "vpc"]);
    assert.equal(alloc.PublicIp, "192.0.2.17");
    assert.equal(alloc.Domain, "vpc");
    const assoc = ok(["ec2", "associate-address", "--allocation-id", alloc.AllocationId, "--instance-id", first.InstanceId]).AssociationId;
    assert.match(assoc, /^eipassoc-[0-9a-f]{17}$/);
    const [inst] = ok(["ec2", "describe-instances", "--instance-ids", first.InstanceId]).Reservations[0].Instances;
    assert.equal(inst.PublicIpAddress, "192.0.2.17");
    assert.equal(inst.PublicDnsName, "ec2-192-0-2-17.compute-1.amazonaws.com");
    assert.equal(inst.NetworkInterfaces[0].Association.PublicIp, "192.0.2.17");
    assert.deepEqual(ids(ok(["ec2", "describe-instances", "--filters", "Name=ip-address,Values=192.0.2.17"])), [first.InstanceId]);
    const [addr] = ok(["ec2", "describe-addresses", "--filters", `Name=instance-id,Values=${first.InstanceId}`]).Addresses;
    assert.equal(addr.AssociationId, assoc);
    assert.equal(addr.PrivateIpAddress, "172.31.0.4");
    assert.equal(addr.NetworkInterfaceId, first.NetworkInterfaces[0].NetworkInterfaceId);
    assert.equal(ok(["ec2", "describe-addresses", "--public-ips", "192.0.2.17"]).Addresses.length, 1);
    fails(["ec2", "associate-address", "--allocation-id", alloc.AllocationId, "--instance-id", second.InstanceId], "Resource.AlreadyAssociated");
    fails(["ec2", "release-address", "--allocation-id", alloc.AllocationId], "InvalidIPAddress.InUse");
    ok(["ec2", "disassociate-address", "--association-id", assoc]);
    fails(["ec2", "disassociate-address", "--association-id", assoc], "InvalidAssociationID.NotFound");
    assert.equal(ok(["ec2", "describe-instances", "--instance-ids", first.InstanceId]).Reservations[0].Instances[0].PublicIpAddress, undefined);
    ok(["ec2", "release-address", "--allocation-id", alloc.AllocationId]);
    fails(["ec2", "describe-addresses", "--allocation-ids", alloc.AllocationId], "InvalidAllocationID.NotFound");
  });

  test("terminating an instance deletes its primary interface and frees its address", async () => {
    const eni = first.NetworkInterfaces[0].NetworkInterfaceId;
    ok(["ec2", "terminate-instances", "--instance-ids", first.InstanceId, second.InstanceId]);
    await until("the primary interface to go", () => ok(["ec2", "describe-network-interfaces", "--filters", `Name=network-interface-id,Values=${eni}`]).NetworkInterfaces.length === 0);
    const created = ok(["ec2", "create-network-interface", "--subnet-id", subnet]).NetworkInterface;
    assert.equal(created.PrivateIpAddress, "172.31.0.4");
    ok(["ec2", "delete-network-interface", "--network-interface-id", created.NetworkInterfaceId]);
  });
});
