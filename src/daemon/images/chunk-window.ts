// Fetching a byte range as chunks with several requests in flight, written strictly in order, with a window sized
// from what the link shows: twice the bandwidth-delay product (delivery rate × the shortest round trip seen), so a
// slow, far link is kept full while a fast near one does not pile up replies it cannot use.

export interface WindowLimits {
  /** Requests in flight before anything is measured. */
  initial: number;
  min: number;
  max: number;
}

/** The rate is measured over the last window's worth of deliveries (one round trip), at least this many. */
const MIN_RATE_SAMPLES = 4;

/**
 * The window: while it is what limits the rate (a round trip carries the whole window), 2 × BDP is twice the window,
 * so each round about doubles it; once the link is full it settles at 2 × BDP + 1 chunk.
 */
export class WindowControl {
  window: number;
  private minRttMs = Infinity;
  private readonly deliveries: Array<{ at: number; bytes: number }> = [];

  constructor(
    private readonly limits: WindowLimits,
    private readonly chunkBytes: number,
  ) {
    this.window = clamp(limits.initial, limits.min, limits.max);
  }

  /** A chunk of `bytes` came in at `at` (ms), `rttMs` after it was asked for. */
  delivered(bytes: number, rttMs: number, at: number): void {
    this.minRttMs = Math.min(this.minRttMs, rttMs);
    this.deliveries.push({ at, bytes });
    if (this.deliveries.length > Math.max(this.limits.max, MIN_RATE_SAMPLES)) this.deliveries.shift();
    const rate = this.rateBytesPerMs();
    if (rate === undefined) return;
    const bdpChunks = (rate * this.minRttMs) / this.chunkBytes;
    this.window = clamp(Math.ceil(2 * bdpChunks) + 1, this.limits.min, this.limits.max);
  }

  /**
   * How long a chunk asked for now may take: four times what the window ahead of it should take at the measured rate,
   * within [floor, ceiling]; the ceiling until something is measured. A link that died mid-transfer shows in seconds.
   */
  timeoutMs(floor: number, ceiling: number): number {
    const rate = this.rateBytesPerMs();
    if (rate === undefined || !Number.isFinite(this.minRttMs)) return ceiling;
    return clamp(Math.ceil(4 * (this.minRttMs + (this.window * this.chunkBytes) / rate)), floor, ceiling);
  }

  /** Recent delivery rate in bytes per second; 0 until there are a few deliveries. */
  get bytesPerSecond(): number {
    return Math.round((this.rateBytesPerMs() ?? 0) * 1000);
  }

  private rateBytesPerMs(): number | undefined {
    const n = Math.min(this.deliveries.length, Math.max(this.window, MIN_RATE_SAMPLES));
    if (n < MIN_RATE_SAMPLES) return undefined;
    const recent = this.deliveries.slice(-n);
    const span = recent[recent.length - 1]!.at - recent[0]!.at;
    if (span <= 0) return undefined;
    // The first delivery opens the interval; the bytes counted are those that arrived within it.
    let bytes = 0;
    for (let i = 1; i < recent.length; i++) bytes += recent[i]!.bytes;
    return bytes / span;
  }
}

const clamp = (n: number, min: number, max: number): number => Math.max(min, Math.min(max, n));

export interface ChunkedFetch {
  /** The range: [from, to). */
  from: number;
  to: number;
  chunkBytes: number;
  control: WindowControl;
  /** Asks for `length` bytes at `offset`; must answer exactly that many. */
  fetch(offset: number, length: number): Promise<Uint8Array>;
  /** Called in file order, one at a time. */
  write(bytes: Uint8Array, offset: number): Promise<void>;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * Fetches [from, to) and writes it in order, keeping up to `control.window` chunks asked for and not yet written.
 * Stops at the first failure in file order: everything before it has been written, so a retry resumes from there.
 */
export async function fetchInOrder(opts: ChunkedFetch): Promise<void> {
  const now = opts.now ?? (() => performance.now());
  const pending = new Map<number, Promise<Uint8Array>>();
  let next = opts.from;
  const ask = (): void => {
    while (pending.size < opts.control.window && next < opts.to) {
      const offset = next;
      const length = Math.min(opts.chunkBytes, opts.to - offset);
      next += length;
      const t0 = now();
      const p = opts.fetch(offset, length).then((bytes) => {
        if (bytes.length !== length) throw new Error(`asked for ${length} bytes at ${offset}, got ${bytes.length}`);
        const at = now();
        opts.control.delivered(length, at - t0, at);
        return bytes;
      });
      // Failures are reported when their chunk's turn comes; later ones must not go unhandled meanwhile.
      p.catch(() => undefined);
      pending.set(offset, p);
    }
  };
  let at = opts.from;
  while (at < opts.to) {
    opts.signal?.throwIfAborted();
    ask();
    const bytes = await pending.get(at)!;
    pending.delete(at);
    opts.signal?.throwIfAborted();
    await opts.write(bytes, at);
    at += bytes.length;
  }
}
