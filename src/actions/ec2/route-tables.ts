// EC2's route table and internet gateway actions: how each subnet's traffic leaves its VPC. Region-wide: any one
// node answers.
import type {
  AssociateRouteTableRequest,
  AssociateRouteTableResult,
  AttachInternetGatewayRequest,
  CreateInternetGatewayRequest,
  CreateInternetGatewayResult,
  CreateRouteRequest,
  CreateRouteResult,
  CreateRouteTableRequest,
  CreateRouteTableResult,
  DeleteInternetGatewayRequest,
  DeleteRouteRequest,
  DeleteRouteTableRequest,
  DescribeInternetGatewaysRequest,
  DescribeInternetGatewaysResult,
  DescribeRouteTablesRequest,
  DescribeRouteTablesResult,
  DetachInternetGatewayRequest,
  DisassociateRouteTableRequest,
  ReplaceRouteRequest,
  ReplaceRouteTableAssociationRequest,
  ReplaceRouteTableAssociationResult,
} from "@aws-sdk/client-ec2";
import { anyNode, declare, regionWriter } from "../spec.ts";

export const routeTableActions = {
  CreateRouteTable: declare<CreateRouteTableRequest, CreateRouteTableResult>(regionWriter),
  DeleteRouteTable: declare<DeleteRouteTableRequest, object>(regionWriter),
  DescribeRouteTables: declare<DescribeRouteTablesRequest, DescribeRouteTablesResult>(anyNode),
  CreateRoute: declare<CreateRouteRequest, CreateRouteResult>(regionWriter),
  ReplaceRoute: declare<ReplaceRouteRequest, object>(regionWriter),
  DeleteRoute: declare<DeleteRouteRequest, object>(regionWriter),
  AssociateRouteTable: declare<AssociateRouteTableRequest, AssociateRouteTableResult>(regionWriter),
  DisassociateRouteTable: declare<DisassociateRouteTableRequest, object>(regionWriter),
  ReplaceRouteTableAssociation: declare<ReplaceRouteTableAssociationRequest, ReplaceRouteTableAssociationResult>(regionWriter),
};

export const internetGatewayActions = {
  CreateInternetGateway: declare<CreateInternetGatewayRequest, CreateInternetGatewayResult>(regionWriter),
  DeleteInternetGateway: declare<DeleteInternetGatewayRequest, object>(regionWriter),
  DescribeInternetGateways: declare<DescribeInternetGatewaysRequest, DescribeInternetGatewaysResult>(anyNode),
  AttachInternetGateway: declare<AttachInternetGatewayRequest, object>(regionWriter),
  DetachInternetGateway: declare<DetachInternetGatewayRequest, object>(regionWriter),
};
