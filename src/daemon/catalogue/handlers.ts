// The catalogue's actions bound to their declarations: regions, zones, instance types, account attributes, STS and IAM.
import type { Catalogue, Ec2Actions, Handlers } from "../../actions/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { describeAccountAttributes } from "./account-attributes.ts";
import { listAccountAliases } from "./account-aliases.ts";
import { describeAvailabilityZones, type RegionZone } from "./availability-zones.ts";
import { getCallerIdentity } from "./caller-identity.ts";
import { describeInstanceTypes } from "./instance-types.ts";
import { describeRegions } from "./regions.ts";

export const catalogueHandlers = (ctx: DaemonContext, zones?: () => RegionZone[]) =>
  ({
    DescribeRegions: (req) => describeRegions(req.input, ctx),
    DescribeAvailabilityZones: (req) => describeAvailabilityZones(req.input, ctx, zones?.()),
    DescribeInstanceTypes: (req) => describeInstanceTypes(req.input, ctx),
    DescribeAccountAttributes: (req) => describeAccountAttributes(req.input, ctx),
  }) satisfies Partial<Handlers<Ec2Actions>>;

export const stsHandlers = (ctx: DaemonContext): Handlers<Catalogue["sts"]> => ({
  GetCallerIdentity: (req) => getCallerIdentity(req.input, ctx, req.caller),
});

export const iamHandlers = (): Handlers<Catalogue["iam"]> => ({
  ListAccountAliases: (req) => listAccountAliases(req.input),
});
