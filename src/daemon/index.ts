// The node daemon: EC2/STS actions as pure handlers, the table the bus serves them from, and the daemon's start-up.

export type { DaemonContext } from "./context.ts";
export { catalogueHandlers, keyPairHandlers, stsHandlers } from "./actions.ts";
export { startDaemon, type RunningDaemon } from "./node-daemon.ts";
export { applyFilters, tagFilters, wildcardPattern, escapeRegExp, type FilterFields, type DynamicFilterField } from "./filters.ts";
export { describeRegions, endpointHost } from "./regions.ts";
export { describeAvailabilityZones, thisZone } from "./availability-zones.ts";
export { describeInstanceTypes, instanceTypeFilterNames } from "./instance-types.ts";
export {
  allInstanceTypes,
  catalogFor,
  compareNames,
  findInstanceType,
  fitsHost,
  instanceTypesFor,
} from "./instance-catalog.ts";
export { describeAccountAttributes, MAX_INSTANCES } from "./account-attributes.ts";
export { getCallerIdentity } from "./caller-identity.ts";
export { releaseImageIfUnused } from "./image-files.ts";
export { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair, publicKeyOf, type KeyPairPublicKey } from "./key-pairs.ts";
export { seedFiles, systemIdentityFor, macFor, hostnameFor } from "./guest-config.ts";
