// The EBS volumes this node holds, as EC2 describes them (the files and exports themselves are src/ebs's).

export { describeVolumes } from "./volumes.ts";
export { volumeHandlers } from "./handlers.ts";
