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
import { anyNode, declare } from "../spec.ts";

export const routeTableActions = {
  CreateRouteTable: declare<CreateRouteTableRequest, CreateRouteTableResult>(anyNode),
  DeleteRouteTable: declare<DeleteRouteTableRequest, object>(anyNode),
  DescribeRouteTables: declare<DescribeRouteTablesRequest, DescribeRouteTablesResult>(anyNode),
  CreateRoute: declare<CreateRouteRequest, CreateRouteResult>(anyNode),
  ReplaceRoute: declare<ReplaceRouteRequest, object>(anyNode),
  DeleteRoute: declare<DeleteRouteRequest, object>(anyNode),
  AssociateRouteTable: declare<AssociateRouteTableRequest, AssociateRouteTableResult>(anyNode),
  DisassociateRouteTable: declare<DisassociateRouteTableRequest, object>(anyNode),
  ReplaceRouteTableAssociation: declare<ReplaceRouteTableAssociationRequest, ReplaceRouteTableAssociationResult>(anyNode),
};

export const internetGatewayActions = {
  CreateInternetGateway: declare<CreateInternetGatewayRequest, CreateInternetGatewayResult>(anyNode),
  DeleteInternetGateway: declare<DeleteInternetGatewayRequest, object>(anyNode),
  DescribeInternetGateways: declare<DescribeInternetGatewaysRequest, DescribeInternetGatewaysResult>(anyNode),
  AttachInternetGateway: declare<AttachInternetGatewayRequest, object>(anyNode),
  DetachInternetGateway: declare<DetachInternetGatewayRequest, object>(anyNode),
};
