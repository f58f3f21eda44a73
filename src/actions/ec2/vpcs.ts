// EC2's VPC actions: VPCs, their IPv4 blocks and attributes, and the region's DHCP option sets. VPCs belong to the
// region: any one node answers from the region's state.
import type {
  AssociateDhcpOptionsRequest,
  AssociateVpcCidrBlockRequest,
  AssociateVpcCidrBlockResult,
  CreateDhcpOptionsRequest,
  CreateDhcpOptionsResult,
  CreateVpcRequest,
  CreateVpcResult,
  DeleteDhcpOptionsRequest,
  DeleteVpcRequest,
  DescribeDhcpOptionsRequest,
  DescribeDhcpOptionsResult,
  DescribeVpcClassicLinkDnsSupportRequest,
  DescribeVpcClassicLinkDnsSupportResult,
  DescribeVpcClassicLinkRequest,
  DescribeVpcClassicLinkResult,
  DescribeVpcAttributeRequest,
  DescribeVpcAttributeResult,
  DescribeVpcsRequest,
  DescribeVpcsResult,
  DisassociateVpcCidrBlockRequest,
  DisassociateVpcCidrBlockResult,
  ModifyVpcAttributeRequest,
} from "@aws-sdk/client-ec2";
import { anyNode, declare } from "../spec.ts";

export const vpcActions = {
  CreateVpc: declare<CreateVpcRequest, CreateVpcResult>(anyNode),
  DeleteVpc: declare<DeleteVpcRequest, object>(anyNode),
  DescribeVpcs: declare<DescribeVpcsRequest, DescribeVpcsResult>(anyNode),
  ModifyVpcAttribute: declare<ModifyVpcAttributeRequest, object>(anyNode),
  DescribeVpcAttribute: declare<DescribeVpcAttributeRequest, DescribeVpcAttributeResult>(anyNode),
  AssociateVpcCidrBlock: declare<AssociateVpcCidrBlockRequest, AssociateVpcCidrBlockResult>(anyNode),
  DisassociateVpcCidrBlock: declare<DisassociateVpcCidrBlockRequest, DisassociateVpcCidrBlockResult>(anyNode),
  DescribeDhcpOptions: declare<DescribeDhcpOptionsRequest, DescribeDhcpOptionsResult>(anyNode),
  CreateDhcpOptions: declare<CreateDhcpOptionsRequest, CreateDhcpOptionsResult>(anyNode),
  AssociateDhcpOptions: declare<AssociateDhcpOptionsRequest, object>(anyNode),
  DeleteDhcpOptions: declare<DeleteDhcpOptionsRequest, object>(anyNode),
  // EC2-Classic is retired: AWS answers these with a fixed refusal that tools (Ansible's ec2_vpc_net) expect.
  DescribeVpcClassicLink: declare<DescribeVpcClassicLinkRequest, DescribeVpcClassicLinkResult>(anyNode),
  DescribeVpcClassicLinkDnsSupport: declare<DescribeVpcClassicLinkDnsSupportRequest, DescribeVpcClassicLinkDnsSupportResult>(anyNode),
};
