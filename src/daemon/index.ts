// The node daemon: EC2/STS actions as pure handlers, the table the bus serves them from, and the daemon's start-up.

export type { DaemonContext } from "./shared/index.ts";
export { daemonHandlers, type HandlerDeps } from "./handlers.ts";
export { catalogueHandlers, stsHandlers } from "./catalogue/index.ts";
export { keyPairHandlers } from "./key-pairs/index.ts";
export { startDaemon, type RunningDaemon } from "./node-daemon.ts";
export { applyFilters, tagFilters, wildcardPattern, escapeRegExp, type FilterFields, type DynamicFilterField } from "./shared/index.ts";
export { describeRegions, endpointHost } from "./catalogue/index.ts";
export { describeAvailabilityZones, thisZone } from "./catalogue/index.ts";
export { describeInstanceTypes, instanceTypeFilterNames } from "./catalogue/index.ts";
export {
  allInstanceTypes,
  catalogFor,
  compareNames,
  findInstanceType,
  fitsHost,
  instanceTypesFor,
} from "./catalogue/index.ts";
export { describeAccountAttributes, MAX_INSTANCES } from "./catalogue/index.ts";
export { getCallerIdentity } from "./catalogue/index.ts";
export { releaseImageIfUnused } from "./images/index.ts";
export { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair, publicKeyOf, type KeyPairPublicKey } from "./key-pairs/index.ts";
export { seedFiles, systemIdentityFor, macFor, hostnameFor } from "./instances/index.ts";
