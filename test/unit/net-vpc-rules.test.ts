// The VPC data plane's pure parts: names and transit addresses per index, and the nftables ruleset rendered from a plan.

import assert from "node:assert/strict";
import { test } from "node:test";
import { checkVpcPlan, netnsExecPrefix, policyTable, transitAddresses, transitLink, vpcNamespace, vpcRuleset, type GroupPlan, type PortPlan, type VpcPlan } from "../../src/net/index.ts";
import { disjointBoxes } from "../../src/net/vpc-rules.ts";
import { hostRuleset } from "../../src/net/vpc-host.ts";

const port = (name: string, ip: string, groupIds: string[], extra: Partial<PortPlan> = {}): PortPlan => ({
  name,
  subnetId: ip.startsWith("10.0.1.") ? "subnet-pub" : "subnet-priv",
  mac: "52:54:00:00:00:01",
  ip,
  groupIds,
  hopLimit: 1,
  sourceDestCheck: true,
  ...extra,
});

function plan(groups: GroupPlan[], ports: PortPlan[]): VpcPlan {
  return {
    vpcId: "vpc-1",
    index: 7,
    namespace: vpcNamespace("hive-1a2b", 7),
    cidrs: ["10.0.0.0/16"],
    dnsIp: "10.0.0.2",
    hostRoute: true,
    subnets: [
      { id: "subnet-pub", cidr: "10.0.1.0/24", gateway: "10.0.1.1", internet: true },
      { id: "subnet-priv", cidr: "10.0.2.0/24", gateway: "10.0.2.1", internet: false },
    ],
    ports,
    groups,
  };
}

/** The body of one chain or set in the rendered table. */
function block(ruleset: string, kind: "chain" | "set" | "map", name: string): string {
  const m = new RegExp(`^  ${kind} ${name.replace(/[-.]/g, "\\$&")} \\{([\\s\\S]*?)\\}$`, "m").exec(ruleset);
  assert.ok(m, `${kind} ${name} is rendered`);
  return m[1]!;
}

test("names and addresses per VPC index: namespace, transit link under 15 characters, /30 outside 169.254.169.0/24, table", () => {
  assert.equal(vpcNamespace("hive-1a2b", 3), "hive-1a2b-v3");
  assert.ok(transitLink("hive-1a2b", 10000).length <= 15);
  assert.match(transitLink("hive-1a2b", 3), /^hvx[0-9a-f]{4}-3$/);
  assert.notEqual(transitLink("hive-1a2b", 3), transitLink("hive-9999", 3), "scopes keep apart in one namespace");
  assert.deepEqual(transitAddresses(1), { network: "169.254.0.4", host: "169.254.0.5", ns: "169.254.0.6", prefix: 30 });
  const seen = new Set<string>();
  for (let i = 1; i <= 10000; i++) {
    const t = transitAddresses(i);
    assert.ok(!t.network.startsWith("169.254.169."), `index ${i} avoids the metadata block`);
    assert.ok(!seen.has(t.network));
    seen.add(t.network);
  }
  assert.equal(policyTable(3), 1003);
  assert.deepEqual(netnsExecPrefix("hive-1a2b-v3"), ["nsenter", "--net=/run/netns/hive-1a2b-v3", "--"]);
  assert.throws(() => vpcNamespace("Hive", 1), /scope/);
  assert.throws(() => vpcNamespace("hive", 0), /index is 1 to 10000/);
});

test("the ruleset replaces the table atomically and guards each port by MAC and address", () => {
  const r = vpcRuleset(plan([], [port("hvt-a", "10.0.1.4", [], { mac: "52:54:00:aa:bb:cc" }), port("hvt-b", "10.0.2.4", [], { sourceDestCheck: false })]));
  assert.deepEqual(r.split("\n").slice(0, 3), ["add table inet vpc", "delete table inet vpc", "table inet vpc {"]);
  assert.match(block(r, "chain", "guard-hvt-a"), /ether saddr != 52:54:00:aa:bb:cc drop\n.*ipv6 drop\n\s+ip saddr != 10\.0\.1\.4 drop/);
  assert.doesNotMatch(block(r, "chain", "guard-hvt-b"), /ip saddr/, "no source check on a port without source/destination check");
  assert.match(block(r, "chain", "guard-hvt-b"), /ether saddr != 52:54:00:00:00:01 drop/, "its MAC is still checked");
  assert.match(block(r, "chain", "prerouting"), /iifname vmap @guard\n\s+iifname != \{ "lo", "uplink" \} drop/, "an unknown interface passes nothing");
  const arp = r.slice(r.indexOf("table arp vpc {"));
  assert.match(r, /add table arp vpc\ndelete table arp vpc\ntable arp vpc \{/, "ARP has its own table, replaced in the same transaction");
  assert.match(arp, /chain guard-hvt-a \{\n\s+arp saddr ether != 52:54:00:aa:bb:cc drop\n\s+arp saddr ip != \{ 10\.0\.1\.4, 0\.0\.0\.0 \} drop/);
  assert.match(arp, /iifname vmap @guard\n\s+iifname != "uplink" drop/);
});

test("a port without groups passes nothing in and nothing out", () => {
  const r = vpcRuleset(plan([], [port("hvt-a", "10.0.1.4", [])]));
  assert.equal(block(r, "chain", "in-hvt-a").trim(), "drop");
  assert.equal(block(r, "chain", "out-hvt-a").trim(), "drop");
  assert.match(block(r, "map", "ingress"), /"hvt-a" : jump in-hvt-a/);
  assert.match(block(r, "map", "egress"), /"hvt-a" : jump out-hvt-a/);
});

test("a rule's port and CIDR land in its group's set, looked up from each member port's chain", () => {
  const web: GroupPlan = { id: "sg-web", ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["0.0.0.0/0"], groupIds: [] }, { protocol: "udp", fromPort: 5000, toPort: 5100, cidrs: ["192.0.2.0/24"], groupIds: [] }], egress: [{ protocol: "all", cidrs: ["0.0.0.0/0"], groupIds: [] }] };
  const r = vpcRuleset(plan([web], [port("hvt-a", "10.0.1.4", ["sg-web"])]));
  assert.match(block(r, "set", "in-sg-web-tcp"), /type ipv4_addr \. inet_service; flags interval; elements = \{ 0\.0\.0\.0-255\.255\.255\.255 \. 22 \}/);
  assert.match(block(r, "set", "in-sg-web-udp"), /192\.0\.2\.0-192\.0\.2\.255 \. 5000-5100/);
  assert.match(block(r, "set", "out-sg-web-all"), /elements = \{ 0\.0\.0\.0-255\.255\.255\.255 \}/);
  const inChain = block(r, "chain", "in-hvt-a");
  assert.match(inChain, /meta l4proto tcp ip saddr \. tcp dport @in-sg-web-tcp accept/);
  assert.match(inChain, /meta l4proto udp ip saddr \. udp dport @in-sg-web-udp accept/);
  assert.match(inChain, /drop\s*$/);
  assert.match(block(r, "chain", "out-hvt-a"), /ip daddr @out-sg-web-all return/, "an allowed egress returns, so the destination's ingress still runs");
});

test("protocol numbers, ICMP type/code with -1 for any, and 'all'", () => {
  const g: GroupPlan = {
    id: "sg-x",
    ingress: [
      { protocol: "icmp", fromPort: 8, toPort: -1, cidrs: ["10.0.0.0/16"], groupIds: [] },
      { protocol: "icmp", fromPort: 3, toPort: 4, cidrs: ["10.0.0.0/16"], groupIds: [] },
      { protocol: 1, fromPort: -1, toPort: 9, cidrs: ["10.1.0.0/16"], groupIds: [] },
      { protocol: 47, cidrs: ["10.2.0.0/16"], groupIds: [] },
      { protocol: 6, fromPort: 80, toPort: 80, cidrs: ["10.3.0.0/16"], groupIds: [] },
      { protocol: -1, cidrs: ["10.4.0.0/16"], groupIds: [] },
    ],
    egress: [],
  };
  const r = vpcRuleset(plan([g], [port("hvt-a", "10.0.1.4", ["sg-x"])]));
  const icmp = block(r, "set", "in-sg-x-icmp");
  assert.match(icmp, /10\.0\.0\.0-10\.0\.255\.255 \. 3 \. 4/);
  assert.match(icmp, /10\.0\.0\.0-10\.0\.255\.255 \. 8 \. 0-255/);
  assert.match(icmp, /10\.1\.0\.0-10\.1\.255\.255 \. 0-255 \. 0-255/, "type -1 means every type and code");
  assert.match(block(r, "set", "in-sg-x-proto"), /10\.2\.0\.0-10\.2\.255\.255 \. 47/);
  assert.match(block(r, "set", "in-sg-x-tcp"), /10\.3\.0\.0-10\.3\.255\.255 \. 80/, "protocol 6 is tcp");
  assert.match(block(r, "set", "in-sg-x-all"), /10\.4\.0\.0-10\.4\.255\.255/, "protocol -1 is all");
  assert.match(block(r, "chain", "in-hvt-a"), /meta l4proto icmp ip saddr \. icmp type \. icmp code @in-sg-x-icmp accept/);
  assert.match(block(r, "chain", "in-hvt-a"), /ip saddr \. meta l4proto @in-sg-x-proto accept/);
});

test("a group reference expands to the member ports' addresses in the plan, and only those", () => {
  const web: GroupPlan = { id: "sg-web", ingress: [], egress: [] };
  const db: GroupPlan = { id: "sg-db", ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrs: [], groupIds: ["sg-web"] }], egress: [] };
  const r = vpcRuleset(plan([web, db], [port("hvt-w1", "10.0.1.4", ["sg-web"]), port("hvt-w2", "10.0.1.5", ["sg-web"]), port("hvt-db", "10.0.2.4", ["sg-db"]), port("hvt-o", "10.0.2.9", [])]));
  assert.match(block(r, "set", "in-sg-db-tcp"), /elements = \{ 10\.0\.1\.4-10\.0\.1\.5 \. 5432 \}/, "neighbouring members merge into one range");
  assert.doesNotMatch(block(r, "set", "in-sg-db-tcp"), /10\.0\.2\.9/);
  // A referenced group with no members yet: no set, nothing let in.
  const empty = vpcRuleset(plan([web, db], [port("hvt-db", "10.0.2.4", ["sg-db"])]));
  assert.doesNotMatch(empty, /in-sg-db-tcp/);
  assert.equal(block(empty, "chain", "in-hvt-db").trim(), "drop");
});

test("overlapping rules become disjoint set elements (nft refuses overlaps)", () => {
  assert.deepEqual(disjointBoxes([[[0, 99], [22, 22]], [[10, 19], [22, 22]], [[10, 19], [80, 80]]]), [
    [[0, 9], [22, 22]],
    [[10, 19], [22, 22]],
    [[10, 19], [80, 80]],
    [[20, 99], [22, 22]],
  ]);
  assert.deepEqual(disjointBoxes([[[0, 9]], [[5, 20]], [[21, 30]]]), [[[0, 30]]]);
  const g: GroupPlan = { id: "sg", ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["0.0.0.0/0", "10.0.0.0/16"], groupIds: [] }], egress: [] };
  assert.match(block(vpcRuleset(plan([g], [port("hvt-a", "10.0.1.4", ["sg"])])), "set", "in-sg-tcp"), /elements = \{ 0\.0\.0\.0-255\.255\.255\.255 \. 22 \}/);
});

test("1,000 rules stay in a handful of set lookups per port", () => {
  const rules = Array.from({ length: 1000 }, (_, i) => ({ protocol: "tcp" as const, fromPort: 10000 + i, toPort: 10000 + i, cidrs: [`192.168.${i >> 8}.${i & 255}/32`], groupIds: [] }));
  const r = vpcRuleset(plan([{ id: "sg-big", ingress: rules, egress: [] }], [port("hvt-a", "10.0.1.4", ["sg-big"])]));
  assert.equal(block(r, "set", "in-sg-big-tcp").split(",").length, 1000);
  assert.equal(block(r, "chain", "in-hvt-a").trim().split("\n").length, 2, "one lookup and the drop");
});

test("metadata, DNS, hop limits, the internet gateway and Elastic IPs", () => {
  const r = vpcRuleset(plan([], [port("hvt-a", "10.0.1.4", [], { publicIp: "203.0.113.7", hopLimit: 2 }), port("hvt-b", "10.0.2.4", [])]));
  const t = transitAddresses(7);
  assert.match(block(r, "chain", "nat-prerouting"), new RegExp(`ip daddr 169\\.254\\.169\\.254 tcp dport 80 dnat ip to ${t.host.replace(/\./g, "\\.")}:80`));
  assert.match(block(r, "chain", "forward"), /ct original ip daddr 169\.254\.169\.254 accept\n\s+iifname vmap @egress/, "metadata before the egress check");
  assert.match(block(r, "chain", "input"), /ip daddr \{ 10\.0\.0\.2, 169\.254\.169\.253 \} meta l4proto \{ tcp, udp \} th dport 53 accept\n\s+iifname vmap @egress/, "DNS before the egress check");
  assert.match(block(r, "chain", "imds-mark"), /@ih,0,32 0x50555420 ct mark set/);
  assert.match(block(r, "map", "hop-limit"), /"hvt-a" : jump ttl-2, "hvt-b" : jump ttl-1/);
  assert.match(block(r, "chain", "ttl-2"), /ip ttl set 2 accept/);
  assert.match(block(r, "set", "internet"), /elements = \{ 10\.0\.1\.0-10\.0\.1\.255 \}/, "only the subnet routed to the gateway");
  assert.match(block(r, "chain", "forward"), /oifname "uplink" ip saddr != @internet drop/);
  assert.match(block(r, "chain", "nat-postrouting"), new RegExp(`ct status dnat accept\n.*snat ip to ip saddr map @eip-out\n.*ip saddr @internet snat ip to ${t.ns.replace(/\./g, "\\.")}`));
  assert.match(block(r, "map", "eip-in"), /203\.0\.113\.7 : 10\.0\.1\.4/);
  assert.match(block(r, "map", "eip-out"), /10\.0\.1\.4 : 203\.0\.113\.7/);
});

test("a plan the data plane cannot honour is refused, naming what is wrong", () => {
  const ok = plan([], [port("hvt-a", "10.0.1.4", [])]);
  assert.doesNotThrow(() => checkVpcPlan(ok));
  assert.throws(() => checkVpcPlan({ ...ok, ports: [port("hvt-a", "10.0.1.4", ["sg-nope"])] }), /in group sg-nope, which the plan lacks/);
  assert.throws(() => checkVpcPlan({ ...ok, ports: [port("uplink", "10.0.1.4", [])] }), /not a usable port name/);
  assert.throws(() => checkVpcPlan({ ...ok, ports: [port("a-very-long-port-name", "10.0.1.4", [])] }), /not a usable port name/);
  assert.throws(() => checkVpcPlan({ ...ok, ports: [port("hvt-a", "10.0.1.4", [], { hopLimit: 65 })] }), /hop limit is 1 to 64/);
  assert.throws(() => vpcRuleset({ ...ok, groups: [{ id: "sg", ingress: [{ protocol: "tcp", cidrs: ["10.0.0.1/16"], groupIds: [] }], egress: [] }] }), /host bits set/);
});

test("the host table drops forwarding between transit links and new connections into them except to Elastic IPs", () => {
  const r = hostRuleset("hive-1a2b");
  const links = `"${transitLink("hive-1a2b", 1).replace(/\d+$/, "")}*"`;
  assert.match(r, /^table inet hive-1a2b-vpc \{/);
  assert.ok(r.includes(`forward iifname ${links} oifname ${links} drop`));
  assert.ok(r.includes(`forward oifname . ip daddr @eips accept\nadd rule inet hive-1a2b-vpc forward oifname ${links} drop`));
  assert.ok(r.includes(`postrouting iifname ${links} oifname != ${links} ip saddr 169.254.0.0/16 masquerade`));
  assert.doesNotMatch(r, /delete table/, "a restart keeps the Elastic IPs set");
});
