// The VPC room's actions bound to their declarations, over the region's store; what shapes traffic is announced to
// the data plane through `changes`.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { Store } from "../../store/index.ts";
import type { DaemonContext, NetworkChanges } from "../shared/index.ts";
import { associateDhcpOptions, createDhcpOptions, deleteDhcpOptions, describeDhcpOptions } from "./dhcp-options.ts";
import { attachInternetGateway, createInternetGateway, deleteInternetGateway, describeInternetGateways, detachInternetGateway } from "./internet-gateways.ts";
import {
  associateRouteTable,
  createRoute,
  createRouteTable,
  deleteRoute,
  deleteRouteTable,
  describeRouteTables,
  disassociateRouteTable,
  replaceRoute,
  replaceRouteTableAssociation,
} from "./route-tables.ts";
import { createSubnet, deleteSubnet, describeSubnets, modifySubnetAttribute } from "./subnets.ts";
import { associateVpcCidrBlock, classicLinkRetired, createVpc, deleteVpc, describeVpcAttribute, describeVpcs, disassociateVpcCidrBlock, modifyVpcAttribute } from "./vpcs.ts";

export const vpcHandlers = (ctx: DaemonContext, store: Store, changes: NetworkChanges) =>
  ({
    CreateVpc: (req) => createVpc(req.input, ctx, store, changes),
    DeleteVpc: (req) => deleteVpc(req.input, store, changes),
    DescribeVpcs: (req) => describeVpcs(req.input, ctx, store),
    ModifyVpcAttribute: (req) => modifyVpcAttribute(req.input, store, changes),
    DescribeVpcAttribute: (req) => describeVpcAttribute(req.input, store),
    AssociateVpcCidrBlock: (req) => associateVpcCidrBlock(req.input, store, changes),
    DisassociateVpcCidrBlock: (req) => disassociateVpcCidrBlock(req.input, store, changes),
    DescribeDhcpOptions: (req) => describeDhcpOptions(req.input, ctx, store),
    CreateDhcpOptions: (req) => createDhcpOptions(req.input, ctx, store),
    AssociateDhcpOptions: (req) => associateDhcpOptions(req.input, store, changes),
    DeleteDhcpOptions: (req) => deleteDhcpOptions(req.input, store),
    DescribeVpcClassicLink: (req) => classicLinkRetired(req.input),
    DescribeVpcClassicLinkDnsSupport: (req) => classicLinkRetired(req.input),
    CreateSubnet: (req) => createSubnet(req.input, ctx, store, changes),
    DeleteSubnet: (req) => deleteSubnet(req.input, store, changes),
    DescribeSubnets: (req) => describeSubnets(req.input, ctx, store),
    ModifySubnetAttribute: (req) => modifySubnetAttribute(req.input, store, changes),
    CreateRouteTable: (req) => createRouteTable(req.input, ctx, store),
    DeleteRouteTable: (req) => deleteRouteTable(req.input, store),
    DescribeRouteTables: (req) => describeRouteTables(req.input, ctx, store),
    CreateRoute: (req) => createRoute(req.input, store, changes),
    ReplaceRoute: (req) => replaceRoute(req.input, store, changes),
    DeleteRoute: (req) => deleteRoute(req.input, store, changes),
    AssociateRouteTable: (req) => associateRouteTable(req.input, store, changes),
    DisassociateRouteTable: (req) => disassociateRouteTable(req.input, store, changes),
    ReplaceRouteTableAssociation: (req) => replaceRouteTableAssociation(req.input, store, changes),
    CreateInternetGateway: (req) => createInternetGateway(req.input, ctx, store),
    DeleteInternetGateway: (req) => deleteInternetGateway(req.input, store),
    DescribeInternetGateways: (req) => describeInternetGateways(req.input, ctx, store),
    AttachInternetGateway: (req) => attachInternetGateway(req.input, store, changes),
    DetachInternetGateway: (req) => detachInternetGateway(req.input, store, changes),
  }) satisfies Partial<Handlers<Ec2Actions>>;
