// The network interface actions: Create/Delete/Describe, Attach/Detach and ModifyNetworkInterfaceAttribute.
// Interfaces belong to the region (any node answers); an instance's primary interface is made by RunInstances.
import { randomBytes } from "node:crypto";
import type {
  AttachNetworkInterfaceRequest,
  AttachNetworkInterfaceResult,
  CreateNetworkInterfaceRequest,
  CreateNetworkInterfaceResult,
  DeleteNetworkInterfaceRequest,
  DescribeNetworkInterfacesRequest,
  DescribeNetworkInterfacesResult,
  DetachNetworkInterfaceRequest,
  ModifyNetworkInterfaceAttributeRequest,
  NetworkInterface,
} from "@aws-sdk/client-ec2";
import { decodePageToken, encodePageToken } from "../../actions/index.ts";
import { conflict, invalidParameter, notFound, notPermitted, unsupported } from "../../errors/index.ts";
import type { NetworkInterfaceRecord, Store, TagRecord } from "../../store/index.ts";
import { applyFilters, assertIds, checkTags, newId, tagFilters, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import { defaultGroupOf, groupsById } from "./interface-groups.ts";
import { interfaceFacts, networkInterfaceView } from "./interface-view.ts";
import { checkWantedAddress, nextFreeAddress } from "./subnet-addresses.ts";

const combination = (param: string, message: string) => invalidParameter(param, message, "parameter-combination");

/** EC2 words a missing interface "networkInterface ID". */
export function interfaceOrThrow(store: Store, id: string, param = "NetworkInterfaceId"): NetworkInterfaceRecord {
  assertIds("eni", [id], param);
  const r = store.networkInterfaces.get(id);
  if (!r) throw notFound("network-interface", `The networkInterface ID '${id}' does not exist`, param);
  return r;
}

/** The subnet named by SubnetId: checked, existing (InvalidSubnetID.NotFound). */
export function subnetOrThrow(store: Store, id: string, param = "SubnetId") {
  assertIds("subnet", [id], param);
  const s = store.subnets.get(id);
  if (!s) throw notFound("subnet", `The subnet ID '${id}' does not exist`, param);
  return s;
}

/** A locally administered MAC in QEMU's 52:54:00 range no other interface has. */
export function freshMac(store: Store): string {
  for (;;) {
    const mac = ["52", "54", "00", ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, "0"))].join(":");
    if (!store.networkInterfaces.macTaken(mac)) return mac;
  }
}

/** Tags of one TagSpecifications list for a resource type; any other type is refused as EC2 does. */
export function tagsFor(specs: Array<{ ResourceType?: string; Tags?: Array<{ Key?: string; Value?: string }> }> | undefined, resourceType: string, resourceId: string): TagRecord[] {
  const out: TagRecord[] = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) {
      throw invalidParameter("TagSpecification", `'${spec.ResourceType ?? ""}' is not a valid taggable resource type for this operation.`);
    }
    for (const t of checkTags(spec.Tags, "TagSpecification")) out.push({ resourceId, resourceType, ...t });
  }
  return out;
}

export function describeOne(store: Store, ctx: DaemonContext, id: string): NetworkInterface {
  return networkInterfaceView(interfaceFacts(store, [store.networkInterfaces.get(id)!])[0]!, ctx.accountId);
}

/** Parameters of CreateNetworkInterface Hive does not build: refused, never ignored. */
const CREATE_UNSUPPORTED = [
  "Ipv6AddressCount",
  "Ipv6Addresses",
  "SecondaryPrivateIpAddressCount",
  "Ipv4Prefixes",
  "Ipv4PrefixCount",
  "Ipv6Prefixes",
  "Ipv6PrefixCount",
  "EnablePrimaryIpv6",
  "ConnectionTrackingSpecification",
  "Operator",
] as const;

export class NetworkInterfaceActions {
  /** ClientToken → the interface it made, so a retried create answers the same interface (kept while this process runs). */
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly ctx: DaemonContext,
    private readonly store: Store,
    private readonly changes: NetworkChanges,
  ) {}

  create(input: CreateNetworkInterfaceRequest): CreateNetworkInterfaceResult {
    const { store, ctx } = this;
    if (input.ClientToken) {
      const earlier = this.tokens.get(input.ClientToken);
      if (earlier && store.networkInterfaces.get(earlier)) return { NetworkInterface: describeOne(store, ctx, earlier), ClientToken: input.ClientToken };
    }
    for (const p of CREATE_UNSUPPORTED) {
      if (input[p] !== undefined) throw unsupported(`CreateNetworkInterface: ${p} is not supported by Hive (one private IPv4 address per interface).`);
    }
    if (input.InterfaceType !== undefined && input.InterfaceType !== ("interface" as typeof input.InterfaceType)) {
      throw unsupported(`CreateNetworkInterface: InterfaceType '${input.InterfaceType}' is not supported by Hive; only 'interface'.`);
    }
    const subnet = subnetOrThrow(store, input.SubnetId ?? "");
    // PrivateIpAddresses may only restate the one primary address.
    let wanted = input.PrivateIpAddress;
    for (const p of input.PrivateIpAddresses ?? []) {
      if (p.Primary === false || (input.PrivateIpAddresses?.length ?? 0) > 1) {
        throw unsupported("CreateNetworkInterface: secondary private IP addresses are not supported by Hive.");
      }
      if (wanted !== undefined && p.PrivateIpAddress !== undefined && p.PrivateIpAddress !== wanted) {
        throw combination("PrivateIpAddresses", "The primary private IP address given in PrivateIpAddresses differs from PrivateIpAddress.");
      }
      wanted = p.PrivateIpAddress ?? wanted;
    }
    const groups = input.Groups?.length
      ? groupsById(store, subnet.vpcId, input.Groups, "SecurityGroupId", `subnet ${subnet.id}`).map((g) => g.id)
      : [defaultGroupOf(store, subnet.vpcId).id];
    const id = newId("eni");
    const tags = tagsFor(input.TagSpecifications, "network-interface", id);
    const ip = wanted !== undefined ? checkWantedAddress(store, subnet, wanted, "PrivateIpAddress") : nextFreeAddress(store, subnet.id);
    if (!ip) throw invalidParameter("SubnetId", `The subnet '${subnet.id}' has no free addresses.`, "subnet-full");
    store.transaction(() => {
      store.networkInterfaces.insert(
        {
          id,
          subnetId: subnet.id,
          vpcId: subnet.vpcId,
          az: subnet.az,
          mac: freshMac(store),
          privateIp: ip,
          description: input.Description ?? "",
          sourceDestCheck: true,
          interfaceType: "interface",
          createdAt: new Date().toISOString(),
        },
        tags,
      );
      store.networkInterfaces.setGroups(id, groups);
    });
    if (input.ClientToken) this.tokens.set(input.ClientToken, id);
    return { NetworkInterface: describeOne(store, ctx, id), ...(input.ClientToken ? { ClientToken: input.ClientToken } : {}) };
  }

  delete(input: DeleteNetworkInterfaceRequest): object {
    const { store } = this;
    const r = interfaceOrThrow(store, input.NetworkInterfaceId ?? "");
    if (r.instanceId) throw conflict("network-interface", `The network interface '${r.id}' is currently in use.`);
    store.transaction(() => {
      // An Elastic IP on a deleted interface goes back to the account, disassociated.
      for (const a of store.networkInterfaces.addressesOf([r.id])) {
        store.networkInterfaces.addresses.update(a.allocationId, { associationId: null, networkInterfaceId: null, privateIp: null });
      }
      store.networkInterfaces.setGroups(r.id, []);
      store.networkInterfaces.delete(r.id);
    });
    this.changes.vpcChanged(r.vpcId);
    return {};
  }

  describe(input: DescribeNetworkInterfacesRequest): DescribeNetworkInterfacesResult {
    const { store, ctx } = this;
    const ids = input.NetworkInterfaceIds ?? [];
    if (ids.length > 0 && input.MaxResults !== undefined) {
      throw combination("MaxResults", "The parameter NetworkInterfaceIds cannot be used with the parameter maxResults");
    }
    if (input.MaxResults !== undefined && (input.MaxResults < 5 || input.MaxResults > 1000)) {
      throw invalidParameter("MaxResults", `Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
    }
    assertIds("eni", ids, "NetworkInterfaceId");
    let records: NetworkInterfaceRecord[];
    if (ids.length > 0) {
      records = [];
      for (const id of new Set(ids)) {
        const r = store.networkInterfaces.get(id);
        if (!r) throw notFound("network-interface", `The networkInterface ID '${id}' does not exist`, "NetworkInterfaceId");
        records.push(r);
      }
    } else {
      records = store.networkInterfaces.list();
    }
    const after = input.NextToken ? decodePageToken(input.NextToken) : "";
    if (after) records = records.filter((r) => r.id > after);
    let views = applyFilters(interfaceFacts(store, records).map((f) => networkInterfaceView(f, ctx.accountId)), input.Filters, interfaceFilterFields, interfaceTags.dynamic);
    let next: string | undefined;
    if (input.MaxResults !== undefined && views.length > input.MaxResults) {
      views = views.slice(0, input.MaxResults);
      next = encodePageToken(views[views.length - 1]!.NetworkInterfaceId!);
    }
    return { NetworkInterfaces: views, ...(next ? { NextToken: next } : {}) };
  }

  attach(input: AttachNetworkInterfaceRequest): AttachNetworkInterfaceResult {
    const { store } = this;
    const r = interfaceOrThrow(store, input.NetworkInterfaceId ?? "");
    const instanceId = input.InstanceId ?? "";
    assertIds("i", [instanceId], "InstanceId");
    const instance = store.instances.get(instanceId);
    if (!instance || instance.state === "terminated") throw notFound("instance", `The instance ID '${instanceId}' does not exist`, "InstanceId");
    const index = input.DeviceIndex ?? 0;
    if (index < 0) throw invalidParameter("DeviceIndex", `Value (${index}) for parameter deviceIndex is invalid. Expecting a non-negative value.`);
    if ((input.NetworkCardIndex ?? 0) !== 0) throw invalidParameter("NetworkCardIndex", `Value (${input.NetworkCardIndex}) for parameter networkCardIndex is invalid. This instance type has one network card (index 0).`);
    if (r.instanceId) throw invalidParameter("NetworkInterfaceId", `Interface: [${r.id}] in use.`);
    if (index === 0 || store.networkInterfaces.forInstance(instanceId).some((n) => n.deviceIndex === index)) {
      throw invalidParameter("DeviceIndex", `Instance '${instanceId}' already has an interface attached at device index '${index}'.`);
    }
    throw unsupported(
      `Hive cannot attach a second network interface to an instance: hot-plugging a NIC into a running guest is not built. ` +
        `Launch with the interface as the primary one instead (RunInstances NetworkInterfaces DeviceIndex=0,NetworkInterfaceId=${r.id}).`,
    );
  }

  detach(input: DetachNetworkInterfaceRequest): object {
    const { store } = this;
    const attachmentId = input.AttachmentId ?? "";
    const r = /^eni-attach-[0-9a-f]{8,17}$/.test(attachmentId) ? store.networkInterfaces.byAttachment(attachmentId) : undefined;
    if (!r) throw notFound("attachment", `The interface attachment ID '${attachmentId.slice(0, 64)}' does not exist`, "AttachmentId");
    if (r.deviceIndex === 0) throw notPermitted(`The network interface at device index 0 cannot be detached.`);
    // Only primary interfaces are ever attached today (AttachNetworkInterface refuses other indexes).
    throw notPermitted(`The network interface at device index ${r.deviceIndex} cannot be detached.`);
  }

  modifyAttribute(input: ModifyNetworkInterfaceAttributeRequest): object {
    const { store } = this;
    const r = interfaceOrThrow(store, input.NetworkInterfaceId ?? "");
    const given: string[] = [];
    if (input.Description !== undefined) given.push("description");
    if (input.SourceDestCheck !== undefined) given.push("sourceDestCheck");
    if (input.Groups !== undefined) given.push("groupSet");
    if (input.Attachment !== undefined) given.push("attachment");
    for (const p of ["EnaSrdSpecification", "EnablePrimaryIpv6", "ConnectionTrackingSpecification", "AssociatePublicIpAddress", "AssociatedSubnetIds"] as const) {
      if ((input as unknown as Record<string, unknown>)[p] !== undefined) throw unsupported(`ModifyNetworkInterfaceAttribute: ${p} is not supported by Hive.`);
    }
    if (given.length === 0) throw combination("Attribute", "No attributes specified.");
    if (given.length > 1) throw combination("Attribute", `Fields for multiple attribute types specified: ${given.join(", ")}`);
    switch (given[0]) {
      case "description":
        store.networkInterfaces.update(r.id, { description: input.Description?.Value ?? "" });
        return {};
      case "sourceDestCheck": {
        const v = input.SourceDestCheck?.Value;
        if (v === undefined) throw invalidParameter("SourceDestCheck", "The request must contain the parameter SourceDestCheck.Value", "missing-parameter");
        store.networkInterfaces.update(r.id, { sourceDestCheck: v });
        this.changes.vpcChanged(r.vpcId);
        return {};
      }
      case "groupSet":
        setInterfaceGroups(store, r, input.Groups ?? [], "SecurityGroupId");
        this.changes.vpcChanged(r.vpcId);
        return {};
      default: {
        const a = input.Attachment!;
        if (!a.AttachmentId) throw invalidParameter("Attachment.AttachmentId", "The request must contain the parameter Attachment.AttachmentId", "missing-parameter");
        if (a.AttachmentId !== r.attachmentId) throw notFound("attachment", `The interface attachment ID '${a.AttachmentId.slice(0, 64)}' does not exist`, "Attachment.AttachmentId");
        if (a.DeleteOnTermination === undefined) throw invalidParameter("Attachment.DeleteOnTermination", "The request must contain the parameter Attachment.DeleteOnTermination", "missing-parameter");
        store.networkInterfaces.update(r.id, { deleteOnTermination: a.DeleteOnTermination });
        return {};
      }
    }
  }
}

/** Replaces an interface's groups (ModifyNetworkInterfaceAttribute, ModifyInstanceAttribute GroupId). */
export function setInterfaceGroups(store: Store, r: NetworkInterfaceRecord, groupIds: string[], param: string): void {
  if (groupIds.length === 0) throw invalidParameter(param, "The request must contain at least one security group.", "missing-parameter");
  const groups = groupsById(store, r.vpcId, groupIds, param, `interface ${r.id}`);
  store.networkInterfaces.setGroups(r.id, groups.map((g) => g.id));
}

const interfaceTags = tagFilters<NetworkInterface>((n) => n.TagSet);

export const interfaceFilterFields: FilterFields<NetworkInterface> = {
  ...interfaceTags.fields,
  "network-interface-id": (n) => n.NetworkInterfaceId,
  "subnet-id": (n) => n.SubnetId,
  "vpc-id": (n) => n.VpcId,
  "availability-zone": (n) => n.AvailabilityZone,
  "private-ip-address": (n) => n.PrivateIpAddress,
  "private-dns-name": (n) => n.PrivateDnsName,
  "addresses.private-ip-address": (n) => n.PrivateIpAddresses?.map((a) => a.PrivateIpAddress),
  "addresses.primary": (n) => n.PrivateIpAddresses?.map((a) => a.Primary),
  "addresses.association.public-ip": (n) => n.PrivateIpAddresses?.map((a) => a.Association?.PublicIp),
  "addresses.association.owner-id": (n) => n.PrivateIpAddresses?.map((a) => a.Association?.IpOwnerId),
  "association.public-ip": (n) => n.Association?.PublicIp,
  "association.public-dns-name": (n) => n.Association?.PublicDnsName,
  "association.allocation-id": (n) => n.Association?.AllocationId,
  "association.association-id": (n) => n.Association?.AssociationId,
  "association.ip-owner-id": (n) => n.Association?.IpOwnerId,
  "mac-address": (n) => n.MacAddress,
  status: (n) => n.Status,
  "attachment.instance-id": (n) => n.Attachment?.InstanceId,
  "attachment.instance-owner-id": (n) => n.Attachment?.InstanceOwnerId,
  "attachment.device-index": (n) => n.Attachment?.DeviceIndex,
  "attachment.attachment-id": (n) => n.Attachment?.AttachmentId,
  "attachment.status": (n) => n.Attachment?.Status,
  // EC2 documents the name with a dot (attachment.attach.time); the dashed form is accepted too.
  "attachment.attach.time": (n) => n.Attachment?.AttachTime?.toISOString(),
  "attachment.attach-time": (n) => n.Attachment?.AttachTime?.toISOString(),
  "attachment.delete-on-termination": (n) => n.Attachment?.DeleteOnTermination,
  "group-id": (n) => n.Groups?.map((g) => g.GroupId),
  "group-name": (n) => n.Groups?.map((g) => g.GroupName),
  description: (n) => n.Description,
  "source-dest-check": (n) => n.SourceDestCheck,
  "interface-type": (n) => n.InterfaceType,
  "owner-id": (n) => n.OwnerId,
  "requester-managed": (n) => n.RequesterManaged,
  "requester-id": (n) => n.RequesterId,
};

export const interfaceFilterDynamic = interfaceTags.dynamic;
