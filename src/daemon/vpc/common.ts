// What the VPC room's actions share: lookups answering each resource's …NotFound, EC2's refusals in its words,
// TagSpecifications, IPv4 blocks as EC2 takes them, and in-memory paging of Describe* listings.

import type { Tag } from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound, unsupported } from "../../errors/index.ts";
import { parseCidr, type Cidr } from "../../net/index.ts";
import type { InternetGatewayRecord, RouteTableRecord, Store, SubnetRecord, TagRecord, VpcRecord } from "../../store/index.ts";
import { assertIds } from "../shared/index.ts";

export { page } from "../shared/index.ts";

export type VpcStore = Store;

/** `The vpc ID 'vpc-…' does not exist`, with the resource's …NotFound code. */
export const noSuch = (resource: string, noun: string, id: string, param?: string): HiveError =>
  notFound(resource, `The ${noun} ID '${id}' does not exist`, param);

/** DependencyViolation: `The vpc 'vpc-…' has dependencies and cannot be deleted.` */
export const dependencyViolation = (noun: string, id: string): HiveError =>
  new HiveError({ kind: "Conflict", resource: "dependency", message: `The ${noun} '${id}' has dependencies and cannot be deleted.` });

export const alreadyAssociated = (message: string): HiveError => new HiveError({ kind: "Conflict", resource: "association", message });

export const missing = (param: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "missing-parameter", param, message: `The request must contain the parameter ${param}` });

export const combination = (param: string, message: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", resource: "parameter-combination", param, message });

/** A parameter Hive does not honour: refused, never ignored. */
export const notSupported = (param: string, what: string): HiveError => unsupported(`${param}: ${what} is not supported by Hive`);

/** Refuses every parameter of `input` named in `params` that the caller set (a false boolean counts as not set). */
export function refuseSet(input: object, params: string[], what: (param: string) => string): void {
  const values = input as Record<string, unknown>;
  for (const p of params) {
    const v = values[p];
    if (v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0)) continue;
    throw notSupported(p, what(p));
  }
}

function lookup<R>(get: (id: string) => R | undefined, prefix: string, resource: string, noun: string, id: string | undefined, param: string): R {
  if (!id) throw missing(param);
  assertIds(prefix, [id], param);
  const rec = get(id);
  if (!rec) throw noSuch(resource, noun, id, param);
  return rec;
}

export const vpcOf = (store: VpcStore, id: string | undefined, param = "VpcId"): VpcRecord =>
  lookup((x) => store.vpcs.get(x), "vpc", "vpc", "vpc", id, param);
export const subnetOf = (store: VpcStore, id: string | undefined, param = "SubnetId"): SubnetRecord =>
  lookup((x) => store.subnets.get(x), "subnet", "subnet", "subnet", id, param);
export const routeTableOf = (store: VpcStore, id: string | undefined, param = "RouteTableId"): RouteTableRecord =>
  lookup((x) => store.routeTables.get(x), "rtb", "route-table", "routeTable", id, param);
export const internetGatewayOf = (store: VpcStore, id: string | undefined, param = "InternetGatewayId"): InternetGatewayRecord =>
  lookup((x) => store.routeTables.internetGateways.get(x), "igw", "internet-gateway", "internetGateway", id, param);

/** The records named by `ids` (each must exist, else its …NotFound), or all of them when none is named. */
export function selected<R extends { id: string }>(all: R[], ids: string[] | undefined, prefix: string, param: string, notFoundOf: (id: string) => HiveError): R[] {
  if (!ids || ids.length === 0) return all;
  assertIds(prefix, ids, param);
  const byId = new Map(all.map((r) => [r.id, r]));
  const missingIds = ids.filter((id) => !byId.has(id));
  if (missingIds.length === 1) throw notFoundOf(missingIds[0]!);
  if (missingIds.length > 1) {
    const e = notFoundOf(missingIds[0]!);
    throw new HiveError({ kind: "NotFound", resource: e.resource, param, message: e.message.replace(/ID '[^']*' does not exist$/, `IDs '${missingIds.join(", ")}' do not exist`) });
  }
  const wanted = new Set(ids);
  return all.filter((r) => wanted.has(r.id));
}

export { specTags } from "../shared/index.ts";

export const tagList = (tags: TagRecord[] | undefined): Tag[] => (tags ?? []).map((t) => ({ Key: t.key, Value: t.value }));

/** An IPv4 block as EC2 takes it: host bits clear, else InvalidParameterValue in EC2's words. */
export function ipv4Block(text: string | undefined, param: string, wireName = "cidrBlock"): Cidr {
  if (!text) throw missing(param);
  try {
    return parseCidr(text);
  } catch {
    throw invalidParameter(param, `Value (${text}) for parameter ${wireName} is invalid. This is not a valid CIDR block.`);
  }
}

/** VPCs and subnets take blocks from /16 to /28; others are InvalidVpc.Range or InvalidSubnet.Range. */
export function checkBlockSize(block: Cidr, text: string, resource: "vpc-range" | "subnet-range", param: string): void {
  if (block.prefix < 16 || block.prefix > 28) throw new HiveError({ kind: "InvalidParameter", resource, param, message: `The CIDR '${text}' is invalid.` });
}
