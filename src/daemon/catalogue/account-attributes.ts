// DescribeAccountAttributes: the account's fixed limits on this appliance (VPC-only, no default VPC yet).

import type { AccountAttribute, DescribeAccountAttributesRequest, DescribeAccountAttributesResult } from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";
import type { DaemonContext } from "../shared/index.ts";

/** EC2's long-standing default On-Demand instance limit for a new account. */
export const MAX_INSTANCES = 20;

const attributes: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["supported-platforms", ["VPC"]],
  ["default-vpc", ["none"]],
  ["max-instances", [String(MAX_INSTANCES)]],
  ["vpc-max-security-groups-per-interface", ["5"]],
  ["max-elastic-ips", ["5"]],
  ["vpc-max-elastic-ips", ["5"]],
];

const toAttribute = ([name, values]: readonly [string, readonly string[]]): AccountAttribute => ({
  AttributeName: name,
  AttributeValues: values.map((v) => ({ AttributeValue: v })),
});

export const describeAccountAttributes = (
  input: DescribeAccountAttributesRequest,
  _ctx: DaemonContext,
): DescribeAccountAttributesResult => {
  const names: string[] = input.AttributeNames ?? [];
  const known = new Set(attributes.map(([n]) => n));
  const bad = names.find((n) => !known.has(n));
  if (bad !== undefined) throw invalidParameter("AttributeNames", `Value (${bad}) for parameter AttributeNames is invalid`);
  const wanted = new Set(names);
  return { AccountAttributes: attributes.filter(([n]) => wanted.size === 0 || wanted.has(n)).map(toAttribute) };
};
