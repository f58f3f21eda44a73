// What a daemon knows about where it runs; every handler receives it.

import type { HostFacts } from "../../vm/index.ts";

export interface DaemonContext {
  node: string;
  region: string;
  /** This node's availability zone name, e.g. "us-east-1a". */
  az: string;
  /** This node's zone ID, e.g. "use1-az1". */
  azId: string;
  /** The gateway's URL as clients reach it, e.g. https://localhost:9999. */
  endpoint: string;
  accountId: string;
  host: HostFacts;
  /** vCPUs and memory offered per unit of the host's (1 = never overcommit). */
  overcommit: { cpu: number; mem: number };
  /** The data directory: images/, volumes/, instances/<id>/ live under it. */
  dataDir: string;
  /** How guests are networked: VPCs enforced on the host (root), or QEMU user mode (rootless, nothing enforced). */
  network: NetworkMode;
  /** Whether this box writes the region's region-wide state (the hub, or a box on its own); default true. A member
   * (`hive up --join`) gets that state from the region's log instead, and makes only its own zone's rows. */
  writer?: boolean;
  /** The operator's public addresses for Elastic IPs (`hive up --public-cidr`), a block of the host's network; none without it. */
  publicCidr?: string;
}

export type NetworkMode = { mode: "user" } | { mode: "vpc" };
