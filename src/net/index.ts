// Host networking (root): the bridge with NAT and guarded taps (bridge mode), and the VPC data plane (a namespace per VPC as its router).
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
export type { VpcPlan, SubnetPlan, PortPlan, GroupPlan, RulePlan } from "./vpc-plan.ts";
export { vpcNamespace, transitLink, transitPrefix, transitAddresses, policyTable, netnsExecPrefix, checkVpcPlan, UPLINK, VPC_DNS_IP } from "./vpc-plan.ts";
export { vpcRuleset, VPC_TABLE } from "./vpc-rules.ts";
export { setupVpcHost, hostTable } from "./vpc-host.ts";
export type { VpcHostOptions } from "./vpc-host.ts";
export { applyVpc, createPort, deletePort, removeVpc, listVpcNamespaces, teardownVpcHost } from "./vpc-namespace.ts";
export type { ApplyOptions } from "./vpc-namespace.ts";
