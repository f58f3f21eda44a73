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
import { anyNode, declare, regionWriter } from "../spec.ts";

export const networkInterfaceActions = {
  CreateNetworkInterface: declare<CreateNetworkInterfaceRequest, CreateNetworkInterfaceResult>(regionWriter),
  DeleteNetworkInterface: declare<DeleteNetworkInterfaceRequest, object>(regionWriter),
  DescribeNetworkInterfaces: declare<DescribeNetworkInterfacesRequest, DescribeNetworkInterfacesResult>(anyNode),
  AttachNetworkInterface: declare<AttachNetworkInterfaceRequest, AttachNetworkInterfaceResult>(regionWriter),
  DetachNetworkInterface: declare<DetachNetworkInterfaceRequest, object>(regionWriter),
  ModifyNetworkInterfaceAttribute: declare<ModifyNetworkInterfaceAttributeRequest, object>(regionWriter),
};
