// HttpPutResponseHopLimit on the wire, in the `inet hive` table: a guest's connection to the metadata service that
// starts with "PUT " (a token request) is marked, and every packet the host sends back on a marked connection leaves
// with the IP TTL set to that guest's hop limit, so a token never travels further than the instance allows (a
// container behind the guest's own NAT is one hop more). Only bridge mode can do this: in user mode QEMU's slirp
// ends the guest's TCP connections itself.
import { invalidParameter } from "../errors/index.ts";
import { nftScript } from "./exec.ts";
import { parseIpv4 } from "./ipv4.ts";
import { TABLE } from "./nft.ts";

/** The conntrack mark bit for "this metadata connection asked for a token"; other bits of ct mark are left alone. */
export const TOKEN_REQUEST_MARK = "0x01000000";
/** "PUT " as the first four bytes of the TCP payload. */
const PUT = "0x50555420";
export const HOP_CHAIN = "imds-hop-limit";

export interface HopLimit {
  /** The guest's address on the bridge. */
  ip: string;
  /** 1–64: the TTL token responses leave the host with. */
  hops: number;
}

function check(h: HopLimit): void {
  if (parseIpv4(h.ip) === undefined) throw invalidParameter("ip", `not an IPv4 address: ${h.ip}`);
  if (!Number.isInteger(h.hops) || h.hops < 1 || h.hops > 64) throw invalidParameter("hops", `a hop limit is 1 to 64, not ${h.hops}`);
}

/** The chains inside `table inet hive { … }` that mark token requests and set their responses' TTL. */
export function hopLimitChains(bridge: string, metadataIp: string): string[] {
  return [
    // After conntrack (priority mangle), so the mark lands on the connection, not just the packet.
    "  chain imds-mark {",
    "    type filter hook prerouting priority mangle; policy accept;",
    `    iifname ${bridge} ip daddr ${metadataIp} tcp dport 80 @ih,0,32 ${PUT} ct mark set ct mark or ${TOKEN_REQUEST_MARK}`,
    "  }",
    "  chain imds-reply {",
    "    type filter hook output priority mangle; policy accept;",
    `    ct mark and ${TOKEN_REQUEST_MARK} != 0 ip saddr ${metadataIp} tcp sport 80 jump ${HOP_CHAIN}`,
    "  }",
    `  chain ${HOP_CHAIN} {`,
    "  }",
  ];
}

/** EC2's default hop limit, also what a guest not (yet) listed gets. */
export const DEFAULT_HOP_LIMIT = 1;

/**
 * Rewrites the per-guest rules in one transaction: exactly `limits`, nothing left from before. A guest missing from
 * the list (launched a moment before its rule) gets the default of 1, never the host's 64.
 */
export function hopLimitRules(limits: HopLimit[]): string {
  for (const h of limits) check(h);
  const rule = (r: string) => `add rule inet ${TABLE} ${HOP_CHAIN} ${r}`;
  return [
    `flush chain inet ${TABLE} ${HOP_CHAIN}`,
    ...limits.map((h) => rule(`ip daddr ${h.ip} ip ttl set ${h.hops} return`)),
    rule(`ip ttl set ${DEFAULT_HOP_LIMIT}`),
    "",
  ].join("\n");
}

/** Sets every guest's hop limit at once (the table must exist: setupBridge made it). */
export async function setHopLimits(limits: HopLimit[]): Promise<void> {
  await nftScript(hopLimitRules(limits));
}
