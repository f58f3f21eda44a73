// The host side of bridge networking: the Linux bridge with the gateway and metadata addresses, IPv4 forwarding,
// and the `inet hive` nftables table (masquerade out of any other interface, no spoofed bridge addresses from outside).
import fs from "node:fs";
import { createHash } from "node:crypto";
import { HiveError, invalidParameter } from "../errors/index.ts";
import { ipJson, linkExists, nftScript, run } from "./exec.ts";
import { blockOf, formatCidr, formatIpv4, overlaps, parseCidr, parseIpv4, contains, type Cidr } from "./ipv4.ts";
import { hiveTables, quote, TABLE } from "./nft.ts";
import { hopLimitChains, hopLimitRules, type HopLimit } from "./hop-limit.ts";
import { TAP_PREFIX, portGuardBase } from "./port-guard.ts";

export const DEFAULT_BRIDGE = "hivebr0";
export const DEFAULT_CIDR = "10.73.0.0/24";
/** Where guests find the instance metadata service; bound on the bridge so the server sees guests' own addresses. */
export const METADATA_IP = "169.254.169.254";

export interface BridgeOptions {
  name?: string;
  cidr?: string;
  /** The guests' metadata hop limits, set in the same transaction that rebuilds the table. */
  hopLimits?: HopLimit[];
  log?: (line: string) => void;
}

export interface BridgeNetwork {
  /** The bridge device, e.g. hivebr0. */
  name: string;
  /** The guests' network, e.g. 10.73.0.0/24. */
  cidr: string;
  prefix: number;
  /** The host's address on the bridge (the network's first host address), the guests' default gateway. */
  gateway: string;
  metadataIp: string;
}

interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

interface IpRoute {
  dst: string;
  dev?: string;
  type?: string;
  table?: string;
}

interface IpLinkDetail {
  ifname: string;
  linkinfo?: { info_kind?: string };
}

const IFNAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

/** The network's layout, without touching the host. */
export function bridgeNetwork(opts: { name?: string; cidr?: string } = {}): BridgeNetwork {
  const name = opts.name ?? DEFAULT_BRIDGE;
  if (!IFNAME_RE.test(name)) throw invalidParameter("name", `not a usable interface name: ${name}`);
  const cidr = parseCidr(opts.cidr ?? DEFAULT_CIDR);
  if (cidr.prefix > 29) throw invalidParameter("cidr", `${formatCidr(cidr)} is too small for a gateway and guests (at most /29)`);
  if (contains(cidr, parseIpv4(METADATA_IP)!)) throw invalidParameter("cidr", `${formatCidr(cidr)} contains the metadata address ${METADATA_IP}`);
  return { name, cidr: formatCidr(cidr), prefix: cidr.prefix, gateway: formatIpv4(cidr.network + 1), metadataIp: METADATA_IP };
}

/** A stable, locally administered MAC for the bridge: without one, a bridge takes its lowest port's, which changes as guests come and go. */
export function bridgeMac(name: string): string {
  const h = createHash("sha256").update(`hive-bridge:${name}`).digest();
  return ["02", ...[h[0]!, h[1]!, h[2]!, h[3]!, h[4]!].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

const routeBlock = (dst: string): Cidr | undefined => {
  if (dst === "default") return undefined;
  const [addr, prefix] = dst.split("/");
  const n = parseIpv4(addr!);
  return n === undefined ? undefined : blockOf(n, prefix === undefined ? 32 : Number(prefix));
};

/**
 * Refuses a network that overlaps any IPv4 address or route the host already has (other than on our own bridge),
 * so the guests' network never shadows or collides with a network the host reaches. Default routes do not count.
 */
export async function checkNoCollision(net: BridgeNetwork, log: (line: string) => void = () => {}): Promise<void> {
  const ours = parseCidr(net.cidr);
  const metadata = blockOf(parseIpv4(METADATA_IP)!, 32);
  for (const link of await ipJson<IpAddr>(["-4", "addr", "show"])) {
    if (link.ifname === net.name) continue;
    for (const a of link.addr_info ?? []) {
      if (a.family !== "inet") continue;
      const block = blockOf(parseIpv4(a.local)!, a.prefixlen);
      if (overlaps(block, ours)) {
        throw new HiveError({
          kind: "Conflict",
          resource: "network",
          message: `the bridge network ${net.cidr} overlaps ${formatCidr(block)} (address ${a.local}/${a.prefixlen} on ${link.ifname}); choose another CIDR`,
        });
      }
    }
  }
  for (const r of await ipJson<IpRoute>(["-4", "route", "show", "table", "all"])) {
    if (r.dev === net.name) continue;
    const block = routeBlock(r.dst);
    if (!block) continue;
    if (overlaps(block, ours)) {
      const where = [r.type && r.type !== "unicast" ? r.type : "", r.dev ? `dev ${r.dev}` : "", r.table ? `table ${r.table}` : ""].filter(Boolean).join(" ");
      throw new HiveError({
        kind: "Conflict",
        resource: "network",
        message: `the bridge network ${net.cidr} overlaps the route ${r.dst}${where ? ` (${where})` : ""}; choose another CIDR`,
      });
    }
    // A host inside a cloud reaches its own metadata service there; binding the address locally hides it from the host.
    if (r.dev !== "lo" && r.type !== "local" && r.type !== "broadcast" && overlaps(block, metadata) && block.prefix > 0) {
      log(`warning: the host routes ${r.dst} via ${r.dev ?? "?"}; binding ${METADATA_IP} on ${net.name} shadows that for the host itself`);
    }
  }
}

/** The `inet hive` table, rebuilt whole in one transaction. */
export function inetRuleset(net: BridgeNetwork): string {
  const br = quote(net.name);
  return [
    // "add" then "delete" then define: atomic replace whether or not the table existed.
    `add table inet ${TABLE}`,
    `delete table inet ${TABLE}`,
    `table inet ${TABLE} {`,
    // Only the bridge may carry the guests' addresses or reach the metadata address, so a source address there is proof.
    "  chain prerouting {",
    "    type filter hook prerouting priority raw; policy accept;",
    `    iifname != { ${br}, "lo" } ip saddr ${net.cidr} drop`,
    `    iifname != { ${br}, "lo" } ip daddr ${net.metadataIp} drop`,
    "  }",
    // Guests reach out (masqueraded); nothing from other networks opens connections to them.
    "  chain forward {",
    "    type filter hook forward priority filter; policy accept;",
    `    oifname ${br} iifname != ${br} ct state established,related accept`,
    `    oifname ${br} iifname != ${br} drop`,
    "  }",
    "  chain postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    `    ip saddr ${net.cidr} ip daddr != ${net.cidr} oifname != ${br} masquerade`,
    "  }",
    ...hopLimitChains(br, net.metadataIp),
    "}",
    "",
  ].join("\n");
}

/**
 * Creates (or brings back into shape) the bridge, its addresses, IPv4 forwarding and hive's nftables tables.
 * Idempotent: on every start the `inet hive` table is rebuilt and stray bridge addresses removed, while guest
 * ports (taps and their guard chains) are left as they are, so running guests keep their network across a restart.
 */
export async function setupBridge(opts: BridgeOptions = {}): Promise<BridgeNetwork> {
  const log = opts.log ?? (() => {});
  const net = bridgeNetwork(opts);
  await checkNoCollision(net, log);

  const [existing] = (await linkExists(net.name)) ? await ipJson<IpLinkDetail>(["-d", "link", "show", "dev", net.name]) : [];
  if (existing && existing.linkinfo?.info_kind !== "bridge") {
    throw new HiveError({ kind: "Conflict", resource: "network", message: `${net.name} exists and is not a bridge (${existing.linkinfo?.info_kind ?? "a plain device"})` });
  }
  if (!existing) {
    await run("ip", ["link", "add", "name", net.name, "type", "bridge"]);
    log(`bridge ${net.name} created`);
  }
  await run("ip", ["link", "set", "dev", net.name, "address", bridgeMac(net.name)]);

  const wanted = [`${net.gateway}/${net.prefix}`, `${net.metadataIp}/32`];
  const [link] = await ipJson<IpAddr>(["-4", "addr", "show", "dev", net.name]);
  for (const a of link?.addr_info ?? []) {
    const have = `${a.local}/${a.prefixlen}`;
    if (a.family === "inet" && !wanted.includes(have)) {
      await run("ip", ["addr", "del", have, "dev", net.name]);
      log(`removed stale address ${have} from ${net.name}`);
    }
  }
  for (const addr of wanted) await run("ip", ["addr", "replace", addr, "dev", net.name]);
  await run("ip", ["link", "set", "dev", net.name, "up"]);

  // Per network namespace: this is the namespace hive runs in.
  fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", "1\n");

  await nftScript(inetRuleset(net) + hopLimitRules(opts.hopLimits ?? []) + portGuardBase());
  log(`bridge ${net.name} up: gateway ${net.gateway}/${net.prefix}, metadata ${net.metadataIp}, NAT for ${net.cidr}`);
  return net;
}

/** Whether the old bridge mode left its bridge or its nftables tables in this namespace. */
export async function bridgeInUse(name: string = DEFAULT_BRIDGE): Promise<boolean> {
  return (await linkExists(name)) || (await hiveTables()).length > 0;
}

/**
 * Removes what bridge mode created: hive's nftables tables, every hive tap (hvt-*), and the bridge.
 * IPv4 forwarding is left on: other software on the host may rely on it.
 */
export async function teardownBridge(opts: { name?: string; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const name = opts.name ?? DEFAULT_BRIDGE;
  const tables = await hiveTables();
  if (tables.length) await nftScript(tables.map((f) => `delete table ${f} ${TABLE}\n`).join(""));
  for (const link of await ipJson<IpLinkDetail>(["-d", "link", "show"])) {
    if (link.ifname.startsWith(TAP_PREFIX) && link.linkinfo?.info_kind === "tun") await run("ip", ["link", "del", "dev", link.ifname]);
  }
  if (await linkExists(name)) await run("ip", ["link", "del", "dev", name]);
  log(`bridge ${name} and hive's nftables tables removed`);
}
