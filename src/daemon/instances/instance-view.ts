// How instance rows look to EC2 clients: Instance, Reservation, InstanceState and InstanceStatus objects.
import type { AttachmentStatus, Instance, InstanceState, InstanceStatus, Reservation } from "@aws-sdk/client-ec2";
import type { InstanceRecord, InstanceStateName, TagRecord, VolumeRecord } from "../../store/index.ts";
import { tagsView } from "../shared/index.ts";
import { instanceInterfaceView, publicDnsNameOf, type InterfaceFacts } from "../network-interfaces/index.ts";
import { privateDnsNameFor } from "./guest-config.ts";
import { metadataOptionsView } from "./metadata-options.ts";

export const STATE_CODES: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  "shutting-down": 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export const stateOf = (name: InstanceStateName): InstanceState => ({ Code: STATE_CODES[name], Name: name });


export interface InstanceFacts {
  record: InstanceRecord;
  tags?: TagRecord[];
  rootVolume?: VolumeRecord;
  /** The other volumes attached to it (attaching, attached or detaching). */
  dataVolumes?: VolumeRecord[];
  /** Its network interfaces, primary first (none once terminated). */
  interfaces?: InterfaceFacts[];
}

/** An attached volume as the instance's BlockDeviceMappings show it. */
const mappingOf = (v: VolumeRecord, device: string, launchTime: string) => ({
  DeviceName: device,
  Ebs: {
    VolumeId: v.id,
    Status: (v.attachState ?? "attached") as AttachmentStatus,
    AttachTime: new Date(v.attachTime ?? launchTime),
    DeleteOnTermination: v.deleteOnTermination,
  },
});

export function instanceView({ record: r, tags, rootVolume, dataVolumes = [], interfaces = [] }: InstanceFacts): Instance {
  const cores = Math.max(1, Math.floor(r.vcpus / 2));
  const live = r.state !== "terminated";
  const region = r.az.slice(0, -1);
  const primary = live ? interfaces.find((f) => f.record.deviceIndex === 0) : undefined;
  const eip = primary?.address;
  return {
    InstanceId: r.id,
    ImageId: r.imageId,
    State: stateOf(r.state),
    PrivateDnsName: primary ? privateDnsNameFor(r.id, primary.record.privateIp, primary.subnet?.hostnameType, region) : "",
    ...(primary
      ? {
          PrivateIpAddress: primary.record.privateIp,
          SubnetId: primary.record.subnetId,
          VpcId: primary.record.vpcId,
          SourceDestCheck: primary.record.sourceDestCheck,
          SecurityGroups: primary.groups,
          ...(primary.subnet
            ? {
                PrivateDnsNameOptions: {
                  HostnameType: primary.subnet.hostnameType,
                  EnableResourceNameDnsARecord: primary.subnet.dnsARecord,
                  EnableResourceNameDnsAAAARecord: false,
                },
              }
            : {}),
        }
      : { SecurityGroups: [] }),
    PublicDnsName: eip && primary?.dnsHostnames ? publicDnsNameOf(eip.publicIp, region) : "",
    ...(eip ? { PublicIpAddress: eip.publicIp } : {}),
    StateTransitionReason: r.stateTransitionReason ?? "",
    ...(r.keyName ? { KeyName: r.keyName } : {}),
    AmiLaunchIndex: r.amiLaunchIndex,
    ProductCodes: [],
    InstanceType: r.instanceType as Instance["InstanceType"],
    LaunchTime: new Date(r.launchTime),
    Placement: { AvailabilityZone: r.az, GroupName: "", Tenancy: "default" },
    Monitoring: { State: "disabled" },
    Architecture: "x86_64",
    RootDeviceType: "ebs",
    RootDeviceName: r.rootDeviceName,
    BlockDeviceMappings:
      rootVolume && r.state !== "terminated"
        ? [
            mappingOf({ ...rootVolume, attachState: "attached" }, r.rootDeviceName, r.launchTime),
            ...[...dataVolumes].sort((a, b) => (a.device ?? "").localeCompare(b.device ?? "")).map((v) => mappingOf(v, v.device ?? "", r.launchTime)),
          ]
        : [],
    VirtualizationType: "hvm",
    ...(r.clientToken ? { ClientToken: r.clientToken } : {}),
    Tags: tagsView(tags),
    Hypervisor: "xen",
    EbsOptimized: false,
    EnaSupport: true,
    ...(r.stateReasonCode ? { StateReason: { Code: r.stateReasonCode, Message: r.stateReasonMessage ?? r.stateReasonCode } } : {}),
    CpuOptions: { CoreCount: cores, ThreadsPerCore: r.vcpus >= 2 ? 2 : 1 },
    PlatformDetails: "Linux/UNIX",
    UsageOperation: "RunInstances",
    BootMode: "legacy-bios",
    CurrentInstanceBootMode: "legacy-bios",
    MetadataOptions: metadataOptionsView(r),
    NetworkInterfaces: live ? interfaces.map((f) => instanceInterfaceView(f, r.ownerId)) : [],
  };
}

/** Instances grouped by reservation, in the order of their first instance. */
export function reservationsView(facts: InstanceFacts[], ownerId: string): Reservation[] {
  const byId = new Map<string, Reservation>();
  for (const f of facts) {
    let res = byId.get(f.record.reservationId);
    if (!res) {
      res = { ReservationId: f.record.reservationId, OwnerId: ownerId, Groups: [], Instances: [] };
      if (f.record.requesterId) res.RequesterId = f.record.requesterId;
      byId.set(f.record.reservationId, res);
    }
    res.Instances!.push(instanceView(f));
  }
  return [...byId.values()];
}

export function instanceStatusView(r: InstanceRecord): InstanceStatus {
  const running = r.state === "running";
  const status = running ? "ok" : "not-applicable";
  const details = running ? [{ Name: "reachability" as const, Status: "passed" as const }] : [];
  return {
    InstanceId: r.id,
    AvailabilityZone: r.az,
    InstanceState: stateOf(r.state),
    InstanceStatus: { Status: status, Details: details },
    SystemStatus: { Status: status, Details: details },
    Events: [],
  };
}
