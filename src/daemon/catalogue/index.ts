// What this node offers, the same for every caller: its region and zone, the instance types that fit it, the account's limits, who is asking, its (absent) aliases.

export { describeRegions, endpointHost } from "./regions.ts";
export { describeAvailabilityZones, thisZone, type RegionZone } from "./availability-zones.ts";
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
export { catalogueHandlers, iamHandlers, stsHandlers } from "./handlers.ts";
