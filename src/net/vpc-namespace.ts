// Each VPC's router: a named network namespace joined to the host by a transit veth, with the subnets' gateways on its
// lo, a routed point-to-point link per guest port, and its nftables table; applied idempotently from a VpcPlan.
import fs from "node:fs";
import { HiveError, invalidParameter } from "../errors/index.ts";
import { ipJson, linkExists, run } from "./exec.ts";
import { formatCidr, parseCidr } from "./ipv4.ts";
import { hostTableExists, removeHostTable, syncElasticIps } from "./vpc-host.ts";
import {
  checkScope,
  checkVpcPlan,
  IFNAME_RE,
  netnsExecPrefix,
  policyTable,
  transitAddresses,
  transitLink,
  transitPrefix,
  UPLINK,
  VPC_DNS_IP,
  vpcNamespace,
  type PortPlan,
  type VpcPlan,
} from "./vpc-plan.ts";
import { vpcRuleset } from "./vpc-rules.ts";

const NETNS_DIR = "/run/netns";
type Log = (line: string) => void;

interface IpAddr {
  ifname: string;
  addr_info?: { family: string; local: string; prefixlen: number }[];
}
interface IpRoute {
  dst: string;
  dev?: string;
  type?: string;
  gateway?: string;
  protocol?: string;
}
interface IpRule {
  priority: number;
  src?: string;
  table?: string;
}

/** `ip -n <ns> …`, and any other command run inside the namespace (nft, sysctl) through nsenter. */
const ipIn = (ns: string, args: string[]) => run("ip", ["-n", ns, ...args]);
const ipJsonIn = <T>(ns: string, args: string[]) => ipJson<T>(["-n", ns, ...args]);
const inNs = (ns: string, cmd: string, args: string[], input?: string) => run(netnsExecPrefix(ns)[0]!, [...netnsExecPrefix(ns).slice(1), cmd, ...args], input);

/**
 * sysctl keys with slashes, so that interface names holding dots stay one component; -e: a kernel without IPv6 has no
 * disable_ipv6 to set (a wrong value for a key that exists still fails).
 */
const sysctlIn = (ns: string, settings: Record<string, string | number>) =>
  inNs(ns, "sysctl", ["-q", "-e", "-w", ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);

const portSysctls = (name: string): Record<string, number> => ({
  // The router answers ARP for every address it routes elsewhere (the gateway, the other guests), at once.
  [`net/ipv4/conf/${name}/proxy_arp`]: 1,
  [`net/ipv4/neigh/${name}/proxy_delay`]: 0,
  [`net/ipv4/conf/${name}/rp_filter`]: 0,
  [`net/ipv6/conf/${name}/disable_ipv6`]: 1,
});

const namespaceExists = (ns: string): boolean => fs.existsSync(`${NETNS_DIR}/${ns}`);

async function linkExistsIn(ns: string, name: string): Promise<boolean> {
  return (await ipJsonIn<{ ifname: string }>(ns, ["link", "show"])).some((l) => l.ifname === name);
}

/** The scope a plan's namespace belongs to (`<scope>-v<index>`). */
function scopeOf(plan: VpcPlan): string {
  const suffix = `-v${plan.index}`;
  const scope = plan.namespace.endsWith(suffix) ? plan.namespace.slice(0, -suffix.length) : "";
  checkScope(scope);
  if (vpcNamespace(scope, plan.index) !== plan.namespace) throw invalidParameter("namespace", `a VPC's namespace is <scope>-v<index>, not ${plan.namespace}`);
  return scope;
}

/** Runs `ip` commands (one per line) as one process: a VPC apply is dozens of them, and each spawn costs. */
const ipBatch = (prefix: string[], lines: string[]): Promise<string> | undefined => (lines.length ? run("ip", [...prefix, "-batch", "-"], lines.join("\n") + "\n") : undefined);

/** The `ip` commands that make a port's link usable: up, and the guest's address routed to it. */
const portCommands = (port: PortPlan): string[] => [`link set dev ${port.name} up`, `route replace ${port.ip}/32 dev ${port.name}`];

/** Creates the namespace and the transit pair when missing; a host side whose peer is gone is made again. */
async function ensureTransit(scope: string, plan: VpcPlan, log: Log): Promise<Set<string>> {
  const ns = plan.namespace;
  const link = transitLink(scope, plan.index);
  if (!namespaceExists(ns)) {
    await run("ip", ["netns", "add", ns]);
    log(`namespace ${ns} created`);
  }
  let [links, hostSide] = await Promise.all([linksIn(ns), linkExists(link)]);
  if (hostSide && !links.has(UPLINK)) {
    // Its peer went with an older namespace of the same name: start the pair again.
    await run("ip", ["link", "del", "dev", link]);
    hostSide = false;
  }
  if (!hostSide) {
    await run("ip", ["link", "add", "name", link, "type", "veth", "peer", "name", UPLINK, "netns", ns]);
    log(`transit ${link} <-> ${ns}:${UPLINK} created`);
    links = await linksIn(ns);
  }
  return links;
}

const linksIn = async (ns: string): Promise<Set<string>> => new Set((await ipJsonIn<{ ifname: string }>(ns, ["link", "show"])).map((l) => l.ifname));

/**
 * The namespace's addresses and routes: the transit address and default route, exactly the subnets' gateways and the
 * DNS addresses on lo, each present port's /32, and the VPC's CIDRs unreachable otherwise (never out by the uplink).
 */
async function syncNamespace(plan: VpcPlan, links: Set<string>, log: Log): Promise<void> {
  const ns = plan.namespace;
  const t = transitAddresses(plan.index);
  const present = plan.ports.filter((p) => links.has(p.name));
  const loWanted = new Set([...plan.subnets.map((s) => `${s.gateway}/32`), ...(plan.dnsIp ? [`${plan.dnsIp}/32`] : []), `${VPC_DNS_IP}/32`]);
  const cidrs = plan.cidrs.map((c) => formatCidr(parseCidr(c)));
  const portRoutes = new Set(present.map((p) => `${p.ip}|${p.name}`));
  const [lo, routes] = await Promise.all([ipJsonIn<IpAddr>(ns, ["-4", "addr", "show", "dev", "lo"]), ipJsonIn<IpRoute>(ns, ["-4", "route", "show", "table", "main"])]);
  const removals: string[] = [];
  for (const a of lo[0]?.addr_info ?? []) {
    const have = `${a.local}/${a.prefixlen}`;
    if (a.family === "inet" && !a.local.startsWith("127.") && !loWanted.has(have)) removals.push(`addr del ${have} dev lo`);
  }
  for (const r of routes) {
    if (r.type === "unreachable" && !cidrs.includes(r.dst)) removals.push(`route del unreachable ${r.dst}`);
    else if (!r.dst.includes("/") && r.dst !== "default" && r.dev && r.dev !== UPLINK && r.dev !== "lo" && !portRoutes.has(`${r.dst}|${r.dev}`)) {
      removals.push(`route del ${r.dst}/32 dev ${r.dev}`);
      log(`removing the route to ${r.dst} via ${r.dev} in ${ns}`);
    }
  }
  await ipBatch(["-n", ns], [
    ...removals,
    `addr replace ${t.ns}/${t.prefix} dev ${UPLINK}`,
    `link set dev ${UPLINK} up`,
    "link set dev lo up",
    `route replace default via ${t.host} dev ${UPLINK}`,
    ...[...loWanted].map((a) => `addr replace ${a} dev lo`),
    ...cidrs.map((c) => `route replace unreachable ${c}`),
    ...present.flatMap(portCommands),
  ]);
}

/**
 * The host's side: the transit address, routes to the VPC (its CIDRs when hostRoute, its Elastic IPs), and the policy
 * route that takes replies from the host-side transit address (the metadata service) back to this VPC, whatever its
 * guests' addresses.
 */
async function syncHost(scope: string, plan: VpcPlan): Promise<void> {
  const link = transitLink(scope, plan.index);
  const t = transitAddresses(plan.index);
  const table = String(policyTable(plan.index));
  const wanted = [...(plan.hostRoute ? plan.cidrs.map((c) => formatCidr(parseCidr(c))) : []), ...plan.ports.flatMap((p) => (p.publicIp ? [p.publicIp] : []))];
  const keep = new Set(wanted.map((d) => d.replace(/\/32$/, "")));
  const [routes, rules] = await Promise.all([ipJson<IpRoute>(["-4", "route", "show", "dev", link]), ipJson<IpRule>(["-4", "rule", "show"])]);
  await ipBatch([], [
    ...routes.filter((r) => r.protocol !== "kernel" && r.gateway === t.ns && !keep.has(r.dst)).map((r) => `route del ${r.dst} dev ${link}`),
    `addr replace ${t.host}/${t.prefix} dev ${link}`,
    `link set dev ${link} up`,
    ...wanted.map((dst) => `route replace ${dst} via ${t.ns} dev ${link}`),
    `route replace default via ${t.ns} dev ${link} table ${table}`,
    ...(rules.some((r) => r.priority === Number(table) && r.src === t.host && r.table === table) ? [] : [`rule add from ${t.host}/32 lookup ${table} pref ${table}`]),
  ]);
}

export interface ApplyOptions {
  log?: Log;
}

/**
 * Makes a VPC's router match its plan: namespace, transit link, sysctls, ruleset, gateway and DNS addresses, routes for
 * the ports whose links exist, host routes, the policy route for metadata replies and Elastic IPs. Idempotent; what
 * the plan no longer has (subnets' addresses, ports' routes, Elastic IPs) is removed. The ruleset is loaded before any
 * new route, so a port is guarded before it is reachable, and first of all in a namespace that exists, so a rule change
 * is enforced after one nft run. Needs setupVpcHost first.
 */
export async function applyVpc(plan: VpcPlan, opts: ApplyOptions = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const scope = scopeOf(plan);
  const ruleset = vpcRuleset(plan);
  // A rule change is enforced once nft returns: in a namespace that exists, the ruleset goes first, beside the check.
  const existing = namespaceExists(plan.namespace);
  const load = () => inNs(plan.namespace, "nft", ["-f", "-"], ruleset);
  const [hostReady] = await Promise.all([hostTableExists(scope), existing ? load() : undefined]);
  if (!hostReady) {
    throw new HiveError({ kind: "InvalidState", resource: "network", message: `the VPC host table of ${scope} is missing: run setupVpcHost before applyVpc` });
  }
  const links = await ensureTransit(scope, plan, log);
  if (!existing) await load();
  await sysctlIn(plan.namespace, {
    "net/ipv4/ip_forward": 1,
    // Anti-spoofing is the ruleset's; reverse-path filtering would also drop a port without source/destination check.
    "net/ipv4/conf/all/rp_filter": 0,
    "net/ipv4/conf/default/rp_filter": 0,
    [`net/ipv4/conf/${UPLINK}/rp_filter`]: 0,
    ...Object.assign({}, ...plan.ports.filter((p) => links.has(p.name)).map((p) => portSysctls(p.name))),
  });
  await Promise.all([syncNamespace(plan, links, log), syncHost(scope, plan)]);
  await syncElasticIps(scope, transitLink(scope, plan.index), plan.ports.flatMap((p) => (p.publicIp ? [p.publicIp] : [])), log);
  log(`VPC ${plan.vpcId} applied in ${plan.namespace}: ${plan.subnets.length} subnets, ${plan.ports.length} ports, ${plan.groups.length} groups`);
}

function portOf(plan: VpcPlan, name: string): PortPlan {
  const port = plan.ports.find((p) => p.name === name);
  if (!port) throw invalidParameter("name", `port ${name} is not in the plan of ${plan.vpcId}: apply a plan that has it first`);
  return port;
}

/**
 * Creates a guest's tap inside the VPC's namespace (or takes the link already there under that name) and routes the
 * guest's address to it. The plan holding the port must have been applied: until then the ruleset drops its packets.
 * QEMU must then be started inside the namespace (netnsExecPrefix) to open the tap by name.
 */
export async function createPort(plan: VpcPlan, portName: string): Promise<void> {
  checkVpcPlan(plan);
  const port = portOf(plan, portName);
  if (!namespaceExists(plan.namespace)) throw new HiveError({ kind: "InvalidState", resource: "network", message: `namespace ${plan.namespace} is missing: applyVpc first` });
  if (!(await linkExistsIn(plan.namespace, port.name))) await ipIn(plan.namespace, ["tuntap", "add", "dev", port.name, "mode", "tap"]);
  await sysctlIn(plan.namespace, portSysctls(port.name));
  await ipBatch(["-n", plan.namespace], portCommands(port));
}

/** Removes a port's link (its route goes with it); a no-op when it is gone. */
export async function deletePort(namespace: string, portName: string): Promise<void> {
  if (!IFNAME_RE.test(portName) || portName === UPLINK) throw invalidParameter("name", `not a port name: ${portName}`);
  if (namespaceExists(namespace) && (await linkExistsIn(namespace, portName))) await ipIn(namespace, ["link", "del", "dev", portName]);
}

/** The scope's VPC namespaces that exist now. */
export async function listVpcNamespaces(scope: string): Promise<{ namespace: string; index: number }[]> {
  checkScope(scope);
  const re = new RegExp(`^${scope.replace(/-/g, "\\-")}-v(\\d+)$`);
  const names = fs.existsSync(NETNS_DIR) ? fs.readdirSync(NETNS_DIR) : [];
  return names.flatMap((n) => {
    const m = re.exec(n);
    return m && vpcNamespace(scope, Number(m[1])) === n ? [{ namespace: n, index: Number(m[1]) }] : [];
  }).sort((a, b) => a.index - b.index);
}

/** Removes a VPC's router: its Elastic IPs, policy rule and table, transit link (with its host routes) and namespace. */
export async function removeVpc(scope: string, index: number, opts: ApplyOptions = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const ns = vpcNamespace(scope, index);
  const link = transitLink(scope, index);
  const t = transitAddresses(index);
  const table = String(policyTable(index));
  if (await hostTableExists(scope)) await syncElasticIps(scope, link, [], log);
  for (const r of await ipJson<IpRule>(["-4", "rule", "show"])) {
    if (r.src === t.host && r.table === table) await run("ip", ["rule", "del", "from", `${t.host}/32`, "lookup", table, "pref", String(r.priority)]);
  }
  await run("ip", ["route", "flush", "table", table]).catch(() => {}); // an empty table is "not found" to some iproute2 versions
  if (await linkExists(link)) await run("ip", ["link", "del", "dev", link]);
  if (namespaceExists(ns)) await run("ip", ["netns", "del", ns]);
  log(`VPC namespace ${ns} removed`);
}

/** Removes everything of the scope: every VPC namespace (and what hangs from it on the host) and the host table. */
export async function teardownVpcHost(scope: string, opts: ApplyOptions = {}): Promise<void> {
  checkScope(scope);
  const indices = new Set((await listVpcNamespaces(scope)).map((v) => v.index));
  // A transit link whose namespace is gone still names its VPC.
  const prefix = transitPrefix(scope);
  for (const l of await ipJson<{ ifname: string }>(["link", "show"])) {
    const m = l.ifname.startsWith(prefix) ? /^(\d+)$/.exec(l.ifname.slice(prefix.length)) : null;
    if (m) indices.add(Number(m[1]));
  }
  for (const index of [...indices].sort((a, b) => a - b)) await removeVpc(scope, index, opts);
  await removeHostTable(scope);
  (opts.log ?? (() => {}))(`VPC data plane of ${scope} removed`);
}
