// What the volume and snapshot actions need: the node, the store, the block service, and a way into a running guest.
import type { BlockService } from "../../ebs/index.ts";
import type { RunningVm } from "../../vm/index.ts";
import type { Store, VolumeRecord } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { performanceOf, shapeOf } from "./volume-types.ts";

/** What the volumes need of the lifecycle engine (instances depend on volumes, not the other way round). */
export interface GuestDisks {
  /**
   * Runs fn in the instance's operation queue, so no launch, stop or exit of it interleaves with a plug or unplug,
   * with its QEMU when one runs (undefined when the instance is not running).
   */
  withGuest<T>(instanceId: string, fn: (vm: RunningVm | undefined) => Promise<T>): Promise<T>;
}

export interface VolumeDeps {
  ctx: DaemonContext;
  store: Store;
  blocks: BlockService;
  guests: GuestDisks;
  log: (line: string) => void;
  /**
   * Whole-file copies of volumes no guest has open (CreateSnapshot of a detached volume), by volume id: an attach
   * waits for them, since the copy holds the file's lock.
   */
  copies: Map<string, Promise<unknown>>;
}

const MiB = 1024 * 1024;

/** The limits QEMU enforces on the volume: its type's IOPS and throughput. */
export const throttleOf = (v: VolumeRecord): { iops: number; bytesPerSec: number } => {
  const perf = performanceOf(shapeOf(v));
  return { iops: perf.iops, bytesPerSec: perf.throughputMiBps * MiB };
};

export const now = (): string => new Date().toISOString();
