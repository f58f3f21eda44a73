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
import { anyNode, declare } from "../spec.ts";

export const addressActions = {
  AllocateAddress: declare<AllocateAddressRequest, AllocateAddressResult>(anyNode),
  AssociateAddress: declare<AssociateAddressRequest, AssociateAddressResult>(anyNode),
  DisassociateAddress: declare<DisassociateAddressRequest, object>(anyNode),
  ReleaseAddress: declare<ReleaseAddressRequest, object>(anyNode),
  DescribeAddresses: declare<DescribeAddressesRequest, DescribeAddressesResult>(anyNode),
};
