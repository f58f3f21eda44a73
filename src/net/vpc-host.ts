// The VPC data plane's part of the namespace hive runs in: IPv4 forwarding and one `inet` table per scope that
// masquerades the VPCs' transit traffic, keeps VPCs from reaching each other through the host, and lets the outside
// open connections only to Elastic IPs.
import fs from "node:fs";
import { invalidParameter } from "../errors/index.ts";
import { ipJson, nftScript, run } from "./exec.ts";
import { blockOf, contains, parseCidr, parseIpv4 } from "./ipv4.ts";
import { quote } from "./nft.ts";
import { checkScope, transitPrefix } from "./vpc-plan.ts";

export interface VpcHostOptions {
  /** Short per-appliance prefix of everything the data plane creates, e.g. "hive-1a2b". */
  scope: string;
  /** The operator's addresses for Elastic IPs (--public-cidr), on a network the host is attached to. */
  publicCidr?: string;
  log?: (line: string) => void;
}

/** The scope's table in the host's namespace. */
export const hostTable = (scope: string): string => {
  checkScope(scope);
  return `${scope}-vpc`;
};

const TRANSIT_SPACE = "169.254.0.0/16";

interface NftListing {
  nftables: { table?: { family: string; name: string }; set?: { name: string; elem?: { concat: [string, string] }[] } }[];
}

export async function hostTableExists(scope: string): Promise<boolean> {
  const out = JSON.parse(await run("nft", ["-j", "list", "tables", "inet"])) as NftListing;
  return out.nftables.some((o) => o.table?.name === hostTable(scope));
}

/**
 * The scope's table: declared (a no-op for what exists, so the Elastic IPs set survives a restart), then its chains'
 * rules rewritten in the same transaction.
 */
export function hostRuleset(scope: string): string {
  const t = `inet ${hostTable(scope)}`;
  const links = quote(`${transitPrefix(scope)}*`);
  return [
    `table ${t} {`,
    // (transit link, Elastic IP) pairs, kept by applyVpc.
    "  set eips { type ifname . ipv4_addr; }",
    "  chain forward { type filter hook forward priority filter; policy accept; }",
    "  chain postrouting { type nat hook postrouting priority srcnat; policy accept; }",
    "}",
    `flush chain ${t} forward`,
    `flush chain ${t} postrouting`,
    `add rule ${t} forward iifname ${links} oifname ${links} drop`,
    `add rule ${t} forward oifname ${links} ct state established,related accept`,
    `add rule ${t} forward oifname . ip daddr @eips accept`,
    `add rule ${t} forward oifname ${links} drop`,
    `add rule ${t} postrouting iifname . ip saddr @eips return`,
    `add rule ${t} postrouting iifname ${links} oifname != ${links} ip saddr ${TRANSIT_SPACE} masquerade`,
    "",
  ].join("\n");
}

/**
 * Prepares the host's namespace for the scope's VPCs: IPv4 forwarding and the scope's table. Idempotent; running VPCs
 * and their Elastic IPs are left as they are.
 */
export async function setupVpcHost(opts: VpcHostOptions): Promise<void> {
  const log = opts.log ?? (() => {});
  checkScope(opts.scope);
  if (opts.publicCidr !== undefined) {
    const pub = parseCidr(opts.publicCidr);
    if (!(await publicInterface(pub.network))) log(`warning: no interface of this host has an address in ${opts.publicCidr}; Elastic IPs from it will not be reachable from outside`);
  }
  // Per network namespace: this is the namespace hive runs in.
  fs.writeFileSync("/proc/sys/net/ipv4/ip_forward", "1\n");
  await nftScript(hostRuleset(opts.scope));
  log(`VPC host table inet ${hostTable(opts.scope)} loaded`);
}

/** Removes the scope's table (VPCs themselves: teardownVpcHost). */
export async function removeHostTable(scope: string): Promise<void> {
  if (await hostTableExists(scope)) await nftScript(`delete table inet ${hostTable(scope)}\n`);
}

interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** The interface whose network holds `addr` (where the host answers ARP for an Elastic IP), other than transit links. */
export async function publicInterface(addr: number): Promise<string | undefined> {
  for (const link of await ipJson<IpAddr>(["-4", "addr", "show"])) {
    if (link.ifname.startsWith("hvx")) continue;
    for (const a of link.addr_info ?? []) {
      if (a.family === "inet" && a.prefixlen < 32 && contains(blockOf(parseIpv4(a.local)!, a.prefixlen), addr)) return link.ifname;
    }
  }
  return undefined;
}

/** The Elastic IPs the scope's table lets in through `link`. */
async function eipsOf(scope: string, link: string): Promise<string[]> {
  const out = JSON.parse(await run("nft", ["-j", "list", "set", "inet", hostTable(scope), "eips"])) as NftListing;
  return out.nftables.flatMap((o) => (o.set?.elem ?? []).flatMap((e) => (e.concat[0] === link ? [e.concat[1]] : [])));
}

interface IpNeigh {
  dst: string;
  dev: string;
}

/**
 * Makes `link`'s Elastic IPs exactly `wanted`: the table lets the outside in to them, and the host answers ARP for them
 * on the interface whose network holds them. Their host routes are the caller's (they go with the transit link).
 */
export async function syncElasticIps(scope: string, link: string, wanted: string[], log: (line: string) => void): Promise<void> {
  for (const ip of wanted) if (parseIpv4(ip) === undefined) throw invalidParameter("publicIp", `not an IPv4 address: ${ip}`);
  const have = await eipsOf(scope, link);
  const gone = have.filter((ip) => !wanted.includes(ip));
  const t = `inet ${hostTable(scope)}`;
  const script = [
    ...gone.map((ip) => `delete element ${t} eips { ${quote(link)} . ${ip} }`),
    ...wanted.filter((ip) => !have.includes(ip)).map((ip) => `add element ${t} eips { ${quote(link)} . ${ip} }`),
  ];
  if (script.length) await nftScript(script.join("\n") + "\n");
  const proxies = await ipJson<IpNeigh>(["-4", "neigh", "show", "proxy"]);
  for (const p of proxies) if (gone.includes(p.dst)) await run("ip", ["neigh", "del", "proxy", p.dst, "dev", p.dev]);
  for (const ip of wanted) {
    const dev = await publicInterface(parseIpv4(ip)!);
    if (!dev) {
      log(`warning: no interface of this host has an address in a network holding ${ip}; the Elastic IP is not answered for outside`);
      continue;
    }
    if (!proxies.some((p) => p.dst === ip && p.dev === dev)) await run("ip", ["neigh", "replace", "proxy", ip, "dev", dev]);
  }
}

/**
 * The blocks the host's namespace already routes somewhere other than the scope's own transit links (the default
 * route aside): a VPC whose block overlaps one of them is not routed from the host, so a VPC never shadows a network
 * the host reaches (say, an office LAN that happens to be 172.31.0.0/16).
 */
export async function foreignRoutes(scope: string): Promise<string[]> {
  const prefix = transitPrefix(scope);
  const routes = await ipJson<{ dst: string; dev?: string; type?: string }>(["-4", "route", "show", "table", "main"]);
  return routes.flatMap((r) => {
    if (r.dst === "default" || r.dev?.startsWith(prefix) || (r.type !== undefined && r.type !== "unicast")) return [];
    const [addr, len] = r.dst.split("/");
    const n = parseIpv4(addr!);
    return n === undefined ? [] : [`${addr}/${len ?? "32"}`];
  });
}
