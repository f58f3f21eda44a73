// GetLaunchTemplateData: an instance's launch parameters as launch template data, to make a template (or a version)
// from a running instance. Answered by the node holding the instance.
import type { GetLaunchTemplateDataRequest, GetLaunchTemplateDataResult, LaunchTemplateBlockDeviceMappingRequest, RequestLaunchTemplateData } from "@aws-sdk/client-ec2";
import { isReservedTagKey, type ActionRequest } from "../../actions/index.ts";
import type { VolumeRecord } from "../../store/index.ts";
import { responseData } from "../launch-templates/index.ts";
import type { InstanceDeps } from "./instance-deps.ts";
import { select } from "./instances.ts";
import type { InstanceFacts } from "./instance-view.ts";

function blockDevice(v: VolumeRecord, deviceName: string, root: boolean): LaunchTemplateBlockDeviceMappingRequest {
  return {
    DeviceName: deviceName,
    Ebs: {
      Encrypted: false,
      DeleteOnTermination: v.deleteOnTermination,
      // A root volume is an overlay on the AMI: the image gives it again at launch, so no snapshot is named.
      ...(!root && v.snapshotId ? { SnapshotId: v.snapshotId } : {}),
      VolumeSize: v.sizeGiB,
      VolumeType: v.volumeType as NonNullable<LaunchTemplateBlockDeviceMappingRequest["Ebs"]>["VolumeType"],
      ...(v.iops !== undefined ? { Iops: v.iops } : {}),
      ...(v.throughput !== undefined ? { Throughput: v.throughput } : {}),
    },
  };
}

/** What the instance was launched with and has now, in the request's shape of launch template data. */
export function instanceLaunchData({ record: r, tags, rootVolume, dataVolumes = [], interfaces = [] }: InstanceFacts): RequestLaunchTemplateData {
  const primary = interfaces.find((f) => f.record.deviceIndex === 0);
  const userTags = (tags ?? []).filter((t) => !isReservedTagKey(t.key));
  return {
    ImageId: r.imageId,
    InstanceType: r.instanceType as RequestLaunchTemplateData["InstanceType"],
    ...(r.keyName ? { KeyName: r.keyName } : {}),
    ...(r.userData ? { UserData: r.userData } : {}),
    DisableApiTermination: r.disableApiTermination,
    DisableApiStop: false,
    InstanceInitiatedShutdownBehavior: r.shutdownBehavior,
    EbsOptimized: false,
    Monitoring: { Enabled: false },
    Placement: { AvailabilityZone: r.az, GroupName: "", Tenancy: "default" },
    MetadataOptions: {
      HttpTokens: r.metadataHttpTokens ?? "optional",
      HttpPutResponseHopLimit: r.metadataHopLimit ?? 1,
      HttpEndpoint: r.metadataHttpEndpoint ?? "enabled",
      HttpProtocolIpv6: "disabled",
      InstanceMetadataTags: "disabled",
    },
    BlockDeviceMappings: [
      ...(rootVolume ? [blockDevice(rootVolume, r.rootDeviceName, true)] : []),
      ...dataVolumes.filter((v) => v.device).map((v) => blockDevice(v, v.device!, false)),
    ],
    ...(primary
      ? {
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              NetworkInterfaceId: primary.record.id,
              SubnetId: primary.record.subnetId,
              Groups: primary.groups.map((g) => g.GroupId!).filter(Boolean),
              Description: primary.record.description,
              DeleteOnTermination: primary.record.deleteOnTermination ?? true,
              PrivateIpAddress: primary.record.privateIp,
              PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: primary.record.privateIp }],
            },
          ],
        }
      : {}),
    ...(userTags.length > 0 ? { TagSpecifications: [{ ResourceType: "instance", Tags: userTags.map((t) => ({ Key: t.key, Value: t.value })) }] } : {}),
  };
}

export function getLaunchTemplateData(req: ActionRequest<GetLaunchTemplateDataRequest>, deps: InstanceDeps): GetLaunchTemplateDataResult & { _owned: string[] } {
  const [r] = select(req, deps, [req.input.InstanceId ?? ""], "InstanceId");
  if (!r) return { _owned: [] };
  const [facts] = deps.facts([r]);
  return { LaunchTemplateData: responseData(instanceLaunchData(facts!)), _owned: [r.id] };
}
