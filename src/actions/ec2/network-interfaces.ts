// EC2's network interface actions. Interfaces belong to the region: any one node answers from the region's state.
import type {
  AttachNetworkInterfaceRequest,
  AttachNetworkInterfaceResult,
  CreateNetworkInterfaceRequest,
  CreateNetworkInterfaceResult,
  DeleteNetworkInterfaceRequest,
  DescribeNetworkInterfacesRequest,
  DescribeNetworkInterfacesResult,
  DetachNetworkInterfaceRequest,
  ModifyNetworkInterfaceAttributeRequest,
} from "@aws-sdk/client-ec2";
import { anyNode, declare } from "../spec.ts";

export const networkInterfaceActions = {
  CreateNetworkInterface: declare<CreateNetworkInterfaceRequest, CreateNetworkInterfaceResult>(anyNode),
  DeleteNetworkInterface: declare<DeleteNetworkInterfaceRequest, object>(anyNode),
  DescribeNetworkInterfaces: declare<DescribeNetworkInterfacesRequest, DescribeNetworkInterfacesResult>(anyNode),
  AttachNetworkInterface: declare<AttachNetworkInterfaceRequest, AttachNetworkInterfaceResult>(anyNode),
  DetachNetworkInterface: declare<DetachNetworkInterfaceRequest, object>(anyNode),
  ModifyNetworkInterfaceAttribute: declare<ModifyNetworkInterfaceAttributeRequest, object>(anyNode),
};
