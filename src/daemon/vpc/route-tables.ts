// Route tables, their routes and their associations: each VPC has a main table (subnets without an explicit
// association use it); routes go to the VPC itself ("local", one per VPC block) or to its attached internet gateway.

import type {
  AssociateRouteTableRequest,
  AssociateRouteTableResult,
  CreateRouteRequest,
  CreateRouteResult,
  CreateRouteTableRequest,
  CreateRouteTableResult,
  DeleteRouteRequest,
  DeleteRouteTableRequest,
  DescribeRouteTablesRequest,
  DescribeRouteTablesResult,
  DisassociateRouteTableRequest,
  ReplaceRouteRequest,
  ReplaceRouteTableAssociationRequest,
  ReplaceRouteTableAssociationResult,
  Route,
  RouteTable,
} from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound } from "../../errors/index.ts";
import { formatCidr, overlaps, parseCidr } from "../../net/index.ts";
import type { RouteRecord, RouteTableRecord } from "../../store/index.ts";
import { applyFilters, newId, tagFilters, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import {
  alreadyAssociated,
  dependencyViolation,
  ipv4Block,
  missing,
  noSuch,
  page,
  refuseSet,
  routeTableOf,
  selected,
  specTags,
  subnetOf,
  tagList,
  vpcOf,
  type VpcStore,
} from "./common.ts";

export const routeTableNotFound = (id: string): HiveError => noSuch("route-table", "routeTable", id, "RouteTableId");
const associationNotFound = (id: string): HiveError => noSuch("route-table-association", "association", id, "AssociationId");

function routeView(store: VpcStore, table: RouteTableRecord, r: RouteRecord): Route {
  const active = r.gatewayId === "local" || store.routeTables.internetGateways.get(r.gatewayId)?.vpcId === table.vpcId;
  return { DestinationCidrBlock: r.destination, GatewayId: r.gatewayId, Origin: r.origin, State: active ? "active" : "blackhole" };
}

function view(ctx: DaemonContext, store: VpcStore, t: RouteTableRecord): RouteTable {
  return {
    Associations: store.routeTables.associations(t.id).map((a) => ({
      Main: a.main,
      RouteTableAssociationId: a.id,
      RouteTableId: t.id,
      ...(a.subnetId ? { SubnetId: a.subnetId } : {}),
      AssociationState: { State: "associated" },
    })),
    PropagatingVgws: [],
    RouteTableId: t.id,
    // Local routes first, as AWS lists them.
    Routes: store.routeTables
      .routes(t.id)
      .sort((a, b) => Number(b.gatewayId === "local") - Number(a.gatewayId === "local"))
      .map((r) => routeView(store, t, r)),
    Tags: tagList(store.tags.forResource(t.id)),
    VpcId: t.vpcId,
    OwnerId: ctx.accountId,
  };
}

export function createRouteTable(input: CreateRouteTableRequest, ctx: DaemonContext, store: VpcStore): CreateRouteTableResult {
  const vpc = vpcOf(store, input.VpcId);
  const id = newId("rtb");
  const tags = specTags(input.TagSpecifications, "route-table", id);
  const rec: RouteTableRecord = { id, vpcId: vpc.id, createdAt: new Date().toISOString() };
  store.transaction(() => {
    store.routeTables.insert(rec, tags);
    for (const b of store.vpcs.cidrBlocks(vpc.id)) store.routeTables.putRoute({ routeTableId: id, destination: b.cidr, gatewayId: "local", origin: "CreateRouteTable" });
  });
  return { RouteTable: view(ctx, store, rec) };
}

/** Refused while the table is associated (the main table always is). */
export function deleteRouteTable(input: DeleteRouteTableRequest, store: VpcStore): object {
  const table = routeTableOf(store, input.RouteTableId);
  store.transaction(() => {
    if (store.routeTables.associations(table.id).length > 0) throw dependencyViolation("routeTable", table.id);
    store.routeTables.delete(table.id);
  });
  return {};
}

const tagFields = tagFilters<RouteTable>((t) => t.Tags);
const fields: FilterFields<RouteTable> = {
  "route-table-id": (t) => t.RouteTableId,
  "vpc-id": (t) => t.VpcId,
  "owner-id": (t) => t.OwnerId,
  "association.main": (t) => t.Associations?.map((a) => a.Main),
  "association.subnet-id": (t) => t.Associations?.map((a) => a.SubnetId),
  "association.route-table-association-id": (t) => t.Associations?.map((a) => a.RouteTableAssociationId),
  "association.route-table-id": (t) => t.Associations?.map((a) => a.RouteTableId),
  "association.gateway-id": () => [],
  "route.destination-cidr-block": (t) => t.Routes?.map((r) => r.DestinationCidrBlock),
  "route.gateway-id": (t) => t.Routes?.map((r) => r.GatewayId),
  "route.origin": (t) => t.Routes?.map((r) => r.Origin),
  "route.state": (t) => t.Routes?.map((r) => r.State),
  ...tagFields.fields,
};

export function describeRouteTables(input: DescribeRouteTablesRequest, ctx: DaemonContext, store: VpcStore): DescribeRouteTablesResult {
  const records = selected(store.routeTables.list(), input.RouteTableIds, "rtb", "RouteTableId", routeTableNotFound);
  const views = records.map((t) => view(ctx, store, t));
  const { items, NextToken } = page(applyFilters(views, input.Filters, fields, tagFields.dynamic), (t) => t.RouteTableId!, input, { min: 5, max: 100 });
  return { RouteTables: items, ...(NextToken ? { NextToken } : {}) };
}

const OTHER_TARGETS = [
  "DestinationIpv6CidrBlock",
  "DestinationPrefixListId",
  "VpcEndpointId",
  "EgressOnlyInternetGatewayId",
  "InstanceId",
  "NatGatewayId",
  "TransitGatewayId",
  "LocalGatewayId",
  "CarrierGatewayId",
  "NetworkInterfaceId",
  "VpcPeeringConnectionId",
  "CoreNetworkArn",
  "OdbNetworkArn",
  "LocalTarget",
];
const targetRefusal = (p: string): string => (p.startsWith("DestinationIpv6") ? "IPv6 routes" : p === "DestinationPrefixListId" ? "prefix-list routes" : `routes to ${p.replace(/Id$|Arn$/, "")}`);

/** The route's destination and target, checked as AWS checks them: an internet gateway attached to the table's VPC. */
function checkedRoute(input: CreateRouteRequest | ReplaceRouteRequest, store: VpcStore, table: RouteTableRecord): RouteRecord {
  refuseSet(input, OTHER_TARGETS, targetRefusal);
  const text = input.DestinationCidrBlock;
  const destination = ipv4Block(text, "DestinationCidrBlock", "destinationCidrBlock");
  const gatewayId = input.GatewayId;
  if (!gatewayId) throw missing("GatewayId");
  const local = store.routeTables.routes(table.id).find((r) => r.gatewayId === "local" && overlaps(parseCidr(r.destination), destination) && parseCidr(r.destination).prefix <= destination.prefix);
  if (local && local.destination !== formatCidr(destination)) {
    throw invalidParameter(
      "DestinationCidrBlock",
      `The destination CIDR block ${formatCidr(destination)} is equal to or more specific than one of this VPC's CIDR blocks. This route can target only an interface or an instance.`,
    );
  }
  const gw = store.routeTables.internetGateways.get(gatewayId);
  if (!gw) throw notFound("gateway", `The gateway ID '${gatewayId}' does not exist`, "GatewayId");
  if (gw.vpcId !== table.vpcId) throw invalidParameter("GatewayId", `route table ${table.id} and network gateway ${gw.id} belong to different networks`);
  return { routeTableId: table.id, destination: formatCidr(destination), gatewayId: gw.id, origin: "CreateRoute" };
}

export function createRoute(input: CreateRouteRequest, store: VpcStore, changes: NetworkChanges): CreateRouteResult {
  const table = routeTableOf(store, input.RouteTableId);
  store.transaction(() => {
    const route = checkedRoute(input, store, table);
    if (store.routeTables.routes(table.id).some((r) => r.destination === route.destination)) {
      throw new HiveError({ kind: "Conflict", resource: "route", param: "DestinationCidrBlock", message: `The route identified by ${route.destination} already exists.` });
    }
    store.routeTables.putRoute(route);
  });
  changes.vpcChanged(table.vpcId);
  return { Return: true };
}

export function replaceRoute(input: ReplaceRouteRequest, store: VpcStore, changes: NetworkChanges): object {
  const table = routeTableOf(store, input.RouteTableId);
  store.transaction(() => {
    const destination = formatCidr(ipv4Block(input.DestinationCidrBlock, "DestinationCidrBlock", "destinationCidrBlock"));
    const existing = store.routeTables.routes(table.id).find((r) => r.destination === destination);
    if (!existing) throw invalidParameter("DestinationCidrBlock", `There is no route defined for '${destination}' in the route table. Use CreateRoute instead.`);
    if (existing.gatewayId === "local") throw invalidParameter("DestinationCidrBlock", `cannot replace local route ${destination} in route table ${table.id}`);
    store.routeTables.putRoute(checkedRoute(input, store, table));
  });
  changes.vpcChanged(table.vpcId);
  return {};
}

export function deleteRoute(input: DeleteRouteRequest, store: VpcStore, changes: NetworkChanges): object {
  refuseSet(input, ["DestinationIpv6CidrBlock", "DestinationPrefixListId"], targetRefusal);
  const table = routeTableOf(store, input.RouteTableId);
  const destination = formatCidr(ipv4Block(input.DestinationCidrBlock, "DestinationCidrBlock", "destinationCidrBlock"));
  store.transaction(() => {
    const existing = store.routeTables.routes(table.id).find((r) => r.destination === destination);
    if (!existing) throw notFound("route", `no route with destination-cidr-block ${destination} in route table ${table.id}`, "DestinationCidrBlock");
    if (existing.gatewayId === "local") throw invalidParameter("DestinationCidrBlock", `cannot remove local route ${destination} in route table ${table.id}`);
    store.routeTables.deleteRoute(table.id, destination);
  });
  changes.vpcChanged(table.vpcId);
  return {};
}

export function associateRouteTable(input: AssociateRouteTableRequest, store: VpcStore, changes: NetworkChanges): AssociateRouteTableResult {
  refuseSet(input, ["GatewayId", "PublicIpv4Pool"], (p) => (p === "GatewayId" ? "gateway route tables (edge associations)" : "public IPv4 pools"));
  const table = routeTableOf(store, input.RouteTableId);
  const subnet = subnetOf(store, input.SubnetId);
  if (subnet.vpcId !== table.vpcId) throw invalidParameter("SubnetId", `Route table ${table.id} and subnet ${subnet.id} belong to different networks`);
  const id = newId("rtbassoc");
  store.transaction(() => {
    const current = store.routeTables.associations().find((a) => a.subnetId === subnet.id);
    if (current) throw alreadyAssociated(`the specified association for route table ${table.id} conflicts with an existing association`);
    store.routeTables.addAssociation({ id, routeTableId: table.id, subnetId: subnet.id, main: false });
  });
  changes.vpcChanged(table.vpcId);
  return { AssociationId: id, AssociationState: { State: "associated" } };
}

function associationOf(store: VpcStore, id: string | undefined) {
  if (!id) throw missing("AssociationId");
  const a = store.routeTables.association(id);
  if (!a) throw associationNotFound(id);
  return a;
}

export function disassociateRouteTable(input: DisassociateRouteTableRequest, store: VpcStore, changes: NetworkChanges): object {
  const a = associationOf(store, input.AssociationId);
  if (a.main) throw invalidParameter("AssociationId", `cannot disassociate the main route table association ${a.id}`);
  const table = store.routeTables.get(a.routeTableId);
  store.routeTables.deleteAssociation(a.id);
  if (table) changes.vpcChanged(table.vpcId);
  return {};
}

/** Moves a subnet's association, or the VPC's main one, to another table of the VPC; the association gets a new id. */
export function replaceRouteTableAssociation(input: ReplaceRouteTableAssociationRequest, store: VpcStore, changes: NetworkChanges): ReplaceRouteTableAssociationResult {
  const a = associationOf(store, input.AssociationId);
  const table = routeTableOf(store, input.RouteTableId);
  const current = store.routeTables.get(a.routeTableId);
  if (current && current.vpcId !== table.vpcId) {
    throw invalidParameter("RouteTableId", `Route table ${table.id} and association ${a.id} belong to different networks`);
  }
  const id = newId("rtbassoc");
  store.transaction(() => {
    store.routeTables.deleteAssociation(a.id);
    store.routeTables.addAssociation({ id, routeTableId: table.id, subnetId: a.subnetId, main: a.main });
  });
  changes.vpcChanged(table.vpcId);
  return { NewAssociationId: id, AssociationState: { State: "associated" } };
}
