// The region's log of region-wide rows: one JetStream KV bucket on the hub (key = table + row key, value = the row
// and who wrote it), mirrored into every member's own JetStream so that each box reads a local copy even while it is
// cut off. Writes always go to the hub's bucket (across the leaf connection, by JetStream domain).
import { type KV, type KvEntry } from "nats";
import type { Bus } from "./bus.ts";
import { decodeJson, encodeJson } from "./json.ts";

export const REGION_BUCKET = "hive-region";
const STREAM = `KV_${REGION_BUCKET}`;

/** One row of a region table as it travels: null `row` means the row is gone. */
export interface RegionEntry {
  origin: string;
  table: string;
  key: unknown[];
  row: Record<string, unknown> | null;
}

export interface RegionKv {
  /** Writes to the hub's bucket; throws when the hub cannot be reached. Returns the revision. */
  put(entry: RegionEntry): Promise<number>;
  /** Every entry after `revision` in this box's copy, in order, then each new one as it lands. */
  watch(afterRevision: number, onEntry: (entry: RegionEntry, revision: number) => void): { stop(): void };
  /** How many values this box's copy holds. */
  size(): Promise<number>;
}

export interface RegionKvOptions {
  /** This box's JetStream domain (its node name). */
  domain: string;
  /** The hub's domain; the same as `domain` on the hub itself. */
  hubDomain: string;
}

/** Opens the bucket (creating it on the hub, a mirror of it on a member). */
export async function openRegionKv(bus: Bus, opts: RegionKvOptions): Promise<RegionKv> {
  const nc = bus.connection;
  const isHub = opts.domain === opts.hubDomain;
  let local: KV;
  if (isHub) {
    local = await nc.jetstream().views.kv(REGION_BUCKET, { history: 1 });
  } else {
    const jsm = await nc.jetstreamManager();
    const exists = await jsm.streams.info(STREAM).then(() => true, () => false);
    if (!exists) {
      await jsm.streams.add({
        name: STREAM,
        mirror: { name: STREAM, external: { api: `$JS.${opts.hubDomain}.API`, deliver: "" } },
        max_msgs_per_subject: 1,
        allow_rollup_hdrs: true,
        deny_delete: true,
        allow_direct: true,
        mirror_direct: false,
      });
    }
    local = await nc.jetstream().views.kv(REGION_BUCKET, { bindOnly: true });
  }
  // Bound on the first write: at start the hub may be out of reach.
  let hub: Promise<KV> | undefined = isHub ? Promise.resolve(local) : undefined;
  const hubKv = (): Promise<KV> => {
    hub ??= nc
      .jetstream({ domain: opts.hubDomain, timeout: 5_000 })
      .views.kv(REGION_BUCKET, { bindOnly: true })
      .catch((err: unknown) => {
        hub = undefined;
        throw err;
      });
    return hub;
  };
  return {
    async put(entry) {
      const kv = await hubKv();
      return kv.put(keyOf(entry), encodeJson(entry));
    },
    watch(afterRevision, onEntry) {
      let stopped = false;
      let iter: Awaited<ReturnType<KV["watch"]>> | undefined;
      void (async () => {
        iter = await local.watch({ key: ">", ...(afterRevision > 0 ? { resumeFromRevision: afterRevision + 1 } : {}) });
        if (stopped) return iter.stop();
        for await (const e of iter as AsyncIterable<KvEntry>) {
          if (e.operation !== "PUT") continue;
          onEntry(decodeJson<RegionEntry>(e.value), e.revision);
        }
      })();
      return {
        stop() {
          stopped = true;
          iter?.stop();
        },
      };
    },
    async size() {
      return (await local.status()).values;
    },
  };
}

/** `<table>.<row key as base64url JSON>`: KV keys allow only a small alphabet, row keys may hold anything. */
function keyOf(entry: RegionEntry): string {
  return `${entry.table}.${Buffer.from(JSON.stringify(entry.key), "utf8").toString("base64url")}`;
}
