// EC2's volume actions: each node lists the volumes it holds.
import type { DescribeVolumesRequest, DescribeVolumesResult } from "@aws-sdk/client-ec2";
import { volumeIds } from "../not-found.ts";
import { declare } from "../spec.ts";

export const volumeActions = {
  DescribeVolumes: declare<DescribeVolumesRequest, DescribeVolumesResult>({
    kind: "every",
    merge: { list: "Volumes", key: "VolumeId", paginated: true },
    owned: volumeIds("VolumeIds"),
  }),
};
