// The filters DescribeInstances and DescribeInstanceStatus accept, read from the EC2 view of an instance.
import type { Instance, InstanceNetworkInterface, InstanceStatus } from "@aws-sdk/client-ec2";
import type { AddressRecord } from "../../store/index.ts";
import { tagFilters, type FilterFields } from "../shared/index.ts";

export interface InstanceWithReservation {
  instance: Instance;
  reservationId: string;
  ownerId: string;
  /** The Elastic IPs on its interfaces (the view does not carry their allocation and association ids). */
  addresses?: AddressRecord[];
}

const tags = tagFilters<InstanceWithReservation>((x) => x.instance.Tags);

/** The network-interface.* filters: each reads every interface of the instance. */
const eachInterface =
  (get: (n: InstanceNetworkInterface, x: InstanceWithReservation) => unknown) =>
  (x: InstanceWithReservation): unknown[] =>
    (x.instance.NetworkInterfaces ?? []).map((n) => get(n, x));

const networkInterfaceFields: FilterFields<InstanceWithReservation> = {
  "network-interface.network-interface-id": eachInterface((n) => n.NetworkInterfaceId),
  "network-interface.subnet-id": eachInterface((n) => n.SubnetId),
  "network-interface.vpc-id": eachInterface((n) => n.VpcId),
  "network-interface.availability-zone": eachInterface((_, x) => x.instance.Placement?.AvailabilityZone),
  "network-interface.description": eachInterface((n) => n.Description),
  "network-interface.mac-address": eachInterface((n) => n.MacAddress),
  "network-interface.owner-id": eachInterface((n) => n.OwnerId),
  "network-interface.private-dns-name": eachInterface((n) => n.PrivateDnsName),
  "network-interface.requester-managed": eachInterface(() => false),
  "network-interface.requester-id": eachInterface(() => undefined),
  "network-interface.ipv6-addresses.ipv6-address": eachInterface((n) => n.Ipv6Addresses?.map((a) => a.Ipv6Address)),
  "network-interface.status": eachInterface((n) => n.Status),
  "network-interface.source-dest-check": eachInterface((n) => n.SourceDestCheck),
  "network-interface.group-id": eachInterface((n) => n.Groups?.map((g) => g.GroupId)),
  "network-interface.group-name": eachInterface((n) => n.Groups?.map((g) => g.GroupName)),
  "network-interface.addresses.private-ip-address": eachInterface((n) => n.PrivateIpAddresses?.map((a) => a.PrivateIpAddress)),
  "network-interface.addresses.primary": eachInterface((n) => n.PrivateIpAddresses?.map((a) => a.Primary)),
  "network-interface.addresses.association.public-ip": eachInterface((n) => n.PrivateIpAddresses?.map((a) => a.Association?.PublicIp)),
  "network-interface.addresses.association.ip-owner-id": eachInterface((n) => n.PrivateIpAddresses?.map((a) => a.Association?.IpOwnerId)),
  "network-interface.association.public-ip": eachInterface((n) => n.Association?.PublicIp),
  "network-interface.association.ip-owner-id": eachInterface((n) => n.Association?.IpOwnerId),
  "network-interface.association.allocation-id": (x) => (x.addresses ?? []).map((a) => a.allocationId),
  "network-interface.association.association-id": (x) => (x.addresses ?? []).map((a) => a.associationId),
  "network-interface.attachment.attachment-id": eachInterface((n) => n.Attachment?.AttachmentId),
  "network-interface.attachment.instance-id": eachInterface((_, x) => x.instance.InstanceId),
  "network-interface.attachment.instance-owner-id": eachInterface((_, x) => x.ownerId),
  "network-interface.attachment.device-index": eachInterface((n) => n.Attachment?.DeviceIndex),
  "network-interface.attachment.status": eachInterface((n) => n.Attachment?.Status),
  "network-interface.attachment.attach-time": eachInterface((n) => n.Attachment?.AttachTime?.toISOString()),
  "network-interface.attachment.delete-on-termination": eachInterface((n) => n.Attachment?.DeleteOnTermination),
};

export const instanceFilterDynamic = tags.dynamic;

export const instanceFilterFields: FilterFields<InstanceWithReservation> = {
  ...tags.fields,
  "instance-id": (x) => x.instance.InstanceId,
  "instance-state-name": (x) => x.instance.State?.Name,
  "instance-state-code": (x) => x.instance.State?.Code,
  "instance-type": (x) => x.instance.InstanceType,
  "image-id": (x) => x.instance.ImageId,
  "key-name": (x) => x.instance.KeyName,
  "reservation-id": (x) => x.reservationId,
  "owner-id": (x) => x.ownerId,
  "launch-time": (x) => x.instance.LaunchTime?.toISOString(),
  "availability-zone": (x) => x.instance.Placement?.AvailabilityZone,
  "placement-group-name": (x) => x.instance.Placement?.GroupName,
  tenancy: (x) => x.instance.Placement?.Tenancy,
  architecture: (x) => x.instance.Architecture,
  "root-device-type": (x) => x.instance.RootDeviceType,
  "root-device-name": (x) => x.instance.RootDeviceName,
  "virtualization-type": (x) => x.instance.VirtualizationType,
  hypervisor: (x) => x.instance.Hypervisor,
  "client-token": (x) => x.instance.ClientToken,
  "ami-launch-index": (x) => x.instance.AmiLaunchIndex,
  "monitoring-state": (x) => x.instance.Monitoring?.State,
  "state-reason-code": (x) => x.instance.StateReason?.Code,
  "state-reason-message": (x) => x.instance.StateReason?.Message,
  "platform-details": (x) => x.instance.PlatformDetails,
  "private-ip-address": (x) => x.instance.PrivateIpAddress,
  "private-dns-name": (x) => x.instance.PrivateDnsName,
  "vpc-id": (x) => x.instance.VpcId,
  "subnet-id": (x) => x.instance.SubnetId,
  "instance.group-id": (x) => x.instance.SecurityGroups?.map((g) => g.GroupId),
  "instance.group-name": (x) => x.instance.SecurityGroups?.map((g) => g.GroupName),
  "group-id": (x) => x.instance.SecurityGroups?.map((g) => g.GroupId),
  "group-name": (x) => x.instance.SecurityGroups?.map((g) => g.GroupName),
  "ip-address": (x) => x.instance.PublicIpAddress,
  "dns-name": (x) => x.instance.PublicDnsName || undefined,
  "source-dest-check": (x) => x.instance.SourceDestCheck,
  "private-dns-name-options.hostname-type": (x) => x.instance.PrivateDnsNameOptions?.HostnameType,
  "private-dns-name-options.enable-resource-name-dns-a-record": (x) => x.instance.PrivateDnsNameOptions?.EnableResourceNameDnsARecord,
  "private-dns-name-options.enable-resource-name-dns-aaaa-record": (x) => x.instance.PrivateDnsNameOptions?.EnableResourceNameDnsAAAARecord,
  ...networkInterfaceFields,
  "metadata-options.http-tokens": (x) => x.instance.MetadataOptions?.HttpTokens,
  "metadata-options.http-endpoint": (x) => x.instance.MetadataOptions?.HttpEndpoint,
  "metadata-options.http-put-response-hop-limit": (x) => x.instance.MetadataOptions?.HttpPutResponseHopLimit,
  "block-device-mapping.device-name": (x) => x.instance.BlockDeviceMappings?.map((b) => b.DeviceName),
  "block-device-mapping.volume-id": (x) => x.instance.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeId),
  "block-device-mapping.status": (x) => x.instance.BlockDeviceMappings?.map((b) => b.Ebs?.Status),
  "block-device-mapping.delete-on-termination": (x) => x.instance.BlockDeviceMappings?.map((b) => b.Ebs?.DeleteOnTermination),
  "block-device-mapping.attach-time": (x) => x.instance.BlockDeviceMappings?.map((b) => b.Ebs?.AttachTime?.toISOString()),
};

export const instanceStatusFilterFields: FilterFields<InstanceStatus> = {
  "availability-zone": (s) => s.AvailabilityZone,
  "instance-state-name": (s) => s.InstanceState?.Name,
  "instance-state-code": (s) => s.InstanceState?.Code,
  "instance-status.status": (s) => s.InstanceStatus?.Status,
  "instance-status.reachability": (s) => s.InstanceStatus?.Details?.map((d) => d.Status),
  "system-status.status": (s) => s.SystemStatus?.Status,
  "system-status.reachability": (s) => s.SystemStatus?.Details?.map((d) => d.Status),
};
