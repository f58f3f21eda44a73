// The volume and snapshot actions bound to their declarations.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import { attachVolume, detachVolume } from "./attachments.ts";
import { modifyVolume } from "./modify-volume.ts";
import { copySnapshot, createSnapshot, deleteSnapshot, describeSnapshots, type SnapshotJobs } from "./snapshots.ts";
import type { VolumeDeps } from "./volume-deps.ts";
import {
  createVolume,
  deleteVolume,
  describeVolumeAttribute,
  describeVolumes,
  describeVolumesModifications,
  describeVolumeStatus,
  enableVolumeIO,
  modifyVolumeAttribute,
} from "./volumes.ts";

export const volumeHandlers = (deps: VolumeDeps) => {
  const jobs: SnapshotJobs = new Map();
  const { store } = deps;
  return {
    CreateVolume: (req) => createVolume(req, deps),
    DescribeVolumes: (req) => describeVolumes(req, store),
    DescribeVolumeStatus: (req) => describeVolumeStatus(req, store),
    DescribeVolumesModifications: (req) => describeVolumesModifications(req, store),
    DeleteVolume: (req) => deleteVolume(req, deps),
    AttachVolume: (req) => attachVolume(req, deps),
    DetachVolume: (req) => detachVolume(req, deps),
    ModifyVolume: (req) => modifyVolume(req, deps),
    DescribeVolumeAttribute: (req) => describeVolumeAttribute(req, store),
    ModifyVolumeAttribute: (req) => modifyVolumeAttribute(req, store),
    EnableVolumeIO: (req) => enableVolumeIO(req, store),
    CreateSnapshot: (req) => createSnapshot(req, deps, jobs),
    DescribeSnapshots: (req) => describeSnapshots(req, deps, jobs),
    DeleteSnapshot: (req) => deleteSnapshot(req, deps),
    CopySnapshot: (req) => copySnapshot(req, deps, jobs),
  } satisfies Partial<Handlers<Ec2Actions>>;
};
