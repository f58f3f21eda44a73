// Network interfaces and Elastic IPs: the region's ENIs and public addresses, their actions, the addresses of a
// subnet, and how an instance gets (and at termination gives back) its primary interface.
export { networkInterfaceHandlers } from "./handlers.ts";
export { NetworkInterfaceActions, setInterfaceGroups, interfaceFilterFields } from "./network-interfaces.ts";
export { ElasticIpActions, poolAddresses } from "./elastic-ips.ts";
export { nextFreeAddress, checkWantedAddress, reservedAddresses, addressInUse } from "./subnet-addresses.ts";
export { interfaceFacts, instanceInterfaceView, networkInterfaceView, publicDnsNameOf, type InterfaceFacts } from "./interface-view.ts";
export { attachPrimaryInterfaces, launchAddresses, launchNetwork, primaryInterfaceOf, releaseInstanceInterfaces, type LaunchNetwork } from "./instance-network.ts";
export { MAX_GROUPS_PER_INTERFACE } from "./interface-groups.ts";
