// Moves region-wide rows between this box's SQLite and the region's bucket: what this box wrote (the store's change
// log) is pushed to the hub's bucket, and what any box wrote (this box's copy of the bucket) is applied to SQLite.
// A push that cannot reach the hub stays in the change log and goes when the link returns: nothing lost, and since
// a value is the row's whole content, nothing applied twice does harm.
import { openRegionKv, type Bus, type RegionEntry } from "../bus/index.ts";
import type { Store } from "../store/index.ts";

export interface RegionSyncOptions {
  node: string;
  hubDomain: string;
  log: (line: string) => void;
  /** Called after rows written elsewhere were applied here, with the tables they touched. */
  onApplied?: (tables: Set<string>) => void;
  /** How often the change log is looked at; default 200 ms. */
  pushEveryMs?: number;
}

export interface RegionSyncStatus {
  /** The last revision of the region's bucket applied here. */
  revision: number;
  /** Changes made here not yet in the region's bucket. */
  pending: number;
  /** Why the last push failed, while it keeps failing. */
  pushError?: string;
  lastPushAt?: string;
  lastApplyAt?: string;
}

export interface RegionSync {
  status(): RegionSyncStatus;
  /** Pushes what is pending now (a handler that just wrote calls it to save the wait). */
  nudge(): void;
  stop(): Promise<void>;
}

const BATCH = 200;

export async function startRegionSync(bus: Bus, store: Store, opts: RegionSyncOptions): Promise<RegionSync> {
  const kv = await openRegionKv(bus, { domain: opts.node, hubDomain: opts.hubDomain });
  const status: RegionSyncStatus = { revision: store.region.lastApplied(), pending: 0 };
  if (opts.node === opts.hubDomain && (await kv.size()) === 0) {
    // A box that was on its own becomes a hub: the bucket starts as everything it holds.
    const rows = store.region.snapshot();
    for (const r of rows) await kv.put({ origin: opts.node, table: r.table, key: r.key, row: r.row });
    if (rows.length > 0) opts.log(`region: seeded the region's bucket with ${rows.length} row(s)`);
  }

  let pushing: Promise<void> | undefined;
  const push = (): Promise<void> => {
    if (pushing) return pushing;
    const run = (async () => {
      try {
        for (;;) {
          const batch = store.region.pending(BATCH);
          status.pending = batch.length;
          if (batch.length === 0) return;
          for (const c of batch) await kv.put({ origin: opts.node, table: c.table, key: c.key, row: c.row });
          store.region.acknowledge(batch[batch.length - 1]!.seq);
          status.lastPushAt = new Date().toISOString();
          if (status.pushError) opts.log(`region: the hub's bucket is reachable again; pushing resumed`);
          status.pushError = undefined;
        }
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        if (status.pushError === undefined) opts.log(`region: cannot reach the hub's bucket (${why}); changes wait here`);
        status.pushError = why;
      }
    })();
    // Cleared once this run is over (not inside it: a run with nothing to do ends before it is assigned).
    pushing = run.finally(() => {
      pushing = undefined;
    });
    return pushing;
  };
  const timer = setInterval(() => void push(), opts.pushEveryMs ?? 200);
  timer.unref();

  // Entries arrive one by one; apply them in batches, in order.
  let queue: Array<{ entry: RegionEntry; revision: number }> = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    const foreign = batch.filter((b) => b.entry.origin !== opts.node).map((b) => b.entry);
    const revision = batch[batch.length - 1]!.revision;
    if (foreign.length > 0) {
      const result = store.region.apply(foreign);
      for (const s of result.skipped) opts.log(`region: skipped ${s.table} ${JSON.stringify(s.key)}: ${s.reason}`);
    }
    store.region.setLastApplied(revision);
    status.revision = revision;
    if (foreign.length > 0) {
      status.lastApplyAt = new Date().toISOString();
      opts.onApplied?.(new Set(foreign.map((e) => e.table)));
    }
  };
  const watch = kv.watch(status.revision, (entry, revision) => {
    queue.push({ entry, revision });
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, 10);
    }
  });

  return {
    status: () => ({ ...status }),
    nudge: () => void push(),
    async stop() {
      clearInterval(timer);
      watch.stop();
      await pushing;
      flush();
    },
  };
}
