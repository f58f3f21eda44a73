// The filters DescribeInstances and DescribeInstanceStatus accept, read from the EC2 view of an instance.
import type { Instance, InstanceStatus } from "@aws-sdk/client-ec2";
import { tagFilters, type FilterFields } from "../shared/index.ts";

export interface InstanceWithReservation {
  instance: Instance;
  reservationId: string;
  ownerId: string;
}

const tags = tagFilters<InstanceWithReservation>((x) => x.instance.Tags);

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
  "network-interface.mac-address": (x) => x.instance.NetworkInterfaces?.map((n) => n.MacAddress),
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
