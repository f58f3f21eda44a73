// VPCs and what hangs off them: CIDR blocks, subnets, route tables and routes, internet gateways, DHCP options.
export { ensureDefaultSubnet, ensureDefaultVpc, DEFAULT_VPC_CIDR, defaultSubnetCidr } from "./default-vpc.ts";
export { vpcHandlers } from "./handlers.ts";
export { availableAddressCount, subnetHasInternet, subnetRouteTable, RESERVED_PER_SUBNET } from "./addressing.ts";
export { subnetView } from "./subnets.ts";
export { vpcDhcpOptions, AMAZON_PROVIDED_DNS } from "./dhcp-options.ts";
