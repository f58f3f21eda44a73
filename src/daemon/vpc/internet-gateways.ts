// Create/Delete/Describe/Attach/DetachInternetGateway: at most one gateway per VPC; a subnet whose route table sends
// 0.0.0.0/0 to its VPC's attached gateway reaches the outside.

import type {
  AttachInternetGatewayRequest,
  CreateInternetGatewayRequest,
  CreateInternetGatewayResult,
  DeleteInternetGatewayRequest,
  DescribeInternetGatewaysRequest,
  DescribeInternetGatewaysResult,
  DetachInternetGatewayRequest,
  InternetGateway,
  InternetGatewayAttachment,
} from "@aws-sdk/client-ec2";
import { HiveError } from "../../errors/index.ts";
import type { InternetGatewayRecord } from "../../store/index.ts";
import { applyFilters, newId, tagFilters, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import { alreadyAssociated, dependencyViolation, internetGatewayOf, noSuch, page, selected, specTags, tagList, vpcOf, type VpcStore } from "./common.ts";

export const internetGatewayNotFound = (id: string): HiveError => noSuch("internet-gateway", "internetGateway", id, "InternetGatewayId");

const view = (ctx: DaemonContext, store: VpcStore, g: InternetGatewayRecord): InternetGateway => ({
  // AWS reports an attached gateway's attachment as "available", a value outside the SDK's AttachmentStatus.
  Attachments: g.vpcId ? [{ State: "available" as InternetGatewayAttachment["State"], VpcId: g.vpcId }] : [],
  InternetGatewayId: g.id,
  OwnerId: ctx.accountId,
  Tags: tagList(store.tags.forResource(g.id)),
});

export function createInternetGateway(input: CreateInternetGatewayRequest, ctx: DaemonContext, store: VpcStore): CreateInternetGatewayResult {
  const id = newId("igw");
  const tags = specTags(input.TagSpecifications, "internet-gateway", id);
  const rec: InternetGatewayRecord = { id, createdAt: new Date().toISOString() };
  store.routeTables.internetGateways.insert(rec, tags);
  return { InternetGateway: view(ctx, store, rec) };
}

/** Refused while attached; routes naming it stay, as blackholes, as on AWS. */
export function deleteInternetGateway(input: DeleteInternetGatewayRequest, store: VpcStore): object {
  const gw = internetGatewayOf(store, input.InternetGatewayId);
  if (gw.vpcId) throw dependencyViolation("internetGateway", gw.id);
  store.routeTables.internetGateways.delete(gw.id);
  return {};
}

const tagFields = tagFilters<InternetGateway>((g) => g.Tags);
const fields: FilterFields<InternetGateway> = {
  "attachment.state": (g) => g.Attachments?.map((a) => a.State),
  "attachment.vpc-id": (g) => g.Attachments?.map((a) => a.VpcId),
  "internet-gateway-id": (g) => g.InternetGatewayId,
  "owner-id": (g) => g.OwnerId,
  ...tagFields.fields,
};

export function describeInternetGateways(input: DescribeInternetGatewaysRequest, ctx: DaemonContext, store: VpcStore): DescribeInternetGatewaysResult {
  const records = selected(store.routeTables.internetGateways.list(), input.InternetGatewayIds, "igw", "InternetGatewayId", internetGatewayNotFound);
  const views = records.map((g) => view(ctx, store, g));
  const { items, NextToken } = page(applyFilters(views, input.Filters, fields, tagFields.dynamic), (g) => g.InternetGatewayId!, input);
  return { InternetGateways: items, ...(NextToken ? { NextToken } : {}) };
}

export function attachInternetGateway(input: AttachInternetGatewayRequest, store: VpcStore, changes: NetworkChanges): object {
  const gw = internetGatewayOf(store, input.InternetGatewayId);
  const vpc = vpcOf(store, input.VpcId);
  store.transaction(() => {
    const current = store.routeTables.internetGateways.get(gw.id);
    if (current?.vpcId) throw alreadyAssociated(`resource ${gw.id} is already attached to network ${current.vpcId}`);
    const other = store.routeTables.internetGateways.list().find((g) => g.vpcId === vpc.id);
    if (other) throw alreadyAssociated(`Network ${vpc.id} already has an internet gateway attached`);
    store.routeTables.internetGateways.update(gw.id, { vpcId: vpc.id });
  });
  changes.vpcChanged(vpc.id);
  return {};
}

/** Refused while an Elastic IP maps to an interface of the VPC, as AWS does. */
export function detachInternetGateway(input: DetachInternetGatewayRequest, store: VpcStore, changes: NetworkChanges): object {
  const gw = internetGatewayOf(store, input.InternetGatewayId);
  const vpc = vpcOf(store, input.VpcId);
  store.transaction(() => {
    if (store.routeTables.internetGateways.get(gw.id)?.vpcId !== vpc.id) {
      throw new HiveError({ kind: "InvalidState", resource: "gateway-attachment", message: `resource ${gw.id} is not attached to network ${vpc.id}` });
    }
    const interfaces = new Set(store.networkInterfaces.forVpc(vpc.id).map((i) => i.id));
    if (store.networkInterfaces.addresses.list().some((a) => a.networkInterfaceId !== undefined && interfaces.has(a.networkInterfaceId))) {
      throw new HiveError({
        kind: "Conflict",
        resource: "dependency",
        message: `Network ${vpc.id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`,
      });
    }
    store.routeTables.internetGateways.update(gw.id, { vpcId: null });
  });
  changes.vpcChanged(vpc.id);
  return {};
}
