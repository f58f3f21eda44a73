// Which daemons are alive: they announce heartbeats and answer pings; the gateway keeps the recent ones, with how
// long each took to answer a ping, and from that how long a fan-out should wait.
import type { Bus, Served } from "./bus.ts";
import { HEARTBEAT_MS, subjects, type Heartbeat } from "./subjects.ts";

/** A node missing three heartbeats in a row is presumed gone. */
export const NODE_TTL_MS = 3 * HEARTBEAT_MS;

/** The shortest and longest a fan-out waits for a live node: a busy node on a loaded box still makes the floor. */
export const FANOUT_FLOOR_MS = 2_000;
export const FANOUT_CEILING_MS = 20_000;
/** A fan-out waits this many times the slowest live node's recent ping round trip (beyond the floor). */
const RTT_FACTOR = 20;

/** Daemon side: publishes `hb` now and every HEARTBEAT_MS, and answers pings. Returns the stop function. */
export function announce(bus: Bus, hb: Heartbeat): () => void {
  // Every node answers (no queue group): a ping collects them all.
  const pings: Served = bus.serve(subjects.nodePing, () => hb, { node: hb.node });
  bus.publish(subjects.heartbeat, hb);
  const timer = setInterval(() => bus.publish(subjects.heartbeat, hb), HEARTBEAT_MS);
  // The bus connection, not the heartbeat, is what keeps a daemon process alive.
  timer.unref();
  return () => {
    clearInterval(timer);
    void pings.close();
  };
}

export interface NodeWatch {
  /** Nodes heard from within NODE_TTL_MS, sorted by name. */
  live(): Heartbeat[];
  /** How long a fan-out to the live nodes should wait: a multiple of their recent ping round trips, within bounds. */
  deadlineMs(): number;
  /** The last ping round trip of each node that answered one, in ms. */
  roundTrips(): Record<string, number>;
  /** Settles when the first ping round is over: from then on live() knows every answering node. */
  readonly ready: Promise<void>;
  /** Ping every node again and wait up to `waitMs` for their answers. */
  refresh(waitMs?: number): Promise<void>;
  close(): void;
}

export interface WatchOptions {
  /** How long the start-up ping waits for answers; default 500ms. */
  pingWaitMs?: number;
  /** How often the nodes are pinged again to keep round trips current; default 5 heartbeats. */
  pingEveryMs?: number;
}

/** Gateway side: listens to heartbeats and pings at start (so a fresh gateway knows nodes at once) and now and then. */
export function watchNodes(bus: Bus, opts: WatchOptions = {}): NodeWatch {
  const seen = new Map<string, { hb: Heartbeat; at: number }>();
  const rtt = new Map<string, number>();
  const record = (hb: Heartbeat): void => {
    if (typeof hb === "object" && hb !== null && typeof hb.node === "string" && hb.node !== "") seen.set(hb.node, { hb, at: Date.now() });
  };
  const stopListening = bus.listen<Heartbeat>(subjects.heartbeat, record);

  const refresh = async (waitMs = opts.pingWaitMs ?? 500): Promise<void> => {
    try {
      // No expected nodes: the number of nodes is what we are trying to learn, so the whole wait is used.
      await bus.fanOut<Heartbeat>(subjects.nodePing, { requestId: "ping", input: {} }, {
        nodes: [],
        deadlineMs: waitMs,
        onReply: (r, afterMs) => {
          if (!r.ok) return;
          record(r.output);
          rtt.set(r.node, afterMs);
        },
      });
    } catch {
      // a closed connection: heartbeats will fill in
    }
  };
  const timer = setInterval(() => void refresh(), opts.pingEveryMs ?? 5 * HEARTBEAT_MS);
  timer.unref();

  const live = (): Heartbeat[] => {
    const cutoff = Date.now() - NODE_TTL_MS;
    for (const [node, entry] of seen) if (entry.at < cutoff) seen.delete(node);
    return [...seen.values()].map((e) => e.hb).sort((a, b) => a.node.localeCompare(b.node));
  };

  return {
    live,
    deadlineMs() {
      const worst = Math.max(0, ...live().map((hb) => rtt.get(hb.node) ?? 0));
      return Math.min(FANOUT_CEILING_MS, Math.max(FANOUT_FLOOR_MS, Math.round(RTT_FACTOR * worst)));
    },
    roundTrips: () => Object.fromEntries(rtt),
    ready: refresh(),
    refresh,
    close() {
      clearInterval(timer);
      stopListening();
    },
  };
}
