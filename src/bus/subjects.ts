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
