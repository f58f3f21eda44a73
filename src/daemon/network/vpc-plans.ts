// This box's share of the region's network, read from the store as one plan per VPC: the subnets, the ports of the
// guests this box runs, the security groups with their rules, and whether the host routes the VPC's blocks.

import type { InstanceStateName, NetworkInterfaceRecord, Store, VpcRecord } from "../../store/index.ts";
import { blockOf, formatIpv4, overlaps, parseCidr, parseIpv4, tapNameFor, vpcNamespace, type Cidr, type PortPlan, type VpcPlan } from "../../net/index.ts";
import { rulesForDataPlane } from "../security-groups/index.ts";
import { subnetHasInternet } from "../vpc/index.ts";
import type { DaemonContext } from "../shared/index.ts";

/** Instances whose port exists: from launch until their termination is complete. */
export const PORT_STATES: InstanceStateName[] = ["pending", "running", "stopping", "shutting-down"];
/** EC2's default HttpPutResponseHopLimit. */
const DEFAULT_HOP_LIMIT = 1;

/** The address at `offset` from a block's network address (base+1 is the router, base+2 the DNS). */
export const addressInBlock = (cidr: string, offset: number): string => formatIpv4(parseCidr(cidr).network + offset);

/** The primary interfaces of this box's guests that have a port now, by VPC. */
function localPorts(ctx: DaemonContext, store: Store): Map<string, { eni: NetworkInterfaceRecord; hopLimit: number }[]> {
  const byVpc = new Map<string, { eni: NetworkInterfaceRecord; hopLimit: number }[]>();
  for (const inst of store.instances.inStates(PORT_STATES)) {
    if (inst.node !== ctx.node) continue;
    const eni = store.networkInterfaces.forInstance(inst.id).find((e) => e.deviceIndex === 0);
    if (!eni) continue;
    const list = byVpc.get(eni.vpcId) ?? [];
    list.push({ eni, hopLimit: inst.metadataHopLimit ?? DEFAULT_HOP_LIMIT });
    byVpc.set(eni.vpcId, list);
  }
  return byVpc;
}

/**
 * The VPCs this box has guests in (`also`: and these, e.g. one a launch is about to join), each with whether the host
 * routes its blocks: the first VPC (by index) to hold a block gets it, so overlapping VPCs never shadow each other,
 * and none gets a block that overlaps a route the host has (`hostRoutes`).
 */
export function vpcPlans(ctx: DaemonContext, store: Store, scope: string, also: string[] = [], hostRoutes: string[] = []): VpcPlan[] {
  const ports = localPorts(ctx, store);
  const vpcs = store.vpcs
    .list()
    .filter((v) => ports.has(v.id) || also.includes(v.id))
    .sort((a, b) => a.netIndex - b.netIndex);
  const claimed: Cidr[] = hostRoutes.flatMap((r) => {
    const [addr, len] = r.split("/");
    const n = parseIpv4(addr!);
    return n === undefined ? [] : [blockOf(n, Number(len))];
  });
  return vpcs.map((vpc) => {
    const cidrs = store.vpcs.cidrBlocks(vpc.id).map((b) => b.cidr);
    const blocks = cidrs.map(parseCidr);
    const hostRoute = !blocks.some((b) => claimed.some((c) => overlaps(b, c)));
    if (hostRoute) claimed.push(...blocks);
    return planOf(ctx, store, scope, vpc, cidrs, ports.get(vpc.id) ?? [], hostRoute);
  });
}

function planOf(
  ctx: DaemonContext,
  store: Store,
  scope: string,
  vpc: VpcRecord,
  cidrs: string[],
  ports: { eni: NetworkInterfaceRecord; hopLimit: number }[],
  hostRoute: boolean,
): VpcPlan {
  const groupsOf = store.networkInterfaces.groups(ports.map((p) => p.eni.id));
  const publicIps = new Map(store.networkInterfaces.addresses.list().flatMap((a) => (a.networkInterfaceId ? [[a.networkInterfaceId, a.publicIp] as const] : [])));
  return {
    vpcId: vpc.id,
    index: vpc.netIndex,
    namespace: vpcNamespace(scope, vpc.netIndex),
    cidrs,
    ...(vpc.dnsSupport ? { dnsIp: addressInBlock(vpc.cidr, 2) } : {}),
    subnets: store.subnets.forVpc(vpc.id).map((s) => ({ id: s.id, cidr: s.cidr, gateway: addressInBlock(s.cidr, 1), internet: subnetHasInternet(store, s.id) })),
    ports: ports.map(({ eni, hopLimit }): PortPlan => ({
      name: tapNameFor(eni.instanceId!),
      subnetId: eni.subnetId,
      mac: eni.mac,
      ip: eni.privateIp,
      groupIds: groupsOf.get(eni.id) ?? [],
      hopLimit,
      ...(publicIps.has(eni.id) ? { publicIp: publicIps.get(eni.id)! } : {}),
      sourceDestCheck: eni.sourceDestCheck,
    })),
    groups: rulesForDataPlane(store, vpc.id),
    hostRoute,
  };
}
