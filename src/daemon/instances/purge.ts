// Terminated instances stay visible for an hour, as on EC2; a timer drops the older ones from the store.
import type { Store } from "../../store/index.ts";

/** Terminated instances stay visible this long, as on EC2. */
export const TERMINATED_VISIBLE_MS = 60 * 60 * 1000;

const PURGE_EVERY_MS = 5 * 60_000;

/** Purges now, then every five minutes until the returned function is called. */
export function startPurgeTimer(store: Store, log: (line: string) => void): () => void {
  const purge = (): void => {
    const n = store.instances.purgeTerminated(new Date(Date.now() - TERMINATED_VISIBLE_MS).toISOString());
    if (n > 0) log(`purged ${n} instance(s) terminated over an hour ago`);
  };
  const timer = setInterval(purge, PURGE_EVERY_MS);
  timer.unref();
  purge();
  return () => clearInterval(timer);
}
