// EC2's catalogue of the region: regions, zones, instance types and account attributes.
import type {
  DescribeAccountAttributesRequest,
  DescribeAccountAttributesResult,
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
  DescribeInstanceTypesRequest,
  DescribeInstanceTypesResult,
  DescribeRegionsRequest,
  DescribeRegionsResult,
} from "@aws-sdk/client-ec2";
import { anyNode, declare } from "../spec.ts";

export const catalogueActions = {
  DescribeRegions: declare<DescribeRegionsRequest, DescribeRegionsResult>(anyNode),
  DescribeAccountAttributes: declare<DescribeAccountAttributesRequest, DescribeAccountAttributesResult>(anyNode),
  // Every box has a copy of the region's members, one zone each, and hears which are alive.
  DescribeAvailabilityZones: declare<DescribeAvailabilityZonesRequest, DescribeAvailabilityZonesResult>(anyNode),
  // Each node knows the instance types its host can run.
  DescribeInstanceTypes: declare<DescribeInstanceTypesRequest, DescribeInstanceTypesResult>({
    kind: "every",
    merge: { list: "InstanceTypes", key: "InstanceType", paginated: true },
  }),
};
