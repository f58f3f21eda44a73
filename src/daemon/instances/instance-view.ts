// How instance rows look to EC2 clients: Instance, Reservation, InstanceState and InstanceStatus objects.
import type { Instance, InstanceState, InstanceStatus, Reservation } from "@aws-sdk/client-ec2";
import type { InstanceRecord, InstanceStateName, TagRecord, VolumeRecord } from "../../store/index.ts";
import { tagsView } from "../shared/index.ts";
import { hostnameFor, macFor, privateIpFor } from "./guest-config.ts";
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
}

export function instanceView({ record: r, tags, rootVolume }: InstanceFacts): Instance {
  const cores = Math.max(1, Math.floor(r.vcpus / 2));
  const live = r.state !== "terminated";
  const region = r.az.slice(0, -1);
  const dns = hostnameFor(r.id, region);
  const ip = privateIpFor(r);
  return {
    InstanceId: r.id,
    ImageId: r.imageId,
    State: stateOf(r.state),
    PrivateDnsName: live ? dns : "",
    ...(live ? { PrivateIpAddress: ip } : {}),
    PublicDnsName: "",
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
            {
              DeviceName: r.rootDeviceName,
              Ebs: {
                VolumeId: rootVolume.id,
                Status: "attached",
                AttachTime: new Date(rootVolume.attachTime ?? r.launchTime),
                DeleteOnTermination: rootVolume.deleteOnTermination,
              },
            },
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
    NetworkInterfaces: live
      ? [
          {
            NetworkInterfaceId: `eni-${r.id.slice(2)}`,
            MacAddress: macFor(r.id),
            PrivateIpAddress: ip,
            PrivateDnsName: dns,
            Status: "in-use",
            SourceDestCheck: true,
            InterfaceType: "interface",
            OwnerId: r.ownerId,
            Attachment: { AttachmentId: `eni-attach-${r.id.slice(2)}`, DeviceIndex: 0, Status: "attached", AttachTime: new Date(r.launchTime), DeleteOnTermination: true, NetworkCardIndex: 0 },
            PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: ip, PrivateDnsName: dns }],
            Groups: [],
            Ipv6Addresses: [],
          },
        ]
      : [],
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
