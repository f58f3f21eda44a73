// DescribeVolumes: the EBS volumes this node holds, as EC2 reports them.
import type { DescribeVolumesRequest, Volume } from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { notFound } from "../../errors/index.ts";
import type { Store, TagRecord, VolumeRecord } from "../../store/index.ts";
import { applyFilters, tagFilters, type FilterFields } from "../shared/index.ts";
import { assertIds } from "../shared/index.ts";
import { tagsView } from "../shared/index.ts";

export function volumeView(v: VolumeRecord, tags: TagRecord[] | undefined): Volume {
  const attached = v.instanceId && v.state === "in-use";
  return {
    VolumeId: v.id,
    Size: v.sizeGiB,
    SnapshotId: v.snapshotId ?? "",
    AvailabilityZone: v.az,
    State: v.state === "error" ? "error" : (v.state as Volume["State"]),
    CreateTime: new Date(v.createdAt),
    Attachments: attached
      ? [{ VolumeId: v.id, InstanceId: v.instanceId, Device: v.device, State: "attached", AttachTime: new Date(v.attachTime ?? v.createdAt), DeleteOnTermination: v.deleteOnTermination }]
      : [],
    VolumeType: v.volumeType as Volume["VolumeType"],
    ...(v.volumeType === "gp3" ? { Iops: 3000, Throughput: 125 } : {}),
    Encrypted: false,
    MultiAttachEnabled: false,
    Tags: tagsView(tags),
  };
}

const tags = tagFilters<Volume>((v) => v.Tags);
const fields: FilterFields<Volume> = {
  ...tags.fields,
  "volume-id": (v) => v.VolumeId,
  status: (v) => v.State,
  size: (v) => v.Size,
  "volume-type": (v) => v.VolumeType,
  "availability-zone": (v) => v.AvailabilityZone,
  "create-time": (v) => v.CreateTime?.toISOString(),
  encrypted: (v) => v.Encrypted,
  "snapshot-id": (v) => v.SnapshotId,
  "multi-attach-enabled": (v) => v.MultiAttachEnabled,
  "attachment.instance-id": (v) => v.Attachments?.map((a) => a.InstanceId),
  "attachment.device": (v) => v.Attachments?.map((a) => a.Device),
  "attachment.status": (v) => v.Attachments?.map((a) => a.State),
  "attachment.attach-time": (v) => v.Attachments?.map((a) => a.AttachTime?.toISOString()),
  "attachment.delete-on-termination": (v) => v.Attachments?.map((a) => a.DeleteOnTermination),
};

export function describeVolumes(req: ActionRequest<DescribeVolumesRequest>, store: Store) {
  const ids = req.input.VolumeIds;
  assertIds("vol", ids, "VolumeId");
  let rows = store.volumes.list();
  if (ids && ids.length > 0) {
    const wanted = new Set(ids);
    rows = rows.filter((v) => wanted.has(v.id));
    if (req.nodes === 1 && rows.length < wanted.size) {
      const missing = ids.filter((id) => !rows.some((v) => v.id === id));
      throw notFound("volume", `The volume '${missing[0]}' does not exist.`, "VolumeId");
    }
  }
  const t = store.tags.forResources(rows.map((v) => v.id));
  return { Volumes: applyFilters(rows.map((v) => volumeView(v, t.get(v.id))), req.input.Filters, fields, tags.dynamic), _owned: rows.map((v) => v.id) };
}
