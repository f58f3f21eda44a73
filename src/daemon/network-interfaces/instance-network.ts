// Where an instance sits in the VPC model: RunInstances' network parameters checked the way EC2 checks them and turned
// into primary interfaces (inserted by the caller in the launch's transaction), and their end at termination.
import type { InstanceNetworkInterfaceSpecification, RunInstancesRequest } from "@aws-sdk/client-ec2";
import { capacityExhausted, HiveError, invalidParameter, unsupported } from "../../errors/index.ts";
import type { NetworkInterfaceRecord, Store, SubnetRecord } from "../../store/index.ts";
import { newId, type DaemonContext } from "../shared/index.ts";
import { defaultGroupOf, groupsById, groupsByName } from "./interface-groups.ts";
import { interfaceOrThrow, subnetOrThrow } from "./network-interfaces.ts";
import { checkWantedAddress, nextFreeAddress } from "./subnet-addresses.ts";

/** What RunInstances asked of the network, checked: the subnet, the groups and the primary interface's settings. */
export interface LaunchNetwork {
  subnet: SubnetRecord;
  groupIds: string[];
  /** The one address asked for (only with a count of one). */
  privateIp?: string;
  /** An available interface to become the primary one (only with a count of one). */
  existing?: NetworkInterfaceRecord;
  deleteOnTermination: boolean;
  description: string;
}

const combination = (param: string, message: string) => invalidParameter(param, message, "parameter-combination");

/** The fields of a NetworkInterfaces entry Hive honours; any other one is refused. */
const SPEC_FIELDS = new Set(["DeviceIndex", "SubnetId", "Groups", "PrivateIpAddress", "PrivateIpAddresses", "AssociatePublicIpAddress", "DeleteOnTermination", "Description", "NetworkInterfaceId", "NetworkCardIndex"]);

/** The default subnet of this node's zone: VPCIdNotSpecified without a default VPC, MissingInput without the subnet. */
function defaultSubnet(ctx: DaemonContext, store: Store): SubnetRecord {
  const vpc = store.vpcs.list().find((v) => v.isDefault);
  if (!vpc) throw invalidParameter("SubnetId", "No default VPC for this user", "vpc-id-not-specified");
  const subnet = store.subnets.forVpc(vpc.id).find((s) => s.defaultForAz && s.az === ctx.az);
  if (!subnet) throw invalidParameter("SubnetId", `No subnets found for the default VPC '${vpc.id}'. Please specify a subnet.`, "missing-input");
  return subnet;
}

/** The primary interface's entry of NetworkInterfaces, checked field by field. */
function primarySpec(specs: InstanceNetworkInterfaceSpecification[]): InstanceNetworkInterfaceSpecification {
  if (specs.length > 1) throw unsupported("RunInstances: Hive gives an instance one network interface (device index 0); more are not built.");
  const spec = specs[0]!;
  for (const [k, v] of Object.entries(spec)) {
    if (v !== undefined && !SPEC_FIELDS.has(k)) throw unsupported(`RunInstances: NetworkInterfaces.${k} is not supported by Hive.`);
  }
  if (spec.DeviceIndex === undefined) throw invalidParameter("NetworkInterface.DeviceIndex", "Each network interface requires a device index.", "missing-parameter");
  if (spec.DeviceIndex !== 0) throw invalidParameter("NetworkInterface.DeviceIndex", `When specifying network interfaces, you must include a device at index 0.`);
  if ((spec.NetworkCardIndex ?? 0) !== 0) throw invalidParameter("NetworkInterface.NetworkCardIndex", `Value (${spec.NetworkCardIndex}) for parameter networkCardIndex is invalid. This instance type has one network card (index 0).`);
  if (spec.NetworkInterfaceId !== undefined) {
    if (spec.SubnetId !== undefined) throw combination("NetworkInterface.SubnetId", "A network interface may not specify both a network interface ID and a subnet");
    if (spec.Groups?.length) throw combination("NetworkInterface.SecurityGroupId", "A network interface may not specify both a network interface ID and security groups");
    if (spec.PrivateIpAddress !== undefined || spec.PrivateIpAddresses?.length) {
      throw combination("NetworkInterface.PrivateIpAddress", "A network interface may not specify both a network interface ID and a private IP address");
    }
    if (spec.Description !== undefined) throw combination("NetworkInterface.Description", "A network interface may not specify both a network interface ID and a description");
  }
  return spec;
}

/**
 * Checks RunInstances' network parameters as EC2 does and resolves them: the subnet (the default one of this node's
 * zone when none is named), the groups (the VPC's default group when none), the address or interface asked for.
 */
export function launchNetwork(ctx: DaemonContext, store: Store, input: RunInstancesRequest, count: number): LaunchNetwork {
  const specs = input.NetworkInterfaces ?? [];
  const spec = specs.length > 0 ? primarySpec(specs) : undefined;
  if (spec) {
    if (input.SubnetId !== undefined) throw combination("SubnetId", "Network interfaces and an instance-level subnet ID may not be specified on the same request");
    if (input.SecurityGroupIds?.length || input.SecurityGroups?.length) {
      throw combination("SecurityGroupId", "Network interfaces and an instance-level security groups may not be specified on the same request");
    }
    if (input.PrivateIpAddress !== undefined) throw combination("PrivateIpAddress", "Network interfaces and an instance-level private IP address may not be specified on the same request");
  }
  if (spec?.AssociatePublicIpAddress === true) {
    throw unsupported(
      "RunInstances: automatic public IPv4 addresses are not built in Hive. Launch without AssociatePublicIpAddress, then allocate an Elastic IP (hive up --public-cidr) and associate it.",
    );
  }
  for (const p of ["Ipv6AddressCount", "Ipv6Addresses", "EnablePrimaryIpv6"] as const) {
    if (input[p] !== undefined) throw unsupported(`RunInstances: ${p} is not supported by Hive (IPv4 only).`);
  }

  // An existing interface becomes the primary one.
  if (spec?.NetworkInterfaceId !== undefined) {
    if (count > 1) throw combination("NetworkInterface.NetworkInterfaceId", "Cannot specify a network interface ID when launching more than one instance.");
    const existing = interfaceOrThrow(store, spec.NetworkInterfaceId, "NetworkInterface.NetworkInterfaceId");
    if (existing.instanceId) throw invalidParameter("NetworkInterface.NetworkInterfaceId", `Interface: [${existing.id}] in use.`);
    const subnet = store.subnets.get(existing.subnetId)!;
    checkZone(ctx, input, subnet);
    return {
      subnet,
      groupIds: store.networkInterfaces.groups([existing.id]).get(existing.id) ?? [],
      existing,
      deleteOnTermination: spec.DeleteOnTermination ?? false,
      description: existing.description,
    };
  }

  const subnetId = spec?.SubnetId ?? input.SubnetId;
  const subnetParam = spec ? "NetworkInterface.SubnetId" : "SubnetId";
  const subnet = subnetId !== undefined ? subnetOrThrow(store, subnetId, subnetParam) : defaultSubnet(ctx, store);
  checkZone(ctx, input, subnet);

  let groupIds: string[];
  const ids = spec?.Groups ?? input.SecurityGroupIds ?? [];
  const names = input.SecurityGroups ?? [];
  const groupParam = spec ? "NetworkInterface.SecurityGroupId" : "SecurityGroupId";
  if (names.length > 0) {
    // Group names belong to EC2-Classic and the default VPC; a subnet of another VPC takes group ids, as on EC2.
    const vpc = store.vpcs.get(subnet.vpcId);
    if (!vpc?.isDefault) throw combination("SecurityGroup", "The parameter groupName cannot be used with the parameter subnet");
    const byName = groupsByName(store, vpc.id, names, "SecurityGroup").map((g) => g.id);
    const byId = ids.length ? groupsById(store, subnet.vpcId, ids, groupParam, `subnet ${subnet.id}`).map((g) => g.id) : [];
    groupIds = [...new Set([...byId, ...byName])];
  } else if (ids.length > 0) {
    groupIds = groupsById(store, subnet.vpcId, ids, groupParam, `subnet ${subnet.id}`).map((g) => g.id);
  } else {
    groupIds = [defaultGroupOf(store, subnet.vpcId).id];
  }

  let wanted = spec ? spec.PrivateIpAddress : input.PrivateIpAddress;
  const ipParam = spec ? "NetworkInterface.PrivateIpAddress" : "PrivateIpAddress";
  for (const p of spec?.PrivateIpAddresses ?? []) {
    if (p.Primary === false || (spec?.PrivateIpAddresses?.length ?? 0) > 1) throw unsupported("RunInstances: secondary private IP addresses are not supported by Hive.");
    if (wanted !== undefined && p.PrivateIpAddress !== undefined && p.PrivateIpAddress !== wanted) {
      throw combination(ipParam, "The primary private IP address given in PrivateIpAddresses differs from PrivateIpAddress.");
    }
    wanted = p.PrivateIpAddress ?? wanted;
  }
  let privateIp: string | undefined;
  if (wanted !== undefined) {
    if (count > 1) throw combination(ipParam, "Cannot specify a private IP address when launching more than one instance.");
    privateIp = checkWantedAddress(store, subnet, wanted, ipParam);
  }
  return { subnet, groupIds, privateIp, deleteOnTermination: spec?.DeleteOnTermination ?? true, description: spec?.Description ?? "" };
}

/** The subnet's zone must be the one asked for, and this node's (it runs what it launches). */
function checkZone(ctx: DaemonContext, input: RunInstancesRequest, subnet: SubnetRecord): void {
  const asked = input.Placement?.AvailabilityZone;
  if (asked && asked !== subnet.az) {
    throw invalidParameter("Placement.AvailabilityZone", `The subnet '${subnet.id}' is in ${subnet.az}, not in the requested Availability Zone ${asked}.`);
  }
  if (subnet.az !== ctx.az) {
    throw capacityExhausted(`We currently do not have sufficient capacity in the Availability Zone you requested (${subnet.az}): this Hive runs instances in ${ctx.az}.`);
  }
}

/**
 * The private addresses for up to `count` instances in the plan's subnet, lowest first: fewer when the subnet runs out,
 * InsufficientFreeAddressesInSubnet when fewer than `min` are free. Read and inserted with no await in between.
 */
export function launchAddresses(store: Store, plan: LaunchNetwork, min: number, count: number): string[] {
  if (plan.existing) return [plan.existing.privateIp];
  if (plan.privateIp) return [plan.privateIp];
  const out: string[] = [];
  while (out.length < count) {
    const ip = nextFreeAddress(store, plan.subnet.id, out);
    if (!ip) break;
    out.push(ip);
  }
  if (out.length < min) {
    throw new HiveError({
      kind: "InvalidParameter",
      resource: "subnet-full",
      param: "SubnetId",
      message: `There are not enough free addresses in subnet '${plan.subnet.id}' to satisfy the requested number of instances.`,
    });
  }
  return out;
}

/**
 * Writes each instance's primary interface (inside the caller's launch transaction): a new one per instance with its
 * MAC (the guest's) and address, or the existing interface attached to the one instance.
 */
export function attachPrimaryInterfaces(
  store: Store,
  ctx: DaemonContext,
  plan: LaunchNetwork,
  instances: Array<{ id: string; mac: string; privateIp: string }>,
  at: string,
): void {
  for (const inst of instances) {
    const attachment = { instanceId: inst.id, deviceIndex: 0, attachmentId: newId("eni-attach"), attachTime: at, deleteOnTermination: plan.deleteOnTermination, node: ctx.node };
    if (plan.existing) {
      store.networkInterfaces.update(plan.existing.id, attachment);
      continue;
    }
    const id = newId("eni");
    store.networkInterfaces.insert({
      id,
      subnetId: plan.subnet.id,
      vpcId: plan.subnet.vpcId,
      az: plan.subnet.az,
      mac: inst.mac,
      privateIp: inst.privateIp,
      description: plan.description,
      sourceDestCheck: true,
      interfaceType: "interface",
      createdAt: at,
      ...attachment,
    });
    store.networkInterfaces.setGroups(id, plan.groupIds);
  }
}

/**
 * At termination: interfaces marked DeleteOnTermination go (their addresses free, an Elastic IP disassociated), the
 * others are detached and available again. Returns the VPCs whose traffic changed.
 */
export function releaseInstanceInterfaces(store: Store, instanceId: string): string[] {
  const vpcs = new Set<string>();
  store.transaction(() => {
    for (const n of store.networkInterfaces.forInstance(instanceId)) {
      vpcs.add(n.vpcId);
      if (n.deleteOnTermination) {
        for (const a of store.networkInterfaces.addressesOf([n.id])) {
          store.networkInterfaces.addresses.update(a.allocationId, { associationId: null, networkInterfaceId: null, privateIp: null });
        }
        store.networkInterfaces.setGroups(n.id, []);
        store.networkInterfaces.delete(n.id);
      } else {
        store.networkInterfaces.update(n.id, { instanceId: null, deviceIndex: null, attachmentId: null, attachTime: null, deleteOnTermination: null, node: null });
      }
    }
  });
  return [...vpcs];
}

/** The instance's primary interface, if it has one. */
export const primaryInterfaceOf = (store: Store, instanceId: string): NetworkInterfaceRecord | undefined =>
  store.networkInterfaces.forInstance(instanceId).find((n) => n.deviceIndex === 0);

