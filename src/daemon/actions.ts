// The action table: which bus subject runs which handler, and whether one node or every node answers it.

import type { ActionRequest, ActionTable } from "../bus/index.ts";
import { describeAccountAttributes } from "./catalogue/index.ts";
import { describeAvailabilityZones } from "./catalogue/index.ts";
import { getCallerIdentity } from "./catalogue/index.ts";
import type { Store } from "../store/index.ts";
import type { DaemonContext } from "./shared/index.ts";
import { describeImages } from "./images/index.ts";
import { describeInstanceTypes } from "./catalogue/index.ts";
import { createKeyPair, deleteKeyPair, describeKeyPairs, importKeyPair } from "./key-pairs/index.ts";
import { describeRegions } from "./catalogue/index.ts";

// The gateway sends the SDK-shaped input; an action without parameters may arrive with none at all.
const input = <I>(req: ActionRequest): I => (req.input ?? {}) as I;

/** Every action this daemon serves, bound to its context; keys are bus subjects ("service.Action"). */
export const actionTable = (ctx: DaemonContext, store?: Store): ActionTable => ({
  "ec2.DescribeRegions": { mode: "queue", handler: (req) => describeRegions(input(req), ctx) },
  "ec2.DescribeAvailabilityZones": { mode: "fanout", handler: (req) => describeAvailabilityZones(input(req), ctx) },
  "ec2.DescribeInstanceTypes": { mode: "fanout", handler: (req) => describeInstanceTypes(input(req), ctx) },
  "ec2.DescribeAccountAttributes": { mode: "queue", handler: (req) => describeAccountAttributes(input(req), ctx) },
  "sts.GetCallerIdentity": { mode: "queue", handler: (req) => getCallerIdentity(input(req), ctx, req.caller) },
  ...(store ? { "ec2.DescribeImages": { mode: "fanout" as const, handler: (req: ActionRequest) => describeImages(input(req), ctx, store) } } : {}),
  // Key pairs are account-wide and live in this one store; a cluster would replicate them (see routes.ts).
  ...(store
    ? {
        "ec2.CreateKeyPair": { mode: "queue" as const, handler: (req: ActionRequest) => createKeyPair(input(req), store) },
        "ec2.ImportKeyPair": { mode: "queue" as const, handler: (req: ActionRequest) => importKeyPair(input(req), store) },
        "ec2.DescribeKeyPairs": { mode: "queue" as const, handler: (req: ActionRequest) => describeKeyPairs(input(req), store) },
        "ec2.DeleteKeyPair": { mode: "queue" as const, handler: (req: ActionRequest) => deleteKeyPair(input(req), store) },
      }
    : {}),
});
