// Restarting supervised children: the back-off (200 ms doubling to 5 s, back to the start after a stable run) and
// the loop that retries with it until the child serves again or its owner stops.

export class RestartBackoff {
  static readonly FIRST_MS = 200;
  static readonly MAX_MS = 5_000;
  /** A child that stayed up this long counts as healthy again: its next crash restarts quickly. */
  static readonly STABLE_AFTER_MS = 10_000;
  private current = RestartBackoff.FIRST_MS;

  /** The child went away after running `upMs`: start over if that run was stable. Returns the wait now due. */
  exited(upMs: number): number {
    if (upMs >= RestartBackoff.STABLE_AFTER_MS) this.current = RestartBackoff.FIRST_MS;
    return this.current;
  }

  /** Takes the wait for the next restart attempt and doubles the one after it. */
  next(): number {
    const wait = this.current;
    this.current = Math.min(this.current * 2, RestartBackoff.MAX_MS);
    return wait;
  }
}

export interface RestartLoopOptions {
  /** One restart attempt: resolves once the child serves again. */
  attempt: () => Promise<void>;
  /** True once the owner stops the child: no attempt starts and no failure is retried. */
  stopped: () => boolean;
  /** A failed attempt, handled (logged, reported, cleaned up) before the next one is scheduled. */
  failed: (err: Error) => void | Promise<void>;
}

/** Restarts a child that went away, with back-off, until an attempt succeeds or the owner stops. */
export class RestartLoop {
  private readonly backoff = new RestartBackoff();
  private timer?: NodeJS.Timeout;
  /** Restart attempts made so far. */
  attempts = 0;

  constructor(private readonly opts: RestartLoopOptions) {}

  /** The child went away after running `upMs`: schedules its restart and returns the wait before it. */
  exited(upMs: number): number {
    const wait = this.backoff.exited(upMs);
    this.schedule();
    return wait;
  }

  /** Drops a scheduled attempt (an attempt already running finishes, and is not retried once stopped). */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.opts.stopped()) return;
      this.attempts++;
      this.opts.attempt().catch(async (err: Error) => {
        if (this.opts.stopped()) return;
        await this.opts.failed(err);
        // The child may have gone away again meanwhile and scheduled its own restart.
        if (!this.opts.stopped() && !this.timer) this.schedule();
      });
    }, this.backoff.next());
  }
}
