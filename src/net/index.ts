// Host networking (root): the VPC data plane (a namespace per VPC as its router) with each VPC's DNS resolver, and the old bridge.
export { hostResolvers, usableResolvers } from "./resolvers.ts";
export { parseIpv4, formatIpv4, parseCidr, formatCidr, blockOf, broadcastOf, contains, overlaps } from "./ipv4.ts";
export type { Cidr } from "./ipv4.ts";
export { startVpcDns, updateVpcDns, stopVpcDns, vpcDnsPid, vpcDnsPaths, privateDnsName, privateDnsDomain, renderVpcDnsConfig, renderVpcDnsHosts } from "./vpc-dns.ts";
export type { VpcDnsHost, VpcDnsOptions, VpcDnsInfo, VpcDnsPaths, DnsmasqConfig } from "./vpc-dns.ts";
export type { VpcPlan, SubnetPlan, PortPlan, GroupPlan, RulePlan } from "./vpc-plan.ts";
export { tapNameFor, TAP_PREFIX, vpcNamespace, transitLink, transitPrefix, transitAddresses, policyTable, netnsExecPrefix, checkVpcPlan, UPLINK, VPC_DNS_IP } from "./vpc-plan.ts";
export { vpcRuleset, VPC_TABLE } from "./vpc-rules.ts";
export { setupVpcHost, hostTable, foreignRoutes } from "./vpc-host.ts";
export type { VpcHostOptions } from "./vpc-host.ts";
export { applyVpc, createPort, deletePort, removeVpc, listVpcNamespaces, teardownVpcHost } from "./vpc-namespace.ts";
export type { ApplyOptions } from "./vpc-namespace.ts";
export { bridgeInUse, teardownBridge, DEFAULT_BRIDGE } from "./legacy-bridge.ts";
