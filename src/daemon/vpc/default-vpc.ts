// The region's default VPC, made once as AWS makes one per region: 172.31.0.0/16, a /20 default subnet per
// availability zone, the default security group, the main route table routing 0.0.0.0/0 to an attached internet
// gateway, and the default DHCP options. Made at the first start of a data directory (new, or one from before VPCs).

import type { Store, SubnetRecord } from "../../store/index.ts";
import { formatCidr, parseCidr, privateDnsDomain } from "../../net/index.ts";
import { newId, type DaemonContext } from "../shared/index.ts";
import { createDefaultGroup } from "../security-groups/index.ts";

export const DEFAULT_VPC_CIDR = "172.31.0.0/16";
const MADE = "default-vpc-created";


/** The nth /20 of the default VPC, for the nth availability zone. */
export const defaultSubnetCidr = (n: number): string => {
  const vpc = parseCidr(DEFAULT_VPC_CIDR);
  return formatCidr({ network: vpc.network + n * 4096, prefix: 20 });
};

/** Makes the default VPC unless this data directory made it before (a user may delete it, as on AWS). */
export function ensureDefaultVpc(ctx: DaemonContext, store: Store): string | undefined {
  if (store.getSetting(MADE)) return store.vpcs.list().find((v) => v.isDefault)?.id;
  const now = new Date().toISOString();
  const vpcId = newId("vpc");
  store.transaction(() => {
    const dopt = newId("dopt");
    store.vpcs.dhcpOptions.insert({ id: dopt, domainName: privateDnsDomain(ctx.region), domainNameServers: "AmazonProvidedDNS", createdAt: now });
    store.vpcs.insert({ id: vpcId, cidr: DEFAULT_VPC_CIDR, isDefault: true, dhcpOptionsId: dopt, dnsSupport: true, dnsHostnames: true, tenancy: "default", netIndex: store.vpcs.freeNetIndex(), createdAt: now });
    store.vpcs.addCidrBlock({ associationId: newId("vpc-cidr-assoc"), vpcId, cidr: DEFAULT_VPC_CIDR, primary: true });
    createDefaultGroup(store, vpcId, now);
    const igw = newId("igw");
    store.routeTables.internetGateways.insert({ id: igw, vpcId, createdAt: now });
    const rtb = newId("rtb");
    store.routeTables.insert({ id: rtb, vpcId, createdAt: now });
    store.routeTables.putRoute({ routeTableId: rtb, destination: DEFAULT_VPC_CIDR, gatewayId: "local", origin: "CreateRouteTable" });
    store.routeTables.putRoute({ routeTableId: rtb, destination: "0.0.0.0/0", gatewayId: igw, origin: "CreateRoute" });
    store.routeTables.addAssociation({ id: newId("rtbassoc"), routeTableId: rtb, main: true });
    const subnet: SubnetRecord = {
      id: newId("subnet"),
      vpcId,
      cidr: defaultSubnetCidr(0),
      az: ctx.az,
      defaultForAz: true,
      mapPublicIp: true,
      hostnameType: "ip-name",
      dnsARecord: false,
      createdAt: now,
    };
    store.subnets.insert(subnet);
    store.setSetting(MADE, vpcId);
  });
  return vpcId;
}

/**
 * A member's share of the default VPC: the default subnet of its own zone, the /20 its zone letter gives (zone a the
 * first, as on AWS), so members never pick the same block. Nothing to do until the region's log brought the VPC.
 */
export function ensureDefaultSubnet(ctx: DaemonContext, store: Store): string | undefined {
  const vpc = store.vpcs.list().find((v) => v.isDefault);
  if (!vpc) return undefined;
  const mine = store.subnets.list().find((s) => s.vpcId === vpc.id && s.az === ctx.az && s.defaultForAz);
  if (mine) return mine.id;
  const letter = ctx.az.slice(ctx.region.length);
  const subnet: SubnetRecord = {
    id: newId("subnet"),
    vpcId: vpc.id,
    cidr: defaultSubnetCidr(letter.charCodeAt(0) - 97),
    az: ctx.az,
    defaultForAz: true,
    mapPublicIp: true,
    hostnameType: "ip-name",
    dnsARecord: false,
    createdAt: new Date().toISOString(),
  };
  store.subnets.insert(subnet);
  return subnet.id;
}
