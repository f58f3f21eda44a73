// EC2's Elastic IP actions. Addresses belong to the region: any one node answers from the region's state.
import type {
  AllocateAddressRequest,
  AllocateAddressResult,
  AssociateAddressRequest,
  AssociateAddressResult,
  DescribeAddressesRequest,
  DescribeAddressesResult,
  DisassociateAddressRequest,
  ReleaseAddressRequest,
} from "@aws-sdk/client-ec2";
import { anyNode, declare, regionWriter } from "../spec.ts";

export const addressActions = {
  AllocateAddress: declare<AllocateAddressRequest, AllocateAddressResult>(regionWriter),
  AssociateAddress: declare<AssociateAddressRequest, AssociateAddressResult>(regionWriter),
  DisassociateAddress: declare<DisassociateAddressRequest, object>(regionWriter),
  ReleaseAddress: declare<ReleaseAddressRequest, object>(regionWriter),
  DescribeAddresses: declare<DescribeAddressesRequest, DescribeAddressesResult>(anyNode),
};
