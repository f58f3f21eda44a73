// HttpPutResponseHopLimit in bridge mode: each guest address's hop limit, read from the store and written to the
// host's rules (src/net/hop-limit.ts) whenever an address or a limit changes.
import { DEFAULT_HOP_LIMIT, setHopLimits, type HopLimit } from "../../net/index.ts";
import type { Store } from "../../store/index.ts";
import { addressHolders } from "./guest-config.ts";

/** The hop limit of every address on the bridge. */
export function hopLimitsOf(store: Store): HopLimit[] {
  return addressHolders(store).map((r) => ({ ip: r.privateIp, hops: r.metadataHopLimit ?? DEFAULT_HOP_LIMIT }));
}

export class HopLimitRules {
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Rewrites the rules from the store as it is now. Rewrites run one after another, each reading the store when its
   * turn comes, so the last one always carries the newest limits. A failure is logged: the guests keep their previous
   * limits (or EC2's default of 1), never the host's 64.
   */
  sync(): Promise<void> {
    const next = this.last.then(() => setHopLimits(hopLimitsOf(this.store))).catch((err: unknown) => this.log(`hop limits: rewriting the rules failed: ${String(err)}`));
    this.last = next;
    return next;
  }
}
