// What the data plane and RunInstances ask of a subnet: its route table, whether it reaches the internet, and a free
// private address (AWS keeps five of each subnet: network, router +1, DNS +2, +3 and broadcast).

import { HiveError, invalidParameter } from "../../errors/index.ts";
import { broadcastOf, contains, formatIpv4, parseCidr, parseIpv4 } from "../../net/index.ts";
import type { RouteTableRecord, SubnetRecord } from "../../store/index.ts";
import { noSuch, type VpcStore } from "./common.ts";

/** Addresses AWS reserves in every subnet. */
export const RESERVED_PER_SUBNET = 5;

/** The subnet's route table: its explicit association, else its VPC's main table. */
export function subnetRouteTable(store: VpcStore, subnetId: string): RouteTableRecord | undefined {
  const subnet = store.subnets.get(subnetId);
  if (!subnet) return undefined;
  const associations = store.routeTables.associations();
  const explicit = associations.find((a) => a.subnetId === subnetId);
  if (explicit) return store.routeTables.get(explicit.routeTableId);
  const tables = new Set(store.routeTables.forVpc(subnet.vpcId).map((t) => t.id));
  const main = associations.find((a) => a.main && tables.has(a.routeTableId));
  return main ? store.routeTables.get(main.routeTableId) : undefined;
}

/** True when the subnet's route table sends 0.0.0.0/0 to an internet gateway attached to its VPC. */
export function subnetHasInternet(store: VpcStore, subnetId: string): boolean {
  const table = subnetRouteTable(store, subnetId);
  if (!table) return false;
  const route = store.routeTables.routes(table.id).find((r) => r.destination === "0.0.0.0/0");
  if (!route || !route.gatewayId.startsWith("igw-")) return false;
  return store.routeTables.internetGateways.get(route.gatewayId)?.vpcId === table.vpcId;
}

/** Addresses of the subnet no interface holds, after AWS's five reserved ones. */
export function availableAddressCount(store: VpcStore, subnet: SubnetRecord): number {
  const size = 2 ** (32 - parseCidr(subnet.cidr).prefix);
  return Math.max(0, size - RESERVED_PER_SUBNET - store.networkInterfaces.forSubnet(subnet.id).length);
}

const reserved = (network: number, broadcast: number, n: number): boolean => n - network <= 3 || n === broadcast;

/**
 * A private address for a new interface in the subnet: `wanted` once checked (in the subnet, not reserved, not held),
 * or the lowest free one. The errors are AWS's: InvalidParameterValue, InvalidIPAddress.InUse,
 * InsufficientFreeAddressesInSubnet.
 */
export function allocateAddress(store: VpcStore, subnetId: string, wanted?: string): string {
  const subnet = store.subnets.get(subnetId);
  if (!subnet) throw noSuch("subnet", "subnet", subnetId, "SubnetId");
  const net = parseCidr(subnet.cidr);
  const broadcast = broadcastOf(net);
  const used = new Set(store.networkInterfaces.forSubnet(subnetId).map((i) => parseIpv4(i.privateIp)));
  if (wanted !== undefined) {
    const n = parseIpv4(wanted);
    if (n === undefined) throw invalidParameter("PrivateIpAddress", `Value (${wanted}) for parameter privateIpAddress is invalid. Invalid format.`);
    if (!contains(net, n)) throw invalidParameter("PrivateIpAddress", `Address does not fall within the subnet's address range`);
    if (reserved(net.network, broadcast, n)) throw invalidParameter("PrivateIpAddress", `Address ${wanted} is in subnet's reserved address range`);
    if (used.has(n)) throw new HiveError({ kind: "Conflict", resource: "ip-address", param: "PrivateIpAddress", message: `Address ${wanted} is in use.` });
    return formatIpv4(n);
  }
  for (let n = net.network + 4; n < broadcast; n++) if (!used.has(n)) return formatIpv4(n);
  throw new HiveError({
    kind: "InvalidParameter",
    resource: "subnet-full",
    param: "SubnetId",
    message: `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of instances.`,
  });
}
