// How a region-wide network change reaches the boxes' data planes: handlers say which VPC changed, the daemon
// re-applies that VPC's host network (today in-process; in a cluster, a broadcast every box hears).

export interface NetworkChanges {
  /** Something that shapes the VPC's traffic changed (rules, membership, routes, subnets, addresses). */
  vpcChanged(vpcId: string): void;
}

/** For handlers run where no data plane exists (user mode, unit tests). */
export const noNetworkChanges: NetworkChanges = { vpcChanged: () => {} };
