// What this node can still hold: vCPUs and memory, from the host's size, the operator's overcommit ratios and
// the instances that hold capacity now (derived from the store, so a crash can never leak any).
import type { Store } from "../../store/index.ts";
import type { InstanceStateName } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";

/** States in which an instance holds its vCPUs and memory; stopped and terminated ones hold none. */
export const HOLDS_CAPACITY: InstanceStateName[] = ["pending", "running", "stopping", "shutting-down"];

export interface Capacity {
  vcpus: number;
  memoryMiB: number;
  usedVcpus: number;
  usedMemoryMiB: number;
}

export function capacityOf(store: Store, ctx: DaemonContext): Capacity {
  let usedVcpus = 0;
  let usedMemoryMiB = 0;
  for (const i of store.instances.inStates(HOLDS_CAPACITY)) {
    usedVcpus += i.vcpus;
    usedMemoryMiB += i.memoryMiB;
  }
  return {
    vcpus: Math.floor(ctx.host.vcpus * ctx.overcommit.cpu),
    memoryMiB: Math.floor(ctx.host.memoryMiB * ctx.overcommit.mem),
    usedVcpus,
    usedMemoryMiB,
  };
}

/** How many instances of this size still fit. */
export function howManyFit(cap: Capacity, vcpus: number, memoryMiB: number): number {
  const byCpu = Math.floor((cap.vcpus - cap.usedVcpus) / vcpus);
  const byMem = Math.floor((cap.memoryMiB - cap.usedMemoryMiB) / memoryMiB);
  return Math.max(0, Math.min(byCpu, byMem));
}
