// An in-process TCP proxy that stands in for a WAN link between two endpoints (delay, jitter, a rate cap, connection
// resets, a pulled cable), for cluster tests on a kernel without `tc netem`.
import net from "node:net";

export interface LinkShape {
  /**
   * Added to each direction, in ms: a round trip through the link takes at least 2 × delayMs. Data and FINs are
   * delayed; the handshake is not (the link's kernel answers the client's SYN at once).
   */
  delayMs?: number;
  /** Each chunk's delay is drawn uniformly from delayMs ± jitterMs (never below 0), without ever reordering bytes. */
  jitterMs?: number;
  /** Cap for each direction, in bytes per second (a token bucket); unset or 0: no cap. */
  rateBytesPerSec?: number;
  /**
   * Loss as an application over TCP sees it. TCP never loses bytes: a lossy path shows as stalls and, when bad enough,
   * as connections that break. The link models the breaking: for every second in which a connection carries traffic
   * (either direction), it is reset (RST to both ends) with probability dropRate, rolled when the second's first chunk
   * is due. So 0.01 is about one reset per 100 s of traffic per connection; idle connections are never reset.
   */
  dropRate?: number;
}

export interface LinkStats {
  /** Bytes delivered to the target, and back to clients. */
  bytesUp: number;
  bytesDown: number;
  /** Connections open now (forwarding, or held while the link is cut). */
  connections: number;
  /** Connections accepted since the link started. */
  accepted: number;
}

export interface Link {
  readonly port: number;
  readonly host: string;
  /** Takes effect at once, for open connections too (chunks already queued keep the delay they were given). */
  shape(s: LinkShape): void;
  /** Pulls the cable: every open connection is reset, and new ones are accepted and held silent until heal(). */
  cut(): void;
  /** Plugs the cable back: connections held during the cut are reset (their clients retry), new ones go through. */
  heal(): void;
  stats(): LinkStats;
  close(): Promise<void>;
}

// Queued bytes per direction above which the sending side is paused, and below which it is resumed.
const HIGH_WATER = 1 << 20;
const LOW_WATER = HIGH_WATER / 4;
// The rate limiter waits for this many tokens rather than dribbling out tiny writes.
const MIN_WRITE = 1024;

interface Chunk {
  due: number;
  /** null: the sender's FIN, delivered after the data before it. */
  data: Buffer | null;
}

/** One direction of a connection: a FIFO of chunks, each released at its due time and paced by a token bucket. */
class Pipe {
  bytes = 0;
  closed = false;
  private readonly queue: Chunk[] = [];
  private queued = 0;
  private lastDue = 0;
  private tokens = 0;
  private refilledAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  private paused = false;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly shape: () => LinkShape,
    /** Called before each write; false when the connection was reset instead. */
    private readonly mayDeliver: () => boolean,
  ) {
    from.on("data", (d: Buffer) => this.push(d));
    from.on("end", () => this.push(null));
    to.on("drain", () => {
      this.blocked = false;
      this.pump();
    });
  }

  private push(data: Buffer | null): void {
    const { delayMs = 0, jitterMs = 0 } = this.shape();
    const delay = Math.max(0, delayMs + (Math.random() * 2 - 1) * jitterMs);
    // Never due before an earlier chunk: jitter may bunch chunks up but must not reorder the stream.
    this.lastDue = Math.max(this.lastDue, performance.now() + delay);
    this.queue.push({ due: this.lastDue, data });
    if (data) this.queued += data.length;
    if (this.queued > HIGH_WATER && !this.paused) {
      this.paused = true;
      this.from.pause();
    }
    // An armed timer is for the head of the queue, which is due no later than this chunk.
    if (!this.timer && !this.blocked) this.pump();
  }

  /** Writes every chunk that is due and paid for, then sleeps until the next one is (or until `to` drains). */
  pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (!this.closed && !this.blocked && this.queue.length > 0) {
      const head = this.queue[0]!;
      const now = performance.now();
      if (head.due > now) return this.wake(head.due - now);
      if (head.data === null) {
        this.queue.shift();
        this.to.end();
        continue;
      }
      const n = this.affordable(head.data.length, now);
      if (n === 0) return this.wake(((Math.min(head.data.length, MIN_WRITE) - this.tokens) * 1000) / this.shape().rateBytesPerSec!);
      if (!this.mayDeliver()) return;
      const out = head.data.subarray(0, n);
      if (n === head.data.length) this.queue.shift();
      else head.data = head.data.subarray(n);
      this.queued -= n;
      this.bytes += n;
      if (!this.to.write(out)) this.blocked = true;
      if (this.paused && this.queued < LOW_WATER) {
        this.paused = false;
        this.from.resume();
      }
    }
  }

  /** How many of `want` bytes the token bucket lets through now (all of them when there is no cap). */
  private affordable(want: number, now: number): number {
    const rate = this.shape().rateBytesPerSec;
    if (!rate) return want;
    // A bucket of 1/50 s worth of bytes: bursts stay short, so the cap holds over any window longer than that.
    const capacity = Math.max(16 * MIN_WRITE, rate / 50);
    this.tokens = Math.min(capacity, this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
    if (this.tokens < Math.min(want, MIN_WRITE)) return 0;
    const n = Math.min(want, Math.floor(this.tokens));
    this.tokens -= n;
    return n;
  }

  private wake(ms: number): void {
    // Timers may fire a little early by the clock read above; pump() checks again and sleeps the rest.
    this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(ms)));
  }

  stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}

/** Sends an RST where the socket is connected, and simply closes it where it is not (still connecting, or gone). */
function reset(s: net.Socket): void {
  if (s.destroyed) return;
  if (s.connecting) s.destroy();
  else s.resetAndDestroy();
}

/** A client's connection and the link's connection to the target, joined by two pipes. */
class Conn {
  readonly up: Pipe;
  readonly down: Pipe;
  private secondStarted = -Infinity;
  private done = false;

  constructor(
    readonly client: net.Socket,
    readonly target: net.Socket,
    private readonly shape: () => LinkShape,
    private readonly gone: (c: Conn) => void,
  ) {
    const mayDeliver = () => this.survives();
    this.up = new Pipe(client, target, shape, mayDeliver);
    this.down = new Pipe(target, client, shape, mayDeliver);
    for (const s of [client, target]) {
      s.setNoDelay(true); // Nagle's wait would add to the delay being emulated
      s.on("error", () => this.reset());
      s.on("close", () => {
        if (client.destroyed && target.destroyed) this.finish();
      });
    }
  }

  /** The dropRate roll, once per second of traffic (see LinkShape.dropRate). */
  private survives(): boolean {
    const p = this.shape().dropRate ?? 0;
    const now = performance.now();
    if (p <= 0 || now - this.secondStarted < 1000) return true;
    this.secondStarted = now;
    if (Math.random() >= p) return true;
    this.reset();
    return false;
  }

  reset(): void {
    reset(this.client);
    reset(this.target);
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.up.stop();
    this.down.stop();
    this.gone(this);
  }
}

/** Listens on listenHost:listenPort (0 or unset: a free port) and forwards each connection to targetHost:targetPort. */
export async function startLink(opts: { listenHost: string; listenPort?: number; targetHost: string; targetPort: number; shape?: LinkShape }): Promise<Link> {
  let current: LinkShape = { ...opts.shape };
  let cut = false;
  let accepted = 0;
  const totals = { up: 0, down: 0 };
  const conns = new Set<Conn>();
  const held = new Set<net.Socket>();

  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    if (cut) {
      // A pulled cable does not refuse: a connecting client hears nothing and gives up on its own timeout. The link's
      // kernel has already completed the handshake, so the closest a proxy gets is a connection that never carries a
      // byte; refusing would instead look like a live host with the port closed, and be retried at once.
      client.pause();
      client.on("error", () => {});
      client.on("close", () => held.delete(client));
      held.add(client);
      return;
    }
    const target = net.connect({ host: opts.targetHost, port: opts.targetPort, allowHalfOpen: true });
    const conn = new Conn(client, target, () => current, (c) => {
      totals.up += c.up.bytes;
      totals.down += c.down.bytes;
      conns.delete(c);
    });
    conns.add(conn);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.listenPort ?? 0, opts.listenHost, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const dropHeld = () => {
    for (const s of held) reset(s);
    held.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    host: opts.listenHost,
    shape(s) {
      current = { ...s };
      for (const c of conns) {
        c.up.pump();
        c.down.pump();
      }
    },
    // Open connections are reset rather than left silent: the link's own kernel would go on acknowledging their data
    // and keepalives, so silence would never be noticed below the application. For a partition that TCP itself sees,
    // take an interface down (cluster-netns linkDown).
    cut() {
      cut = true;
      for (const c of [...conns]) c.reset();
    },
    heal() {
      cut = false;
      dropHeld();
    },
    stats() {
      let up = totals.up;
      let down = totals.down;
      for (const c of conns) {
        up += c.up.bytes;
        down += c.down.bytes;
      }
      return { bytesUp: up, bytesDown: down, connections: conns.size + held.size, accepted };
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of [...conns]) c.reset();
      dropHeld();
      await closed;
    },
  };
}
