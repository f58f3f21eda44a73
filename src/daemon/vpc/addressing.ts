// What the data plane asks of a subnet: its route table and whether it reaches the internet; and how many of its
// addresses are free (AWS keeps five of each subnet: network, router +1, DNS +2, +3 and broadcast; the interfaces'
// addresses are handed out in daemon/network-interfaces).

import { parseCidr } from "../../net/index.ts";
import type { RouteTableRecord, SubnetRecord } from "../../store/index.ts";
import type { VpcStore } from "./common.ts";

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
