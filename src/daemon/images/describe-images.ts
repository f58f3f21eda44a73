// DescribeImages: this node's AMIs as EC2 describes them, narrowed by ids, owners, executable users and filters; the
// gateway merges and pages.

import type { DescribeImagesRequest, DescribeImagesResult, Image, Tag } from "@aws-sdk/client-ec2";
import type { ImageBlockDeviceRecord, ImageRecord, Store } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { applyFilters, tagFilters, type FilterFields } from "../shared/index.ts";
import { assertIds } from "../shared/index.ts";
import { checkExecutableUsers, executableBy, isPublic } from "./launch-permissions.ts";

const GiB = 1024 ** 3;
const ROOT_DEVICE = "/dev/xvda";

/** The image as EC2 answers it: the fields SDKs and Terraform read, with Hive's fixed choices (EBS-backed, HVM). */
export const imageOf = (rec: ImageRecord, tags: Tag[], devices: ImageBlockDeviceRecord[] = [], publicImage = false): Image => ({
  ImageId: rec.id,
  ImageLocation: `${rec.ownerId}/${rec.name}`,
  Name: rec.name,
  ...(rec.description !== undefined ? { Description: rec.description } : {}),
  State: rec.state === "deregistered" ? "deregistered" : rec.state,
  OwnerId: rec.ownerId,
  CreationDate: rec.createdAt,
  // Launch permission for the group "all".
  Public: publicImage,
  ImageType: "machine",
  Architecture: rec.architecture,
  RootDeviceName: rec.rootDeviceName || ROOT_DEVICE,
  RootDeviceType: "ebs",
  BlockDeviceMappings: [
    {
      DeviceName: rec.rootDeviceName || ROOT_DEVICE,
      Ebs: {
        // The root device's snapshot shares the image's file (none while the image is pending).
        ...(rec.snapshotId ? { SnapshotId: rec.snapshotId } : {}),
        // A pending import does not know its size yet; 1 GiB is the smallest volume EC2 speaks of.
        VolumeSize: Math.max(1, Math.ceil(rec.sizeBytes / GiB)),
        VolumeType: "gp3",
        DeleteOnTermination: true,
        Encrypted: false,
      },
    },
    ...devices.map((d) => ({
      DeviceName: d.deviceName,
      Ebs: {
        ...(d.snapshotId ? { SnapshotId: d.snapshotId } : {}),
        VolumeSize: d.volumeSizeGiB,
        VolumeType: d.volumeType as NonNullable<Image["BlockDeviceMappings"]>[number]["Ebs"] extends infer E ? E extends { VolumeType?: infer T } ? T : never : never,
        ...(d.iops !== undefined ? { Iops: d.iops } : {}),
        ...(d.throughput !== undefined ? { Throughput: d.throughput } : {}),
        DeleteOnTermination: d.deleteOnTermination,
        Encrypted: false,
      },
    })),
  ],
  VirtualizationType: "hvm",
  // EC2 reports "xen" for every HVM AMI, Nitro ones included.
  Hypervisor: "xen",
  EnaSupport: true,
  SriovNetSupport: "simple",
  BootMode: "legacy-bios",
  PlatformDetails: "Linux/UNIX",
  UsageOperation: "RunInstances",
  Tags: tags,
});

const tags = tagFilters<Image>((i) => i.Tags);

const fields: FilterFields<Image> = {
  "image-id": (i) => i.ImageId,
  name: (i) => i.Name,
  description: (i) => i.Description,
  state: (i) => i.State,
  architecture: (i) => i.Architecture,
  "owner-id": (i) => i.OwnerId,
  "is-public": (i) => i.Public,
  "image-type": (i) => i.ImageType,
  "root-device-type": (i) => i.RootDeviceType,
  "root-device-name": (i) => i.RootDeviceName,
  "virtualization-type": (i) => i.VirtualizationType,
  hypervisor: (i) => i.Hypervisor,
  "ena-support": (i) => i.EnaSupport,
  "boot-mode": (i) => i.BootMode,
  "platform-details": (i) => i.PlatformDetails,
  "usage-operation": (i) => i.UsageOperation,
  "creation-date": (i) => i.CreationDate,
  "block-device-mapping.device-name": (i) => i.BlockDeviceMappings?.map((b) => b.DeviceName),
  "block-device-mapping.volume-size": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeSize),
  "block-device-mapping.volume-type": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.VolumeType),
  "block-device-mapping.delete-on-termination": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.DeleteOnTermination),
  "block-device-mapping.encrypted": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.Encrypted),
  "block-device-mapping.snapshot-id": (i) => i.BlockDeviceMappings?.map((b) => b.Ebs?.SnapshotId),
  ...tags.fields,
};

/** Filter names DescribeImages accepts (besides tag:<key>). */
export const imageFilterNames = (): string[] => Object.keys(fields);

/** Does the Owners list select images of this account? `self` and the account id do; amazon, aws-marketplace and others do not. */
const ownersSelectMine = (owners: string[] | undefined, accountId: string): boolean =>
  !owners || owners.length === 0 || owners.some((o) => o === "self" || o === accountId);

export type DescribeImagesOutput = DescribeImagesResult & {
  /** The asked-for ImageIds this node holds; the gateway reports the others as InvalidAMIID.NotFound. */
  _owned: string[];
};

export const describeImages = (
  input: DescribeImagesRequest,
  ctx: DaemonContext,
  store: Pick<Store, "images" | "tags">,
): DescribeImagesOutput => {
  const ids = input.ImageIds ?? [];
  assertIds("ami", ids, "ImageIds");
  checkExecutableUsers(input.ExecutableUsers);

  const all = store.images.list();
  const wanted = new Set(ids);
  const owned = all.filter((r) => wanted.has(r.id)).map((r) => r.id);
  // Every image here belongs to this appliance's one account.
  if (!ownersSelectMine(input.Owners, ctx.accountId)) return { Images: [], _owned: owned };

  const named = wanted.size === 0 ? all : all.filter((r) => wanted.has(r.id));
  const permissions = store.images.launchPermissions(named.map((r) => r.id));
  const users = input.ExecutableUsers ?? [];
  const records = users.length === 0 ? named : named.filter((r) => executableBy(users, permissions.get(r.id) ?? [], ctx.accountId));
  const tagsById = store.tags.forResources(records.map((r) => r.id));
  const images = records.map((r) =>
    imageOf(
      r,
      (tagsById.get(r.id) ?? []).map((t) => ({ Key: t.key, Value: t.value })),
      store.images.blockDevices(r.id),
      isPublic(permissions.get(r.id) ?? []),
    ),
  );
  // MaxResults and NextToken are the gateway's: it pages the merge of every node's answer.
  return { Images: applyFilters(images, input.Filters, fields, tags.dynamic), _owned: owned };
};
