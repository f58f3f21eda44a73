// Every NATS subject, queue group and payload type Hive uses, declared once.

/** Queue group for actions any one node may answer (load-balanced). */
export const WORKERS_QUEUE = "hive-workers";

export const subjects = {
  /** An AWS action forwarded by the gateway: `ec2.DescribeRegions`, `sts.GetCallerIdentity`. */
  action: (service: string, action: string): string => `${service}.${action}`,
  /** Every daemon announces itself here on start and then every HEARTBEAT_MS. */
  heartbeat: "hive.node.heartbeat",
  /** A gateway asks every daemon to answer with its Heartbeat now, instead of waiting for the next one. */
  nodePing: "hive.node.ping",
  /** Per-node status, answered by that node's daemon only. */
  nodeStatus: (node: string): string => `hive.admin.${node}.status`,
  /** Export a volume of this node over NBD: EbsVolumeRequest → EbsReply<EbsMountResult>. */
  ebsMount: (node: string): string => `ebs.${node}.mount`,
  /** Stop exporting a volume of this node: EbsVolumeRequest → EbsReply<{}>. */
  ebsUnmount: (node: string): string => `ebs.${node}.unmount`,
  /** Starts importing a disk image on that node: ImageImportRequest → AdminReply<ImageImportReply>. */
  imageImport: (node: string): string => `hive.admin.${node}.images.import`,
  /** How an import on that node is going: ImageProgressRequest → AdminReply<ImageProgress>. */
  imageProgress: (node: string): string => `hive.admin.${node}.images.progress`,
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

/** Gateway → daemon: one AWS action with its typed input. */
export interface ActionRequest<I = unknown> {
  requestId: string;
  caller: Caller;
  /** The region the request was signed for. */
  region: string;
  input: I;
  /** For fanned-out actions: how many nodes were asked (1 = this daemon answers alone). */
  nodes?: number;
}

/** Daemon → gateway. */
export type ActionReply<O = unknown> =
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

/** A block service's answer: the result's fields beside ok: true, or the domain error. */
export type EbsReply<T = object> = ({ ok: true } & T) | { ok: false; error: import("../errors/index.ts").HiveErrorData };

/** Daemon → admin caller: the answer, or the domain error that stopped it. */
export type AdminReply<O> = { ok: true; output: O } | { ok: false; error: import("../errors/index.ts").HiveErrorData };

export interface ImageImportRequest {
  /** A path on the node's file system or an http(s) URL. */
  source: string;
  name: string;
  description?: string;
}

export interface ImageImportReply {
  imageId: string;
}

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
