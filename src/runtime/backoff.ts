// Restart back-off for supervised children: 200 ms doubling to 5 s, back to the start after a stable run.

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
