// Whether the host went down with the appliance since hive last ran, and what an instance it took down is told.
import type { Store } from "../../store/index.ts";
import { hostBootId } from "../../runtime/index.ts";

/** The host's boot id when hive last started on this data directory. */
const HOST_BOOT = "host.boot-id";

/** EC2 names no code of its own for a host failure: Server.InternalError is its code for a failure on AWS's side. */
export const HOST_FAILURE_CODE = "Server.InternalError";
export const RECOVERED_MESSAGE = `${HOST_FAILURE_CODE}: The instance was restarted after a host failure`;
export const NOT_RESTARTED_MESSAGE = `${HOST_FAILURE_CODE}: The instance stopped in a host failure and was not restarted (hive up --no-restart-instances)`;

export interface HostFacts {
  /** The boot id recorded at hive's last start; undefined the first time. */
  lastBootId?: string;
  /** This boot's. */
  bootId?: string;
  /** A storage daemon left by the last hive was found running (hive, even killed alone, leaves it for the guests). */
  storageDaemonFound: boolean;
}

/**
 * Why the host is deemed to have failed since hive last ran, or undefined: it rebooted (another boot id), or every
 * process of the appliance ended at once (the storage daemon, which outlives any end of hive while guests run, too).
 */
export function hostFailure(f: HostFacts): string | undefined {
  if (f.lastBootId && f.bootId && f.lastBootId !== f.bootId) return "the host restarted since hive last ran";
  if (!f.storageDaemonFound) return "every process of the appliance ended at once, the storage daemon too";
  return undefined;
}

/** This start's facts about the host, read before anything is changed. */
export function hostFactsAtStart(store: Store, storageDaemonFound: boolean): HostFacts {
  return { lastBootId: store.getSetting(HOST_BOOT), bootId: hostBootId(), storageDaemonFound };
}

/** Remembers this boot for the next start's comparison. */
export function recordHostBoot(store: Store, facts: HostFacts): void {
  if (facts.bootId) store.setSetting(HOST_BOOT, facts.bootId);
}
