// Instances on this node: RunInstances and the per-instance actions, how rows look to EC2, capacity, what a guest is
// told about itself, and the lifecycle engine that launches, stops and re-adopts their QEMU processes.

export { runInstances, runInstancesRoom } from "./run-instances.ts";
export {
  describeInstanceAttribute,
  describeInstances,
  describeInstanceStatus,
  getConsoleOutput,
  modifyInstanceAttribute,
  rebootInstances,
  startInstances,
  stopInstances,
  terminateInstances,
} from "./instances.ts";
export { modifyInstanceMetadataOptions } from "./metadata-options.ts";
export { creditsOf, defaultCpuCredits, describeInstanceCreditSpecifications, modifyInstanceCreditSpecification } from "./credit-specifications.ts";
export { describeIamInstanceProfileAssociations } from "./instance-profiles.ts";
export { getLaunchTemplateData } from "./launch-template-data.ts";
export { instanceDeps, type InstanceDeps } from "./instance-deps.ts";
export { InstanceManager, type InstanceManagerDeps, type RecoverOptions } from "./instance-manager.ts";
export { hostFactsAtStart, hostFailure, recordHostBoot, type HostFacts } from "./host-failure.ts";
export { TERMINATED_VISIBLE_MS } from "./purge.ts";
export { guestMac, hostnameFor, macFor, metadataFacts, privateDnsNameFor, seedFiles, systemIdentityFor } from "./guest-config.ts";
export { instanceHandlers } from "./handlers.ts";
export { placeEarlierInstances } from "./adopt-network.ts";
