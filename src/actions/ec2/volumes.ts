// EC2's EBS actions: a volume is made on the placed node (its zone's box); every other action goes to the node holding it.
import type {
  AttachVolumeRequest,
  CreateVolumeRequest,
  DeleteVolumeRequest,
  DescribeVolumeAttributeRequest,
  DescribeVolumeAttributeResult,
  DescribeVolumeStatusRequest,
  DescribeVolumeStatusResult,
  DescribeVolumesModificationsRequest,
  DescribeVolumesModificationsResult,
  DescribeVolumesRequest,
  DescribeVolumesResult,
  DetachVolumeRequest,
  EnableVolumeIORequest,
  ModifyVolumeAttributeRequest,
  ModifyVolumeRequest,
  ModifyVolumeResult,
  Volume,
  VolumeAttachment,
} from "@aws-sdk/client-ec2";
import { volumeIds } from "../not-found.ts";
import { declare, placed, type Travel } from "../spec.ts";

const oneVolume: Travel = { kind: "owner", owned: volumeIds("VolumeId") };

export const volumeActions = {
  CreateVolume: declare<CreateVolumeRequest, Volume>(placed),
  DescribeVolumes: declare<DescribeVolumesRequest, DescribeVolumesResult>({
    kind: "every",
    merge: { list: "Volumes", key: "VolumeId", paginated: true },
    owned: volumeIds("VolumeIds"),
  }),
  DescribeVolumeStatus: declare<DescribeVolumeStatusRequest, DescribeVolumeStatusResult>({
    kind: "every",
    merge: { list: "VolumeStatuses", key: "VolumeId", paginated: true },
    owned: volumeIds("VolumeIds"),
  }),
  DescribeVolumesModifications: declare<DescribeVolumesModificationsRequest, DescribeVolumesModificationsResult>({
    kind: "every",
    merge: { list: "VolumesModifications", key: "VolumeId", paginated: true },
    owned: volumeIds("VolumeIds"),
  }),
  DeleteVolume: declare<DeleteVolumeRequest, object>(oneVolume),
  AttachVolume: declare<AttachVolumeRequest, VolumeAttachment>(oneVolume),
  DetachVolume: declare<DetachVolumeRequest, VolumeAttachment>(oneVolume),
  ModifyVolume: declare<ModifyVolumeRequest, ModifyVolumeResult>(oneVolume),
  DescribeVolumeAttribute: declare<DescribeVolumeAttributeRequest, DescribeVolumeAttributeResult>(oneVolume),
  ModifyVolumeAttribute: declare<ModifyVolumeAttributeRequest, object>(oneVolume),
  EnableVolumeIO: declare<EnableVolumeIORequest, object>(oneVolume),
};
