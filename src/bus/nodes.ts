// Which daemons are alive: they announce heartbeats and answer pings; the gateway keeps the recent ones.

import { Empty, RequestStrategy, type NatsConnection, type Subscription } from "nats";
import { decodeJson, encodeJson } from "./client.ts";
import { HEARTBEAT_MS, subjects, type Heartbeat } from "./subjects.ts";

/** A node missing three heartbeats in a row is presumed gone. */
export const NODE_TTL_MS = 3 * HEARTBEAT_MS;

/** Daemon side: publishes `hb` now and every HEARTBEAT_MS, and answers pings. Returns the stop function. */
export function announce(nc: NatsConnection, hb: Heartbeat): () => void {
  const data = encodeJson(hb);
  const publish = (): void => sendSafely(() => nc.publish(subjects.heartbeat, data));
  // Every node answers (no queue group): a ping collects them all.
  const pings: Subscription = nc.subscribe(subjects.nodePing, {
    callback: (_err, msg) => {
      if (msg?.reply) sendSafely(() => msg.respond(data));
    },
  });
  publish();
  const timer = setInterval(publish, HEARTBEAT_MS);
  // The bus connection, not the heartbeat, is what keeps a daemon process alive.
  timer.unref();
  return () => {
    clearInterval(timer);
    if (!pings.isClosed()) pings.unsubscribe();
  };
}

function sendSafely(send: () => void): void {
  try {
    send();
  } catch {
    // the connection closed under us: the daemon is shutting down, nothing to tell
  }
}

export interface NodeWatch {
  /** Nodes heard from within NODE_TTL_MS, sorted by name. */
  live(): Heartbeat[];
  /** Settles when the first ping round is over: from then on live() knows every answering node. */
  readonly ready: Promise<void>;
  /** Ping every node again and wait up to `waitMs` for their answers. */
  refresh(waitMs?: number): Promise<void>;
  close(): void;
}

export interface WatchOptions {
  /** How long the start-up ping waits for answers; default 500ms. */
  pingWaitMs?: number;
}

/** Gateway side: listens to heartbeats and pings once at start, so a fresh gateway knows nodes at once. */
export function watchNodes(nc: NatsConnection, opts: WatchOptions = {}): NodeWatch {
  const seen = new Map<string, { hb: Heartbeat; at: number }>();
  const record = (data: Uint8Array): void => {
    let hb: Heartbeat;
    try {
      hb = decodeJson<Heartbeat>(data);
    } catch {
      return;
    }
    if (typeof hb === "object" && hb !== null && typeof hb.node === "string" && hb.node !== "") {
      seen.set(hb.node, { hb, at: Date.now() });
    }
  };
  const sub = nc.subscribe(subjects.heartbeat, { callback: (_err, msg) => msg && record(msg.data) });

  const refresh = async (waitMs = opts.pingWaitMs ?? 500): Promise<void> => {
    try {
      // Timer strategy: the number of nodes is what we are trying to learn.
      const answers = await nc.requestMany(subjects.nodePing, Empty, { strategy: RequestStrategy.Timer, maxWait: waitMs });
      for await (const msg of answers) record(msg.data);
    } catch {
      // no responders (no daemon yet) or a closed connection: heartbeats will fill in
    }
  };

  return {
    live() {
      const cutoff = Date.now() - NODE_TTL_MS;
      for (const [node, entry] of seen) if (entry.at < cutoff) seen.delete(node);
      return [...seen.values()].map((e) => e.hb).sort((a, b) => a.node.localeCompare(b.node));
    },
    ready: refresh(),
    refresh,
    close() {
      if (!sub.isClosed()) sub.unsubscribe();
    },
  };
}
