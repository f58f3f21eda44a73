// Host networking: the bridge and NAT, guest taps guarded against spoofing, guest addresses, and each VPC's DNS resolver.
export { setupBridge, teardownBridge, bridgeNetwork, checkNoCollision, DEFAULT_BRIDGE, DEFAULT_CIDR, METADATA_IP } from "./bridge.ts";
export type { BridgeNetwork, BridgeOptions } from "./bridge.ts";
export { createTap, deleteTap, listTaps, reconcile, tapNameFor } from "./taps.ts";
export type { TapSpec } from "./taps.ts";
export { guardPort, unguardPort, guardedPorts, TAP_PREFIX } from "./port-guard.ts";
export type { PortGuard } from "./port-guard.ts";
export { lowestFree, MemoryAddressBook } from "./addresses.ts";
export type { AddressBook, Allocation } from "./addresses.ts";
export { setHopLimits, DEFAULT_HOP_LIMIT } from "./hop-limit.ts";
export type { HopLimit } from "./hop-limit.ts";
export { hostResolvers, usableResolvers } from "./resolvers.ts";
export { parseIpv4, formatIpv4, parseCidr, formatCidr, blockOf, broadcastOf, contains, overlaps } from "./ipv4.ts";
export type { Cidr } from "./ipv4.ts";
export { startVpcDns, updateVpcDns, stopVpcDns, vpcDnsPid, vpcDnsPaths, privateDnsName, privateDnsDomain, renderVpcDnsConfig, renderVpcDnsHosts } from "./vpc-dns.ts";
export type { VpcDnsHost, VpcDnsOptions, VpcDnsInfo, VpcDnsPaths, DnsmasqConfig } from "./vpc-dns.ts";
