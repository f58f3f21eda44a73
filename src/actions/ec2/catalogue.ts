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
  // Each node is one zone and knows the instance types its host can run.
  DescribeAvailabilityZones: declare<DescribeAvailabilityZonesRequest, DescribeAvailabilityZonesResult>({
    kind: "every",
    merge: {
      list: "AvailabilityZones",
      key: "ZoneName",
      named: [
        { param: "ZoneNames", field: "ZoneName", message: (n) => `The zone '${n}' does not exist` },
        { param: "ZoneIds", field: "ZoneId", message: (n) => `The zone ID '${n}' does not exist` },
      ],
    },
  }),
  DescribeInstanceTypes: declare<DescribeInstanceTypesRequest, DescribeInstanceTypesResult>({
    kind: "every",
    merge: { list: "InstanceTypes", key: "InstanceType", paginated: true },
  }),
};
