// The region's catalogue and key pairs, bound to the catalogue's declarations: regions, zones, instance types,
// account attributes, the caller's identity, and the key pairs kept in the region's store.
import type { Ec2Actions, Handlers } from "../actions/index.ts";
import type { Store } from "../store/index.ts";
import { describeAccountAttributes } from "./catalogue/index.ts";
import { describeAvailabilityZones } from "./catalogue/index.ts";
import { getCallerIdentity } from "./catalogue/index.ts";
import type { DaemonContext } from "./shared/index.ts";
import { describeInstanceTypes } from "./catalogue/index.ts";
import { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair } from "./key-pairs/index.ts";
import { describeRegions } from "./catalogue/index.ts";

export const catalogueHandlers = (ctx: DaemonContext) =>
  ({
    DescribeRegions: (req) => describeRegions(req.input ?? {}, ctx),
    DescribeAvailabilityZones: (req) => describeAvailabilityZones(req.input ?? {}, ctx),
    DescribeInstanceTypes: (req) => describeInstanceTypes(req.input ?? {}, ctx),
    DescribeAccountAttributes: (req) => describeAccountAttributes(req.input ?? {}, ctx),
  }) satisfies Partial<Handlers<Ec2Actions>>;

export const keyPairHandlers = (store: Store) =>
  ({
    CreateKeyPair: (req) => createKeyPair(req.input ?? {}, store),
    ImportKeyPair: (req) => importKeyPair(req.input ?? {}, store),
    DescribeKeyPairs: (req) => describeKeyPairs(req.input ?? {}, store),
    DeleteKeyPair: (req) => deleteKeyPair(req.input ?? {}, store),
  }) satisfies Partial<Handlers<Ec2Actions>>;

export const stsHandlers = (ctx: DaemonContext) =>
  ({
    GetCallerIdentity: (req) => getCallerIdentity(req.input ?? {}, ctx, req.caller),
  }) satisfies Handlers<import("../actions/index.ts").Catalogue["sts"]>;
