// What a guest in a VPC is told about its network through its seed: its primary interface's address in its subnet,
// the VPC router, and the VPC's resolver with the region's private domain.

import { privateDnsDomain } from "../../net/index.ts";
import type { Store } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { AMAZON_PROVIDED_DNS, vpcDhcpOptions } from "../vpc/index.ts";
import { addressInBlock } from "./vpc-plans.ts";

export interface GuestNetwork {
  /** The address with the subnet's prefix, e.g. 10.0.1.4/24. */
  address: string;
  /** The VPC router's address in the subnet (base+1). */
  gateway: string;
  /** AmazonProvidedDNS (the VPC's base+2), when the VPC has DNS support. */
  nameservers: string[];
  /** The region's private domain, so the guest's own short name resolves. */
  search: string[];
}

/** The instance's network as its seed gives it; undefined when it has no primary interface (or its subnet is gone). */
export function guestNetwork(ctx: DaemonContext, store: Store, instanceId: string): GuestNetwork | undefined {
  const eni = store.networkInterfaces.forInstance(instanceId).find((e) => e.deviceIndex === 0);
  const subnet = eni ? store.subnets.get(eni.subnetId) : undefined;
  const vpc = subnet ? store.vpcs.get(subnet.vpcId) : undefined;
  if (!eni || !subnet || !vpc) return undefined;
  // The VPC's DHCP option set says which resolvers and search domain guests get, as on AWS (a set without name
  // servers, or none at all, gives none); AmazonProvidedDNS answers only where the VPC has DNS support.
  const dhcp = vpcDhcpOptions(store, vpc.id);
  const nameservers = (dhcp?.nameServers ?? []).flatMap((n) => (n === AMAZON_PROVIDED_DNS ? (vpc.dnsSupport ? [addressInBlock(vpc.cidr, 2)] : []) : [n]));
  return {
    address: `${eni.privateIp}/${subnet.cidr.split("/")[1]}`,
    gateway: addressInBlock(subnet.cidr, 1),
    nameservers,
    search: [dhcp?.domainName ?? privateDnsDomain(ctx.region)],
  };
}
