// Every NATS subject, queue group and payload type Hive uses, declared once (AWS actions: src/actions).

/** Queue group for actions any one node may answer (load-balanced). */
export const WORKERS_QUEUE = "hive-workers";

export const subjects = {
  /** An AWS action forwarded by the gateway: `ec2.DescribeRegions`, `sts.GetCallerIdentity`. */
  action: (service: string, action: string): string => `${service}.${action}`,
  /** An AWS action only the region's writer (the hub) answers: `region.ec2.CreateVpc`. */
  regionAction: (service: string, action: string): string => `region.${service}.${action}`,
  /** A placed action's room query: every daemon says how many of what the call makes it could hold (Room). */
  placeQuery: (service: string, action: string): string => `hive.place.${service}.${action}`,
  /** A placed action sent to the node placement chose: `hive.node.box2.ec2.RunInstances`. */
  placedAction: (node: string, service: string, action: string): string => `hive.node.${node}.${service}.${action}`,
  /** Every daemon announces itself here on start and then every HEARTBEAT_MS. */
  heartbeat: "hive.node.heartbeat",
  /** A gateway asks every daemon to answer with its Heartbeat now, instead of waiting for the next one. */
  nodePing: "hive.node.ping",
  /** Per-node status, answered by that node's daemon only: {} → NodeStatus. */
  nodeStatus: (node: string): string => `hive.admin.${node}.status`,
  /** Export a volume of this node over NBD: EbsVolumeRequest → EbsMountResult. */
  ebsMount: (node: string): string => `ebs.${node}.mount`,
  /** Stop exporting a volume of this node: EbsVolumeRequest → {}. */
  ebsUnmount: (node: string): string => `ebs.${node}.unmount`,
  /** Starts importing a disk image on that node: ImageImportRequest → ImageImportReply. */
  imageImport: (node: string): string => `hive.admin.${node}.images.import`,
  /** How an import on that node is going: ImageProgressRequest → ImageProgress. */
  imageProgress: (node: string): string => `hive.admin.${node}.images.progress`,
  /** Points a public parameter (/aws/service/...) at an image: ImagePublishRequest → ImagePublished. */
  imagePublish: (node: string): string => `hive.admin.${node}.images.publish`,
  /** Takes a public parameter away: ImageUnpublishRequest → ImagePublished (what it named). */
  imageUnpublish: (node: string): string => `hive.admin.${node}.images.unpublish`,
  /** Makes a join token on the hub: InviteRequest → Invite. */
  clusterInvite: (node: string): string => `hive.admin.${node}.cluster.invite`,
  /** The hub takes a member out of the region: { node } → { removed }. */
  clusterRemove: "hive.cluster.remove",
  /** The region's SecureString key, for a member that joined before the hub had one: {} → { parameterKey? }. */
  clusterParameterKey: "hive.cluster.parameter-key",
  /** The size and digest of an AMI's file that node holds: ImageFileRequest → ImageFileInfo. */
  imageInfo: (node: string): string => `hive.images.${node}.info`,
  /** A range of an AMI's file that node holds: ImageChunkRequest → the bytes, raw (Bus.serveBytes). */
  imageChunk: (node: string): string => `hive.images.${node}.chunk`,
} as const;

export const HEARTBEAT_MS = 2_000;

/** Who made the request, as the gateway authenticated it. */
export interface Caller {
  accountId: string;
  /** e.g. arn:aws:iam::123456789012:user/admin */
  arn: string;
  userId: string;
  accessKeyId: string;
}

/**
 * The one request envelope on the bus. AWS actions carry the caller, the signed region and (when fanned out) how
 * many nodes were asked; Hive's own exchanges (block storage, image admin, status) carry the input alone.
 */
export interface Envelope<I = unknown> {
  requestId: string;
  input: I;
  caller?: Caller;
  /** The region the request was signed for. */
  region?: string;
  /** For fanned-out actions: how many nodes were asked (1 = this node answers alone). */
  nodes?: number;
  /** For placed actions spread over several nodes: the one reservation they share, and where this part's launch
   * indexes start. */
  placement?: { reservationId: string; firstIndex: number };
}

/** What one node could hold of a placed action's call: 0 when it is the wrong zone or full. */
export interface Room {
  fits: number;
  /** This node already made what the call's ClientToken names: the call must go there again. */
  holdsToken?: boolean;
}

/** An AWS action's envelope: the caller and the signed region are always there. */
export type ActionRequest<I = unknown> = Envelope<I> & { caller: Caller; region: string };

/** The one reply: the output, or the domain error that stopped it; `node` names who answered. */
export type Reply<O = unknown> =
  | { ok: true; node: string; output: O }
  | { ok: false; node: string; error: import("../errors/index.ts").HiveErrorData };

export interface Heartbeat {
  node: string;
  region: string;
  az: string;
  startedAt: string;
}

export interface NodeStatus {
  node: string;
  region: string;
  az: string;
  startedAt: string;
  /** How many times this node has started against its database. */
  bootCount: number;
  uptimeSeconds: number;
  runtime: string;
  kvm: boolean;
  vcpus: number;
  memoryMiB: number;
  /** User-mode guests' SSH forwards on this node: 127.0.0.1:port reaches the instance's port 22. */
  sshForwards: Array<{ instanceId: string; port: number }>;
  /** How guests are networked here, and whether security groups and VPC isolation are enforced on this host. */
  network: { mode: "vpc" | "user"; enforced: boolean; note: string };
  /** Block storage on the data directory's filesystem: what volumes, snapshots and images take on disk (allocated bytes). */
  storage?: {
    filesystem: { totalBytes: number; freeBytes: number };
    volumes: { count: number; allocatedBytes: number };
    snapshots: { count: number; allocatedBytes: number };
    images: { count: number; allocatedBytes: number };
  };
  /** AMI files this node is fetching from the members holding them, while it does (none: the key is absent). */
  transfers?: ImageTransferStatus[];
}

/** One AMI file on its way to this node. */
export interface ImageTransferStatus {
  imageId: string;
  /** The node it comes from. */
  from: string;
  doneBytes: number;
  totalBytes: number;
  /** Recent rate, bytes per second. */
  bytesPerSecond: number;
  startedAt: string;
  /** 1 for the first try; more after a broken link (each resumes where the last stopped). */
  attempt: number;
  /** How many chunk requests it keeps in flight (grown to fill the link). */
  window: number;
}

/** Asks a node's block service about one of its volumes. */
export interface EbsVolumeRequest {
  volumeId: string;
  /** Unmount only: drop NBD clients still connected (the VM using it has stopped or is being killed). */
  force?: boolean;
}

/** Where a mounted volume is served: QEMU opens `uri`, or `socket` + `exportName` as separate options. */
export interface EbsMountResult {
  /** nbd+unix:///<vol-id>?socket=<dataDir>/ebs/nbd.sock */
  uri: string;
  socket: string;
  exportName: string;
}

export interface ImageImportRequest {
  /** A path on the node's file system or an http(s) URL. */
  source: string;
  name: string;
  description?: string;
  /** Public parameter names (/aws/service/...) to point at the image once it is available. */
  publish?: string[];
}

export interface ImagePublishRequest {
  imageId: string;
  /** A public parameter name: /aws/service/... */
  name: string;
}

export interface ImageUnpublishRequest {
  name: string;
}

/** A public parameter and the image it names; version counts every re-pointing. */
export interface ImagePublished {
  name: string;
  imageId: string;
  version: number;
}

export interface ImageImportReply {
  imageId: string;
}

/** Names an AMI whose file the asked node holds. */
export interface ImageFileRequest {
  imageId: string;
}

export interface ImageFileInfo {
  sizeBytes: number;
  /** Hex SHA-256 of the whole file. */
  sha256: string;
}

export interface ImageChunkRequest {
  imageId: string;
  offset: number;
  /** At most IMAGE_CHUNK_MAX_BYTES; fewer come back at the end of the file. */
  length: number;
}

/** The largest chunk a node serves: far under the bus's 64 MiB max_payload, and small enough to retry cheaply. */
export const IMAGE_CHUNK_MAX_BYTES = 8 * 1024 * 1024;

export interface ImageProgressRequest {
  imageId: string;
}

export interface ImageProgress {
  imageId: string;
  state: "pending" | "available" | "failed" | "deregistered";
  /** The step running (or last run): "download", "extract", "convert". */
  phase?: "download" | "extract" | "convert";
  percent: number;
  /** Why a failed import failed. */
  error?: string;
  sizeBytes?: number;
}
