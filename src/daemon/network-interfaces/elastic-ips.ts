// Elastic IPs: public addresses from the operator's pool (`hive up --public-cidr`), allocated to the account and
// associated with an interface's private address. The data plane maps them (DNAT/SNAT) when told the VPC changed.
import type {
  Address,
  AllocateAddressRequest,
  AllocateAddressResult,
  AssociateAddressRequest,
  AssociateAddressResult,
  DescribeAddressesRequest,
  DescribeAddressesResult,
  DisassociateAddressRequest,
  ReleaseAddressRequest,
} from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound, unsupported } from "../../errors/index.ts";
import { addressInUse } from "./subnet-addresses.ts";
import { broadcastOf, formatIpv4, parseCidr, parseIpv4 } from "../../net/index.ts";
import type { AddressRecord, NetworkInterfaceRecord, Store } from "../../store/index.ts";
import { applyFilters, assertIds, isId, newId, tagFilters, tagsView, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import { interfaceOrThrow, tagsFor } from "./network-interfaces.ts";

const EXAMPLE_POOL = "192.0.2.16/28";

/** Resource.AlreadyAssociated. */
const alreadyAssociated = (message: string): HiveError => new HiveError({ kind: "Conflict", resource: "association", param: "AllocationId", message });

const limitExceeded = (message: string) => new HiveError({ kind: "InvalidParameter", resource: "address-limit", param: "Domain", message });

/** The pool's addresses in order: every address of the block, but its own network and broadcast addresses when it has more than two. */
export function poolAddresses(cidr: string): string[] {
  const c = parseCidr(cidr);
  const first = c.prefix < 31 ? c.network + 1 : c.network;
  const last = c.prefix < 31 ? broadcastOf(c) - 1 : broadcastOf(c);
  const out: string[] = [];
  for (let a = first; a <= last; a++) out.push(formatIpv4(a));
  return out;
}

function allocationOrThrow(store: Store, id: string, param = "AllocationId"): AddressRecord {
  if (!isId("eipalloc", id)) throw notFound("allocation", `The allocation ID '${id.slice(0, 64)}' does not exist`, param);
  const a = store.networkInterfaces.addresses.get(id);
  if (!a) throw notFound("allocation", `The allocation ID '${id}' does not exist`, param);
  return a;
}

function byPublicIp(store: Store, ip: string, param = "PublicIp"): AddressRecord {
  const a = store.networkInterfaces.addresses.list().find((x) => x.publicIp === ip);
  if (!a) throw notFound("address", `Address '${ip.slice(0, 64)}' not found.`, param);
  return a;
}

/** The one address an action names by AllocationId (or, as EC2 still allows, by PublicIp). */
function named(store: Store, input: { AllocationId?: string; PublicIp?: string }): AddressRecord {
  if (input.AllocationId !== undefined && input.PublicIp !== undefined) {
    throw invalidParameter("PublicIp", "The parameter PublicIp cannot be used with the parameter AllocationId", "parameter-combination");
  }
  if (input.AllocationId !== undefined) return allocationOrThrow(store, input.AllocationId);
  if (input.PublicIp !== undefined) return byPublicIp(store, input.PublicIp);
  throw invalidParameter("AllocationId", "The request must contain the parameter AllocationId", "missing-parameter");
}

export class ElasticIpActions {
  constructor(
    private readonly ctx: DaemonContext,
    private readonly store: Store,
    private readonly changes: NetworkChanges,
  ) {}

  allocate(input: AllocateAddressRequest): AllocateAddressResult {
    const { ctx, store } = this;
    if (input.Domain !== undefined && input.Domain !== "vpc") {
      throw invalidParameter("Domain", `Value (${input.Domain}) for parameter domain is invalid. EC2-Classic addresses no longer exist: use 'vpc'.`);
    }
    for (const p of ["PublicIpv4Pool", "CustomerOwnedIpv4Pool", "IpamPoolId"] as const) {
      if (input[p] !== undefined) throw unsupported(`AllocateAddress: ${p} is not supported by Hive; addresses come from the pool given to 'hive up --public-cidr'.`);
    }
    if (input.NetworkBorderGroup !== undefined && input.NetworkBorderGroup !== ctx.region) {
      throw invalidParameter("NetworkBorderGroup", `The network border group '${input.NetworkBorderGroup}' is not valid for region ${ctx.region}.`);
    }
    if (!ctx.publicCidr) {
      throw limitExceeded(
        `The maximum number of addresses has been reached: this Hive has no public addresses to hand out. ` +
          `Give it a block of the host's network with 'hive up --public-cidr ${EXAMPLE_POOL}'.`,
      );
    }
    const allocationId = newId("eipalloc");
    const tags = tagsFor(input.TagSpecifications, "elastic-ip", allocationId);
    const pool = poolAddresses(ctx.publicCidr);
    const held = new Set(store.networkInterfaces.addresses.list().map((a) => a.publicIp));
    let ip: string | undefined;
    if (input.Address !== undefined) {
      const n = parseIpv4(input.Address);
      if (n === undefined || !pool.includes(formatIpv4(n))) {
        throw invalidParameter("Address", `The address ${input.Address.slice(0, 64)} is not in this Hive's public pool (${ctx.publicCidr}).`);
      }
      ip = formatIpv4(n);
      if (held.has(ip)) throw addressInUse(`Address ${ip} is in use.`, "Address");
    } else {
      ip = pool.find((a) => !held.has(a));
    }
    if (!ip) throw limitExceeded(`The maximum number of addresses has been reached: every address of the pool ${ctx.publicCidr} ('hive up --public-cidr') is allocated.`);
    store.networkInterfaces.addresses.insert({ allocationId, publicIp: ip, createdAt: new Date().toISOString() }, tags);
    return { AllocationId: allocationId, PublicIp: ip, Domain: "vpc", PublicIpv4Pool: "amazon", NetworkBorderGroup: ctx.region };
  }

  associate(input: AssociateAddressRequest): AssociateAddressResult {
    const { store } = this;
    const address = named(store, input);
    if (input.InstanceId !== undefined && input.NetworkInterfaceId !== undefined) {
      throw invalidParameter("NetworkInterfaceId", "The parameter NetworkInterfaceId cannot be used with the parameter InstanceId", "parameter-combination");
    }
    let target: NetworkInterfaceRecord;
    if (input.NetworkInterfaceId !== undefined) {
      target = interfaceOrThrow(store, input.NetworkInterfaceId);
    } else if (input.InstanceId !== undefined) {
      assertIds("i", [input.InstanceId], "InstanceId");
      const instance = store.instances.get(input.InstanceId);
      if (!instance || instance.state === "terminated") throw notFound("instance", `The instance ID '${input.InstanceId}' does not exist`, "InstanceId");
      const primary = store.networkInterfaces.forInstance(instance.id).find((n) => n.deviceIndex === 0);
      if (!primary) throw invalidParameter("InstanceId", `The instance '${instance.id}' has no network interface.`);
      target = primary;
    } else {
      throw invalidParameter("InstanceId", "Either an instance ID or a network interface ID must be specified.", "missing-parameter");
    }
    if (input.PrivateIpAddress !== undefined && input.PrivateIpAddress !== target.privateIp) {
      throw invalidParameter("PrivateIpAddress", `The private IP address ${input.PrivateIpAddress.slice(0, 64)} is not assigned to network interface ${target.id}.`);
    }
    if (address.networkInterfaceId === target.id && address.associationId) return { AssociationId: address.associationId };
    if (address.associationId && input.AllowReassociation !== true) {
      throw alreadyAssociated(`resource ${address.allocationId} is already associated with associate-id ${address.associationId}`);
    }
    const previousVpc = address.networkInterfaceId ? store.networkInterfaces.get(address.networkInterfaceId)?.vpcId : undefined;
    const associationId = newId("eipassoc");
    store.transaction(() => {
      // An address the interface had before is replaced, staying allocated to the account, as on EC2.
      for (const old of store.networkInterfaces.addressesOf([target.id])) {
        store.networkInterfaces.addresses.update(old.allocationId, { associationId: null, networkInterfaceId: null, privateIp: null });
      }
      store.networkInterfaces.addresses.update(address.allocationId, { associationId, networkInterfaceId: target.id, privateIp: target.privateIp });
    });
    if (previousVpc && previousVpc !== target.vpcId) this.changes.vpcChanged(previousVpc);
    this.changes.vpcChanged(target.vpcId);
    return { AssociationId: associationId };
  }

  disassociate(input: DisassociateAddressRequest): object {
    const { store } = this;
    let address: AddressRecord | undefined;
    if (input.AssociationId !== undefined) {
      address = /^eipassoc-[0-9a-f]{8,17}$/.test(input.AssociationId) ? store.networkInterfaces.addresses.list().find((a) => a.associationId === input.AssociationId) : undefined;
      if (!address) throw notFound("association", `The association ID '${input.AssociationId.slice(0, 64)}' does not exist`, "AssociationId");
    } else if (input.PublicIp !== undefined) {
      address = byPublicIp(store, input.PublicIp);
      if (!address.associationId) return {};
    } else {
      throw invalidParameter("AssociationId", "The request must contain the parameter AssociationId", "missing-parameter");
    }
    const vpcId = address.networkInterfaceId ? store.networkInterfaces.get(address.networkInterfaceId)?.vpcId : undefined;
    store.networkInterfaces.addresses.update(address.allocationId, { associationId: null, networkInterfaceId: null, privateIp: null });
    if (vpcId) this.changes.vpcChanged(vpcId);
    return {};
  }

  release(input: ReleaseAddressRequest): object {
    const { ctx, store } = this;
    const address = named(store, input);
    if (input.NetworkBorderGroup !== undefined && input.NetworkBorderGroup !== ctx.region) {
      throw invalidParameter("NetworkBorderGroup", `The network border group '${input.NetworkBorderGroup}' is not valid for region ${ctx.region}.`);
    }
    if (address.associationId) throw addressInUse(`Address ${address.publicIp} is in use: disassociate it (${address.associationId}) first.`, "AllocationId");
    store.networkInterfaces.addresses.delete(address.allocationId);
    return {};
  }

  describe(input: DescribeAddressesRequest): DescribeAddressesResult {
    const { store } = this;
    let rows = store.networkInterfaces.addresses.list();
    if (input.AllocationIds?.length) {
      const ids = [...new Set(input.AllocationIds)];
      rows = ids.map((id) => allocationOrThrow(store, id, "AllocationId"));
    }
    if (input.PublicIps?.length) {
      const wanted = [...new Set(input.PublicIps)];
      const kept = wanted.map((ip) => byPublicIp(store, ip, "PublicIp"));
      rows = rows.filter((r) => kept.some((k) => k.allocationId === r.allocationId));
    }
    const interfaces = new Map(
      [...new Set(rows.flatMap((r) => (r.networkInterfaceId ? [r.networkInterfaceId] : [])))].map((id) => [id, store.networkInterfaces.get(id)]),
    );
    const tags = store.tags.forResources(rows.map((r) => r.allocationId));
    const views: Address[] = rows.map((r) => {
      const eni = r.networkInterfaceId ? interfaces.get(r.networkInterfaceId) : undefined;
      return {
        AllocationId: r.allocationId,
        PublicIp: r.publicIp,
        Domain: "vpc",
        PublicIpv4Pool: "amazon",
        NetworkBorderGroup: this.ctx.region,
        ...(r.associationId
          ? {
              AssociationId: r.associationId,
              NetworkInterfaceId: r.networkInterfaceId,
              NetworkInterfaceOwnerId: this.ctx.accountId,
              PrivateIpAddress: r.privateIp,
              ...(eni?.instanceId ? { InstanceId: eni.instanceId } : {}),
            }
          : {}),
        Tags: tagsView(tags.get(r.allocationId)),
      };
    });
    return { Addresses: applyFilters(views, input.Filters, addressFilterFields, addressTags.dynamic) };
  }
}

const addressTags = tagFilters<Address>((a) => a.Tags);

const addressFilterFields: FilterFields<Address> = {
  ...addressTags.fields,
  "allocation-id": (a) => a.AllocationId,
  "association-id": (a) => a.AssociationId,
  domain: (a) => a.Domain,
  "instance-id": (a) => a.InstanceId,
  "network-border-group": (a) => a.NetworkBorderGroup,
  "network-interface-id": (a) => a.NetworkInterfaceId,
  "network-interface-owner-id": (a) => a.NetworkInterfaceOwnerId,
  "private-ip-address": (a) => a.PrivateIpAddress,
  "public-ip": (a) => a.PublicIp,
};
