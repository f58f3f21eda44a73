// Anti-spoofing on the bridge, in the `bridge hive` table: each guest port gets a chain that lets through only frames
// from the guest's MAC carrying its IPv4 address (or ARP claiming it); a hive port without a chain passes nothing.
import { invalidParameter } from "../errors/index.ts";
import { nftScript } from "./exec.ts";
import { parseIpv4 } from "./ipv4.ts";
import { bridgeChains, bridgeMapKeys, quote, TABLE } from "./nft.ts";

/** Every guest port's name starts so; the bridge drops all frames from such a port until it is guarded. */
export const TAP_PREFIX = "hvt-";
const PORTS_MAP = "ports";
const chainOf = (port: string): string => `port-${port}`;

export interface PortGuard {
  /** The bridge port the guest's frames enter by (its tap). */
  name: string;
  mac: string;
  ip: string;
}

const PORT_RE = new RegExp(`^${TAP_PREFIX}[a-z0-9]{1,11}$`);
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function checkPortName(name: string): void {
  if (!PORT_RE.test(name)) throw invalidParameter("name", `a guest port is named ${TAP_PREFIX} and up to 11 lower-case letters or digits, not ${name}`);
}

function check(g: PortGuard): void {
  checkPortName(g.name);
  if (!MAC_RE.test(g.mac)) throw invalidParameter("mac", `not a lower-case MAC address: ${g.mac}`);
  const ip = parseIpv4(g.ip);
  if (ip === undefined || ip === 0) throw invalidParameter("ip", `not a usable IPv4 address: ${g.ip}`);
}

/**
 * The table's skeleton: a verdict map from port name to its chain, then a drop for any other hive port.
 * Declaring existing objects is a no-op, so this keeps guard chains; only the entry chain's rules are rewritten.
 */
export function portGuardBase(): string {
  return [
    `table bridge ${TABLE} {`,
    `  map ${PORTS_MAP} { type ifname : verdict; }`,
    "  chain prerouting { type filter hook prerouting priority filter; policy accept; }",
    "}",
    `flush chain bridge ${TABLE} prerouting`,
    `add rule bridge ${TABLE} prerouting iifname vmap @${PORTS_MAP}`,
    `add rule bridge ${TABLE} prerouting iifname ${quote(`${TAP_PREFIX}*`)} drop`,
    "",
  ].join("\n");
}

/** One port's chain and map entry, (re)written in one transaction. IPv6 and other protocols are dropped. */
export function portGuardRules(g: PortGuard): string {
  check(g);
  const chain = chainOf(g.name);
  const rule = (r: string) => `add rule bridge ${TABLE} ${chain} ${r}`;
  return [
    `add chain bridge ${TABLE} ${chain}`,
    `flush chain bridge ${TABLE} ${chain}`,
    rule(`ether saddr != ${g.mac} drop`),
    rule(`ether type ip ip saddr ${g.ip} accept`),
    // 0.0.0.0 is an ARP probe (address conflict detection) before the guest claims its address.
    rule(`ether type arp arp htype 1 arp ptype ip arp saddr ether ${g.mac} arp saddr ip { ${g.ip}, 0.0.0.0 } accept`),
    rule("drop"),
    `add element bridge ${TABLE} ${PORTS_MAP} { ${quote(g.name)} : jump ${chain} }`,
    "",
  ].join("\n");
}

/** Lets `g.name`'s frames through the bridge only from `g.mac` and `g.ip`. Needs setupBridge first. */
export async function guardPort(g: PortGuard): Promise<void> {
  await nftScript(portGuardRules(g));
}

/** Removes a port's guard (a no-op when it has none); the port then passes nothing again. */
export async function unguardPort(name: string): Promise<void> {
  checkPortName(name);
  const chains = await bridgeChains();
  if (!chains.includes(chainOf(name))) return;
  const mapped = (await bridgeMapKeys(PORTS_MAP)).includes(name);
  await nftScript([...(mapped ? [`delete element bridge ${TABLE} ${PORTS_MAP} { ${quote(name)} }`] : []), `delete chain bridge ${TABLE} ${chainOf(name)}`, ""].join("\n"));
}

/** The ports that have a guard chain now. */
export async function guardedPorts(): Promise<string[]> {
  return (await bridgeChains()).filter((c) => c.startsWith(chainOf(TAP_PREFIX))).map((c) => c.slice(chainOf("").length));
}
