// EBS volumes and snapshots as EC2 resources: the actions, attachments to guests, modifications, and recovery after a
// restart. The files, exports and copies themselves are src/ebs's; plugging into a guest is src/vm's.

export { volumeHandlers } from "./handlers.ts";
export { createVolumeRoom, describeVolumes, recoverDeletions, volumeRow } from "./volumes.ts";
export { volumeView } from "./volume-view.ts";
export { dataDisksAtStart, recoverAttachments } from "./attachments.ts";
export { recoverModifications } from "./modify-volume.ts";
export { recoverSnapshots } from "./snapshots.ts";
export { checkVolumeShape, performanceOf, volumeType, type VolumeShape } from "./volume-types.ts";
export { throttleOf, type GuestDisks, type VolumeDeps } from "./volume-deps.ts";
export { launchVolumeRows, planLaunchVolumes, type LaunchVolumes } from "./launch-volumes.ts";
