// EC2's subnet actions: each VPC's subnets, one availability zone each. Region-wide: any one node answers.
import type {
  CreateSubnetRequest,
  CreateSubnetResult,
  DeleteSubnetRequest,
  DescribeSubnetsRequest,
  DescribeSubnetsResult,
  ModifySubnetAttributeRequest,
} from "@aws-sdk/client-ec2";
import { anyNode, declare, regionWriter } from "../spec.ts";

export const subnetActions = {
  CreateSubnet: declare<CreateSubnetRequest, CreateSubnetResult>(regionWriter),
  DeleteSubnet: declare<DeleteSubnetRequest, object>(regionWriter),
  DescribeSubnets: declare<DescribeSubnetsRequest, DescribeSubnetsResult>(anyNode),
  ModifySubnetAttribute: declare<ModifySubnetAttributeRequest, object>(regionWriter),
};
