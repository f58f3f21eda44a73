// What the daemon hands the VPC data plane (one plan per VPC, built from the store), and the names and addresses derived
// from a VPC's index: its namespace, its transit link and /30, its policy-routing table.
import { createHash } from "node:crypto";
import { invalidParameter } from "../errors/index.ts";
import { formatIpv4, parseIpv4 } from "./ipv4.ts";

/** One security-group rule, with group references still by id (the renderer expands them to members' addresses). */
export interface RulePlan {
  protocol: "all" | "tcp" | "udp" | "icmp" | number;
  /** tcp/udp: the first port of the range; icmp: the type (-1 = any). */
  fromPort?: number;
  /** tcp/udp: the last port of the range; icmp: the code (-1 = any). */
  toPort?: number;
  cidrs: string[];
  groupIds: string[];
}

export interface GroupPlan {
  id: string;
  ingress: RulePlan[];
  egress: RulePlan[];
}

export interface SubnetPlan {
  id: string;
  cidr: string;
  /** The VPC router's address in the subnet (base+1). */
  gateway: string;
  /** Whether the subnet's route table sends 0.0.0.0/0 to an attached internet gateway. */
  internet: boolean;
}

export interface PortPlan {
  /** The interface's name inside the VPC namespace (the tap QEMU opens), at most 15 characters. */
  name: string;
  subnetId: string;
  mac: string;
  ip: string;
  groupIds: string[];
  /** HttpPutResponseHopLimit: the TTL token responses reach the guest with (1–64). */
  hopLimit: number;
  /** An Elastic IP mapped 1:1 to `ip`. */
  publicIp?: string;
  /** false: the port may send from addresses other than its own (a NAT instance); its MAC is still checked. */
  sourceDestCheck: boolean;
}

export interface VpcPlan {
  vpcId: string;
  index: number;
  namespace: string;
  cidrs: string[];
  /** AmazonProvidedDNS at base+2, when the VPC has DNS support. */
  dnsIp?: string;
  subnets: SubnetPlan[];
  ports: PortPlan[];
  groups: GroupPlan[];
  /** Whether the host routes the VPC's CIDRs to it (false when another VPC or a host route has them). */
  hostRoute: boolean;
}

/** AWS's second DNS address, reachable from every VPC. */
export const VPC_DNS_IP = "169.254.169.253";
/** The uplink's name inside every VPC namespace. */
export const UPLINK = "uplink";
export const MAX_VPC_INDEX = 10000;
/** Policy-routing tables for transit addresses are TABLE_BASE + index. */
export const TABLE_BASE = 1000;

const SCOPE_RE = /^[a-z][a-z0-9-]{0,19}$/;
export const IFNAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/;

export function checkScope(scope: string): void {
  if (!SCOPE_RE.test(scope)) throw invalidParameter("scope", `a data-plane scope is a lower-case letter then up to 19 letters, digits or dashes, not ${JSON.stringify(scope)}`);
}

export function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 1 || index > MAX_VPC_INDEX) throw invalidParameter("index", `a VPC index is 1 to ${MAX_VPC_INDEX}, not ${index}`);
}

/** `<scope>-v<index>`: named network namespaces are global to the machine (/run/netns), hence the scope. */
export function vpcNamespace(scope: string, index: number): string {
  checkScope(scope);
  checkIndex(index);
  return `${scope}-v${index}`;
}

/**
 * The prefix of a scope's transit links in the host's namespace, `hvx<4 hex of the scope>-`: two appliances in one
 * namespace keep apart, and `hvx<hash>-10000` is 14 characters, under Linux's 15.
 */
export function transitPrefix(scope: string): string {
  checkScope(scope);
  return `hvx${createHash("sha256").update(scope).digest("hex").slice(0, 4)}-`;
}

export const transitLink = (scope: string, index: number): string => {
  checkIndex(index);
  return `${transitPrefix(scope)}${index}`;
};

const LINK_LOCAL = parseIpv4("169.254.0.0")!;
const METADATA_BLOCK = parseIpv4("169.254.169.0")!;

/** The transit /30 of a VPC, from 169.254.0.0/16 and never in 169.254.169.0/24 (metadata, DNS): host side .1, namespace side .2. */
export function transitAddresses(index: number): { network: string; host: string; ns: string; prefix: 30 } {
  checkIndex(index);
  let base = LINK_LOCAL + index * 4;
  if (base >= METADATA_BLOCK) base += 256;
  return { network: formatIpv4(base), host: formatIpv4(base + 1), ns: formatIpv4(base + 2), prefix: 30 };
}

/** The routing table holding the way back to a VPC for traffic from its host-side transit address. */
export function policyTable(index: number): number {
  checkIndex(index);
  return TABLE_BASE + index;
}

/** Every guest port's name starts so. */
export const TAP_PREFIX = "hvt-";

/** hvt-<8 hex>: stable for an instance id, and short enough for Linux's 15-character interface names. */
export const tapNameFor = (instanceId: string): string => `${TAP_PREFIX}${createHash("sha256").update(instanceId).digest("hex").slice(0, 8)}`;

/** The command prefix that starts a process (QEMU) in a VPC's namespace, so `-netdev tap,ifname=…` opens the port there. */
export const netnsExecPrefix = (namespace: string): string[] => ["nsenter", `--net=/run/netns/${namespace}`, "--"];

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
const ID_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const PROTOCOLS = new Set(["all", "tcp", "udp", "icmp"]);

function checkAddress(param: string, text: string): void {
  const n = parseIpv4(text);
  if (n === undefined || n === 0) throw invalidParameter(param, `not a usable IPv4 address: ${text}`);
}

function checkRule(where: string, r: RulePlan): void {
  if (typeof r.protocol === "number" ? !Number.isInteger(r.protocol) || r.protocol < -1 || r.protocol > 255 : !PROTOCOLS.has(r.protocol)) {
    throw invalidParameter("protocol", `${where}: not a protocol: ${String(r.protocol)}`);
  }
  for (const p of [r.fromPort, r.toPort]) {
    if (p !== undefined && (!Number.isInteger(p) || p < -1 || p > 65535)) throw invalidParameter("port", `${where}: not a port, type or code: ${p}`);
  }
}

/** Refuses a plan the renderer or the namespace code could not honour exactly, naming what is wrong. */
export function checkVpcPlan(plan: VpcPlan): void {
  checkIndex(plan.index);
  const where = `VPC ${plan.vpcId}`;
  if (plan.dnsIp !== undefined) checkAddress("dnsIp", plan.dnsIp);
  const subnets = new Set<string>();
  for (const s of plan.subnets) {
    if (!ID_RE.test(s.id)) throw invalidParameter("subnetId", `${where}: not a usable subnet id: ${s.id}`);
    checkAddress("gateway", s.gateway);
    subnets.add(s.id);
  }
  const groups = new Set<string>();
  for (const g of plan.groups) {
    if (!ID_RE.test(g.id)) throw invalidParameter("groupId", `${where}: not a usable group id: ${g.id}`);
    if (groups.has(g.id)) throw invalidParameter("groupId", `${where}: group ${g.id} is listed twice`);
    groups.add(g.id);
  }
  for (const g of plan.groups) {
    for (const r of [...g.ingress, ...g.egress]) {
      checkRule(`${where} group ${g.id}`, r);
      for (const ref of r.groupIds) if (!groups.has(ref)) throw invalidParameter("groupId", `${where}: group ${g.id} refers to ${ref}, which the plan lacks`);
    }
  }
  const names = new Set<string>();
  for (const p of plan.ports) {
    if (!IFNAME_RE.test(p.name) || p.name === UPLINK || p.name === "lo") throw invalidParameter("name", `${where}: not a usable port name: ${p.name}`);
    if (names.has(p.name)) throw invalidParameter("name", `${where}: port ${p.name} is listed twice`);
    names.add(p.name);
    if (!subnets.has(p.subnetId)) throw invalidParameter("subnetId", `${where}: port ${p.name} is in ${p.subnetId}, which the plan lacks`);
    if (!MAC_RE.test(p.mac)) throw invalidParameter("mac", `${where}: port ${p.name}: not a lower-case MAC address: ${p.mac}`);
    checkAddress("ip", p.ip);
    if (p.publicIp !== undefined) checkAddress("publicIp", p.publicIp);
    if (!Number.isInteger(p.hopLimit) || p.hopLimit < 1 || p.hopLimit > 64) throw invalidParameter("hopLimit", `${where}: port ${p.name}: a hop limit is 1 to 64, not ${p.hopLimit}`);
    for (const g of p.groupIds) if (!groups.has(g)) throw invalidParameter("groupId", `${where}: port ${p.name} is in group ${g}, which the plan lacks`);
  }
}
