// The rows of the EC2 network model: region-wide resources (VPCs, subnets, route tables, gateways, DHCP options,
// security groups, network interfaces, Elastic IPs), kept apart from the per-box instances that use them.

export interface DhcpOptionsRecord {
  id: string; // dopt-<17 hex>
  domainName?: string;
  /** Comma-separated; "AmazonProvidedDNS" for the region's resolver. */
  domainNameServers: string;
  createdAt: string;
}

export interface VpcRecord {
  id: string; // vpc-<17 hex>
  /** The primary IPv4 block. */
  cidr: string;
  isDefault: boolean;
  dhcpOptionsId?: string;
  dnsSupport: boolean;
  dnsHostnames: boolean;
  tenancy: string;
  /** A small number unique per VPC on this appliance, naming its network namespace and transit link. */
  netIndex: number;
  createdAt: string;
}

export interface VpcCidrBlockRecord {
  associationId: string; // vpc-cidr-assoc-<17 hex>
  vpcId: string;
  cidr: string;
  primary: boolean;
}

export interface SubnetRecord {
  id: string; // subnet-<17 hex>
  vpcId: string;
  cidr: string;
  az: string;
  defaultForAz: boolean;
  mapPublicIp: boolean;
  hostnameType: "ip-name" | "resource-name";
  dnsARecord: boolean;
  createdAt: string;
}

export interface InternetGatewayRecord {
  id: string; // igw-<17 hex>
  /** The VPC it is attached to, if any. */
  vpcId?: string;
  createdAt: string;
}

export interface RouteTableRecord {
  id: string; // rtb-<17 hex>
  vpcId: string;
  createdAt: string;
}

export interface RouteRecord {
  routeTableId: string;
  destination: string; // IPv4 CIDR
  /** "local" for the VPC's own blocks, or an internet gateway's id. */
  gatewayId: string;
  origin: "CreateRouteTable" | "CreateRoute";
}

export interface RouteTableAssociationRecord {
  id: string; // rtbassoc-<17 hex>
  routeTableId: string;
  /** Undefined for the VPC's main association. */
  subnetId?: string;
  main: boolean;
}

export interface SecurityGroupRecord {
  id: string; // sg-<17 hex>
  vpcId: string;
  name: string;
  description: string;
  isDefault: boolean;
  createdAt: string;
}

export interface SecurityGroupRuleRecord {
  id: string; // sgr-<17 hex>
  groupId: string;
  egress: boolean;
  /** "-1" for all, "tcp", "udp", "icmp", or an IP protocol number as text. */
  protocol: string;
  /** Port range, or ICMP type (fromPort) and code (toPort); -1 for any. */
  fromPort?: number;
  toPort?: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  description?: string;
}

export interface NetworkInterfaceRecord {
  id: string; // eni-<17 hex>
  subnetId: string;
  vpcId: string;
  az: string;
  mac: string;
  privateIp: string;
  description: string;
  sourceDestCheck: boolean;
  interfaceType: string;
  /** The attachment, when attached. */
  instanceId?: string;
  deviceIndex?: number;
  attachmentId?: string;
  attachTime?: string;
  deleteOnTermination?: boolean;
  /** The box that holds the attached instance. */
  node?: string;
  createdAt: string;
}

export interface AddressRecord {
  allocationId: string; // eipalloc-<17 hex>
  publicIp: string;
  associationId?: string; // eipassoc-<17 hex>
  networkInterfaceId?: string;
  privateIp?: string;
  createdAt: string;
}
