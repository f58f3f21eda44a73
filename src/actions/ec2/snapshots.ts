// EC2's snapshot actions: each node lists the snapshots it holds; a snapshot is made (or copied) where its source is.
import type {
  CopySnapshotRequest,
  CopySnapshotResult,
  CreateSnapshotRequest,
  DeleteSnapshotRequest,
  DescribeSnapshotsRequest,
  DescribeSnapshotsResult,
  Snapshot,
} from "@aws-sdk/client-ec2";
import { snapshotIds, volumeIds } from "../not-found.ts";
import { declare } from "../spec.ts";

export const snapshotActions = {
  CreateSnapshot: declare<CreateSnapshotRequest, Snapshot>({ kind: "owner", owned: volumeIds("VolumeId") }),
  DescribeSnapshots: declare<DescribeSnapshotsRequest, DescribeSnapshotsResult>({
    kind: "every",
    merge: { list: "Snapshots", key: "SnapshotId", paginated: true },
    owned: snapshotIds("SnapshotIds"),
  }),
  DeleteSnapshot: declare<DeleteSnapshotRequest, object>({ kind: "owner", owned: snapshotIds("SnapshotId") }),
  CopySnapshot: declare<CopySnapshotRequest, CopySnapshotResult>({ kind: "owner", owned: snapshotIds("SourceSnapshotId") }),
};
