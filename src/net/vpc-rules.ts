// The nftables ruleset of one VPC namespace, rendered from its plan with no side effects: anti-spoofing per port,
// stateful security groups compiled into interval sets (per-packet cost does not grow with the rule count), metadata
// and DNS always reachable, the internet gateway's NAT and Elastic IPs. Loaded whole, in one transaction.
import { formatIpv4, parseCidr, parseIpv4 } from "./ipv4.ts";
import { quote } from "./nft.ts";
import { checkVpcPlan, transitAddresses, UPLINK, VPC_DNS_IP, type GroupPlan, type PortPlan, type RulePlan, type VpcPlan } from "./vpc-plan.ts";

/** The conntrack mark bit for "this guest's metadata connection asked for a token"; other bits of ct mark are left alone. */
const TOKEN_REQUEST_MARK = "0x01000000";

/** The one table in each VPC namespace. */
export const VPC_TABLE = "vpc";
const METADATA_IP = "169.254.169.254";
/** "PUT " as the first four bytes of the TCP payload (a metadata token request). */
const PUT = "0x50555420";

/** An inclusive range per dimension. */
type Box = [number, number][];

/**
 * The union of `boxes` as boxes that do not overlap (nft refuses overlapping elements in an interval set): cut the first
 * dimension at every edge, take the union of the rest over each piece, and join neighbouring pieces that agree.
 */
export function disjointBoxes(boxes: Box[], dim = 0): Box[] {
  if (boxes.length === 0) return [];
  if (dim === boxes[0]!.length) return [[]];
  const cuts = [...new Set(boxes.flatMap((b) => [b[dim]![0], b[dim]![1] + 1]))].sort((a, b) => a - b);
  const out: Box[] = [];
  let run: { lo: number; hi: number; key: string; rest: Box[] } | undefined;
  const flush = () => {
    if (run) for (const r of run.rest) out.push([[run.lo, run.hi], ...r]);
    run = undefined;
  };
  for (let i = 0; i + 1 < cuts.length; i++) {
    const lo = cuts[i]!;
    const hi = cuts[i + 1]! - 1;
    const covering = boxes.filter((b) => b[dim]![0] <= lo && b[dim]![1] >= hi);
    if (covering.length === 0) {
      flush();
      continue;
    }
    const rest = disjointBoxes(covering, dim + 1);
    const key = JSON.stringify(rest);
    if (run && run.hi + 1 === lo && run.key === key) run.hi = hi;
    else {
      flush();
      run = { lo, hi, key, rest };
    }
  }
  flush();
  return out;
}

type Kind = "all" | "tcp" | "udp" | "icmp" | "proto";
const KINDS: Kind[] = ["all", "tcp", "udp", "icmp", "proto"];
const SET_TYPE: Record<Kind, string> = {
  all: "ipv4_addr",
  tcp: "ipv4_addr . inet_service",
  udp: "ipv4_addr . inet_service",
  icmp: "ipv4_addr . icmp_type . icmp_code",
  proto: "ipv4_addr . inet_proto",
};
const NAMED_PROTOCOL: Record<number, Kind> = { [-1]: "all", 1: "icmp", 6: "tcp", 17: "udp" };

const FULL_BYTE: [number, number] = [0, 255];
const rangeOf = (n: number | undefined, full: [number, number]): [number, number] => (n === undefined || n === -1 ? full : [n, n]);

function addressRanges(rule: RulePlan, members: Map<string, string[]>): [number, number][] {
  const out: [number, number][] = [];
  for (const text of rule.cidrs) {
    const c = parseCidr(text);
    out.push([c.network, c.network + 2 ** (32 - c.prefix) - 1]);
  }
  for (const g of rule.groupIds) for (const ip of members.get(g) ?? []) out.push([parseIpv4(ip)!, parseIpv4(ip)!]);
  return out;
}

/** The boxes one rule adds to its group's sets, by kind. */
function ruleBoxes(rule: RulePlan, members: Map<string, string[]>): { kind: Kind; boxes: Box[] } {
  const kind: Kind = typeof rule.protocol === "number" ? NAMED_PROTOCOL[rule.protocol] ?? "proto" : rule.protocol;
  const addrs = addressRanges(rule, members);
  switch (kind) {
    case "all":
      return { kind, boxes: addrs.map((a) => [a]) };
    case "tcp":
    case "udp": {
      const from = rule.fromPort === undefined || rule.fromPort === -1 ? 0 : rule.fromPort;
      const to = rule.toPort === undefined || rule.toPort === -1 ? 65535 : rule.toPort;
      return { kind, boxes: from <= to ? addrs.map((a) => [a, [from, to]]) : [] };
    }
    case "icmp": {
      // -1 as the type means every type and code, whatever the code says.
      const type = rangeOf(rule.fromPort, FULL_BYTE);
      const code = rule.fromPort === undefined || rule.fromPort === -1 ? FULL_BYTE : rangeOf(rule.toPort, FULL_BYTE);
      return { kind, boxes: addrs.map((a) => [a, type, code]) };
    }
    case "proto":
      return { kind, boxes: addrs.map((a) => [a, [rule.protocol as number, rule.protocol as number]]) };
  }
}

const formatRange = ([lo, hi]: [number, number], fmt: (n: number) => string = String): string => (lo === hi ? fmt(lo) : `${fmt(lo)}-${fmt(hi)}`);
const formatBox = (b: Box): string => [formatRange(b[0]!, formatIpv4), ...b.slice(1).map((r) => formatRange(r))].join(" . ");

export type Direction = "in" | "out";
export const groupSetName = (groupId: string, dir: Direction, kind: Kind): string => `${dir}-${groupId}-${kind}`;

/** Each group's rules per direction and kind as disjoint set elements; kinds without elements are left out. */
export function compileGroup(group: GroupPlan, members: Map<string, string[]>): Record<Direction, Partial<Record<Kind, string[]>>> {
  const compiled: Record<Direction, Partial<Record<Kind, string[]>>> = { in: {}, out: {} };
  for (const [dir, rules] of [["in", group.ingress], ["out", group.egress]] as const) {
    const byKind = new Map<Kind, Box[]>();
    for (const rule of rules) {
      const { kind, boxes } = ruleBoxes(rule, members);
      byKind.set(kind, [...(byKind.get(kind) ?? []), ...boxes]);
    }
    for (const kind of KINDS) {
      const elements = disjointBoxes(byKind.get(kind) ?? []).map(formatBox);
      if (elements.length) compiled[dir][kind] = elements;
    }
  }
  return compiled;
}

/** Which sets a port's check looks in, and how a packet's fields are matched against each kind. */
function lookups(port: PortPlan, compiled: Map<string, ReturnType<typeof compileGroup>>, dir: Direction, verdict: string): string[] {
  const addr = dir === "in" ? "ip saddr" : "ip daddr";
  const match: Record<Kind, string> = {
    all: addr,
    tcp: `meta l4proto tcp ${addr} . tcp dport`,
    udp: `meta l4proto udp ${addr} . udp dport`,
    icmp: `meta l4proto icmp ${addr} . icmp type . icmp code`,
    proto: `${addr} . meta l4proto`,
  };
  const out: string[] = [];
  for (const g of new Set(port.groupIds)) {
    for (const kind of KINDS) if (compiled.get(g)![dir][kind]) out.push(`    ${match[kind]} @${groupSetName(g, dir, kind)} ${verdict}`);
  }
  return out;
}

const elements = (items: string[]): string => (items.length ? ` elements = { ${items.join(", ")} };` : "");

/**
 * The whole `inet vpc` table of a VPC namespace, replacing any previous one atomically (`add`, `delete`, define).
 * Security groups: ingress is checked where a packet leaves by a port (forward, and output for the router's own),
 * egress where it enters by one (forward and input); replies of allowed connections pass first. The plan's rules are
 * taken as given: the default group's "members reach each other" is a rule the control plane writes into the plan.
 */
export function vpcRuleset(plan: VpcPlan): string {
  checkVpcPlan(plan);
  const transit = transitAddresses(plan.index);
  const members = new Map<string, string[]>();
  for (const p of plan.ports) for (const g of p.groupIds) members.set(g, [...(members.get(g) ?? []), p.ip]);
  const compiled = new Map(plan.groups.map((g) => [g.id, compileGroup(g, members)]));
  const ports = plan.ports;
  const internet = plan.subnets.filter((s) => s.internet).map((s) => formatRange([parseCidr(s.cidr).network, parseCidr(s.cidr).network + 2 ** (32 - parseCidr(s.cidr).prefix) - 1], formatIpv4));
  const eips = ports.filter((p) => p.publicIp !== undefined);
  const hops = [...new Set(ports.map((p) => p.hopLimit))].sort((a, b) => a - b);
  const dns = [...new Set([...(plan.dnsIp ? [plan.dnsIp] : []), VPC_DNS_IP])];
  const up = quote(UPLINK);
  const vmap = (chain: (p: PortPlan) => string) => ports.map((p) => `${quote(p.name)} : jump ${chain(p)}`);

  const lines = [
    `add table inet ${VPC_TABLE}`,
    `delete table inet ${VPC_TABLE}`,
    `table inet ${VPC_TABLE} {`,
    `  set ports { type ifname;${elements(ports.map((p) => quote(p.name)))} }`,
    `  set internet { type ipv4_addr; flags interval;${elements(internet)} }`,
    `  map guard { type ifname : verdict;${elements(vmap((p) => `guard-${p.name}`))} }`,
    `  map egress { type ifname : verdict;${elements(vmap((p) => `out-${p.name}`))} }`,
    `  map ingress { type ifname : verdict;${elements(vmap((p) => `in-${p.name}`))} }`,
    `  map hop-limit { type ifname : verdict;${elements(vmap((p) => `ttl-${p.hopLimit}`))} }`,
    `  map eip-in { type ipv4_addr : ipv4_addr;${elements(eips.map((p) => `${p.publicIp} : ${p.ip}`))} }`,
    `  map eip-out { type ipv4_addr : ipv4_addr;${elements(eips.map((p) => `${p.ip} : ${p.publicIp}`))} }`,
  ];
  for (const g of plan.groups) {
    for (const dir of ["in", "out"] as const) {
      for (const kind of KINDS) {
        const items = compiled.get(g.id)![dir][kind];
        if (items) lines.push(`  set ${groupSetName(g.id, dir, kind)} { type ${SET_TYPE[kind]}; flags interval;${elements(items)} }`);
      }
    }
  }
  lines.push(
    // Before conntrack: a port's packets carry its MAC and (with source/destination check) its address; IPv6 is not
    // offered. Anything arriving by an interface that is neither a known port, the uplink nor lo goes no further.
    "  chain prerouting {",
    "    type filter hook prerouting priority raw; policy accept;",
    "    iifname vmap @guard",
    `    iifname != { "lo", ${up} } drop`,
    "  }",
  );
  for (const p of ports) {
    lines.push(
      `  chain guard-${p.name} {`,
      `    ether saddr != ${p.mac} drop`,
      "    meta nfproto ipv6 drop",
      ...(p.sourceDestCheck ? [`    ip saddr != ${p.ip} drop`] : []),
      // Accepted here only ends this chain's say; the unknown-interface drop after the vmap must not see the port.
      "    accept",
      "  }",
      `  chain in-${p.name} {`,
      ...lookups(p, compiled, "in", "accept"),
      "    drop",
      "  }",
      // An egress check returns to the calling chain when allowed, so the destination port's ingress check still runs.
      `  chain out-${p.name} {`,
      ...lookups(p, compiled, "out", "return"),
      "    drop",
      "  }",
    );
  }
  for (const h of hops) lines.push(`  chain ttl-${h} {`, `    ip ttl set ${h} accept`, "  }");
  lines.push(
    // After conntrack (priority mangle) and before the metadata DNAT: the mark lands on the connection.
    "  chain imds-mark {",
    "    type filter hook prerouting priority mangle; policy accept;",
    `    iifname @ports ip daddr ${METADATA_IP} tcp dport 80 @ih,0,32 ${PUT} ct mark set ct mark or ${TOKEN_REQUEST_MARK}`,
    "  }",
    // After routing has decremented the TTL: token responses reach the guest with exactly its hop limit.
    "  chain imds-hop-limit {",
    "    type filter hook postrouting priority mangle; policy accept;",
    `    ct direction reply ct mark and ${TOKEN_REQUEST_MARK} != 0 oifname vmap @hop-limit`,
    "  }",
    "  chain nat-prerouting {",
    "    type nat hook prerouting priority dstnat; policy accept;",
    `    iifname @ports ip daddr ${METADATA_IP} tcp dport 80 dnat ip to ${transit.host}:80`,
    `    iifname ${up} dnat ip to ip daddr map @eip-in`,
    "  }",
    "  chain nat-postrouting {",
    "    type nat hook postrouting priority srcnat; policy accept;",
    // The metadata service must see the guest's own address: DNATed connections keep their source.
    `    oifname ${up} ct status dnat accept`,
    `    oifname ${up} snat ip to ip saddr map @eip-out`,
    `    oifname ${up} ip saddr @internet snat ip to ${transit.ns}`,
    "  }",
    "  chain input {",
    "    type filter hook input priority filter; policy drop;",
    "    ct state established,related accept",
    "    ct state invalid drop",
    '    iifname "lo" accept',
    `    iifname ${up} meta l4proto icmp accept`,
    `    iifname @ports ip daddr { ${dns.join(", ")} } meta l4proto { tcp, udp } th dport 53 accept`,
    "    iifname vmap @egress",
    "    iifname @ports meta l4proto icmp accept",
    "  }",
    "  chain forward {",
    "    type filter hook forward priority filter; policy drop;",
    "    ct state established,related accept",
    "    ct state invalid drop",
    `    iifname @ports oifname ${up} ip daddr ${transit.host} tcp dport 80 ct original ip daddr ${METADATA_IP} accept`,
    "    iifname vmap @egress",
    // Only subnets routed to an internet gateway leave by the uplink, or are reached through an Elastic IP.
    `    oifname ${up} ip saddr != @internet drop`,
    `    iifname ${up} ct status dnat ip daddr != @internet drop`,
    "    oifname vmap @ingress",
    `    oifname ${up} accept`,
    "  }",
    "  chain output {",
    "    type filter hook output priority filter; policy accept;",
    "    ct state established,related accept",
    "    oifname vmap @ingress",
    "  }",
    "}",
    // ARP is not seen by inet tables: a port may only claim its own MAC and address (0.0.0.0 for a conflict probe).
    `add table arp ${VPC_TABLE}`,
    `delete table arp ${VPC_TABLE}`,
    `table arp ${VPC_TABLE} {`,
    `  map guard { type ifname : verdict;${elements(vmap((p) => `guard-${p.name}`))} }`,
    "  chain input {",
    "    type filter hook input priority filter; policy accept;",
    "    iifname vmap @guard",
    `    iifname != ${up} drop`,
    "  }",
    ...ports.flatMap((p) => [
      `  chain guard-${p.name} {`,
      `    arp saddr ether != ${p.mac} drop`,
      ...(p.sourceDestCheck ? [`    arp saddr ip != { ${p.ip}, 0.0.0.0 } drop`] : []),
      "    accept",
      "  }",
    ]),
    "}",
    "",
  );
  return lines.join("\n");
}
