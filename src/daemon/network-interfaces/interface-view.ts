// How network interfaces look to EC2 clients: DescribeNetworkInterfaces' NetworkInterface, the instance's
// InstanceNetworkInterface, and the private and public DNS names EC2 derives from addresses.
import type { GroupIdentifier, InstanceNetworkInterface, NetworkInterface } from "@aws-sdk/client-ec2";
import type { AddressRecord, NetworkInterfaceRecord, Store, SubnetRecord, TagRecord } from "../../store/index.ts";
import { privateDnsName } from "../../net/index.ts";
import { tagsView } from "../shared/index.ts";

/** EC2's public name: ec2-203-0-113-25.compute-1.amazonaws.com in us-east-1, ec2-….<region>.compute.amazonaws.com elsewhere. */
export const publicDnsNameOf = (ip: string, region: string): string =>
  `ec2-${ip.replaceAll(".", "-")}.${region === "us-east-1" ? "compute-1.amazonaws.com" : `${region}.compute.amazonaws.com`}`;

/** An interface with what its views need, fetched in bulk by interfaceFacts. */
export interface InterfaceFacts {
  record: NetworkInterfaceRecord;
  groups: GroupIdentifier[];
  tags?: TagRecord[];
  /** The Elastic IP associated with it, if any. */
  address?: AddressRecord;
  subnet?: SubnetRecord;
  /** Whether its VPC gives public DNS names (enableDnsHostnames). */
  dnsHostnames: boolean;
}

/** The facts of these interfaces in a handful of statements, whatever their number. */
export function interfaceFacts(store: Store, records: NetworkInterfaceRecord[]): InterfaceFacts[] {
  const ids = records.map((r) => r.id);
  const groupIds = store.networkInterfaces.groups(ids);
  const names = new Map<string, string>();
  for (const g of new Set([...groupIds.values()].flat())) names.set(g, store.securityGroups.get(g)?.name ?? "");
  const tags = store.tags.forResources(ids);
  const addresses = new Map(store.networkInterfaces.addressesOf(ids).map((a) => [a.networkInterfaceId!, a]));
  const subnets = new Map<string, SubnetRecord | undefined>();
  const vpcs = new Map<string, boolean>();
  for (const r of records) {
    if (!subnets.has(r.subnetId)) subnets.set(r.subnetId, store.subnets.get(r.subnetId));
    if (!vpcs.has(r.vpcId)) vpcs.set(r.vpcId, store.vpcs.get(r.vpcId)?.dnsHostnames ?? false);
  }
  return records.map((record) => ({
    record,
    groups: (groupIds.get(record.id) ?? []).map((g) => ({ GroupId: g, GroupName: names.get(g) ?? "" })),
    tags: tags.get(record.id),
    address: addresses.get(record.id),
    subnet: subnets.get(record.subnetId),
    dnsHostnames: vpcs.get(record.vpcId) ?? false,
  }));
}

const regionOf = (az: string): string => az.slice(0, -1);

function association(f: InterfaceFacts, ownerId: string) {
  const a = f.address;
  if (!a) return undefined;
  return {
    IpOwnerId: ownerId,
    PublicIp: a.publicIp,
    PublicDnsName: f.dnsHostnames ? publicDnsNameOf(a.publicIp, regionOf(f.record.az)) : "",
    AllocationId: a.allocationId,
    AssociationId: a.associationId,
  };
}

/** DescribeNetworkInterfaces' view of one interface. */
export function networkInterfaceView(f: InterfaceFacts, ownerId: string): NetworkInterface {
  const r = f.record;
  const dns = privateDnsName(r.privateIp, regionOf(r.az));
  const assoc = association(f, ownerId);
  return {
    ...(assoc ? { Association: assoc } : {}),
    ...(r.attachmentId
      ? {
          Attachment: {
            AttachTime: r.attachTime ? new Date(r.attachTime) : undefined,
            AttachmentId: r.attachmentId,
            DeleteOnTermination: r.deleteOnTermination ?? false,
            DeviceIndex: r.deviceIndex,
            NetworkCardIndex: 0,
            InstanceId: r.instanceId,
            InstanceOwnerId: ownerId,
            Status: "attached",
          },
        }
      : {}),
    AvailabilityZone: r.az,
    Description: r.description,
    Groups: f.groups,
    InterfaceType: r.interfaceType as NetworkInterface["InterfaceType"],
    Ipv6Addresses: [],
    MacAddress: r.mac,
    NetworkInterfaceId: r.id,
    OwnerId: ownerId,
    PrivateDnsName: dns,
    PrivateIpAddress: r.privateIp,
    PrivateIpAddresses: [{ ...(assoc ? { Association: assoc } : {}), Primary: true, PrivateDnsName: dns, PrivateIpAddress: r.privateIp }],
    RequesterManaged: false,
    SourceDestCheck: r.sourceDestCheck,
    Status: r.instanceId ? "in-use" : "available",
    SubnetId: r.subnetId,
    TagSet: tagsView(f.tags),
    VpcId: r.vpcId,
  };
}

/** The interface as DescribeInstances shows it inside an instance. */
export function instanceInterfaceView(f: InterfaceFacts, ownerId: string): InstanceNetworkInterface {
  const r = f.record;
  const dns = privateDnsName(r.privateIp, regionOf(r.az));
  const full = association(f, ownerId);
  const assoc = full ? { IpOwnerId: full.IpOwnerId, PublicIp: full.PublicIp, PublicDnsName: full.PublicDnsName } : undefined;
  return {
    ...(assoc ? { Association: assoc } : {}),
    Attachment: {
      AttachTime: r.attachTime ? new Date(r.attachTime) : undefined,
      AttachmentId: r.attachmentId,
      DeleteOnTermination: r.deleteOnTermination ?? false,
      DeviceIndex: r.deviceIndex,
      NetworkCardIndex: 0,
      Status: "attached",
    },
    Description: r.description,
    Groups: f.groups,
    Ipv6Addresses: [],
    MacAddress: r.mac,
    NetworkInterfaceId: r.id,
    OwnerId: ownerId,
    PrivateDnsName: dns,
    PrivateIpAddress: r.privateIp,
    PrivateIpAddresses: [{ ...(assoc ? { Association: assoc } : {}), Primary: true, PrivateDnsName: dns, PrivateIpAddress: r.privateIp }],
    SourceDestCheck: r.sourceDestCheck,
    Status: "in-use",
    SubnetId: r.subnetId,
    VpcId: r.vpcId,
    InterfaceType: r.interfaceType,
  };
}
