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
import { anyNode, declare, regionWriter } from "../spec.ts";

export const vpcActions = {
  CreateVpc: declare<CreateVpcRequest, CreateVpcResult>(regionWriter),
  DeleteVpc: declare<DeleteVpcRequest, object>(regionWriter),
  DescribeVpcs: declare<DescribeVpcsRequest, DescribeVpcsResult>(anyNode),
  ModifyVpcAttribute: declare<ModifyVpcAttributeRequest, object>(regionWriter),
  DescribeVpcAttribute: declare<DescribeVpcAttributeRequest, DescribeVpcAttributeResult>(anyNode),
  AssociateVpcCidrBlock: declare<AssociateVpcCidrBlockRequest, AssociateVpcCidrBlockResult>(regionWriter),
  DisassociateVpcCidrBlock: declare<DisassociateVpcCidrBlockRequest, DisassociateVpcCidrBlockResult>(regionWriter),
  DescribeDhcpOptions: declare<DescribeDhcpOptionsRequest, DescribeDhcpOptionsResult>(anyNode),
  CreateDhcpOptions: declare<CreateDhcpOptionsRequest, CreateDhcpOptionsResult>(regionWriter),
  AssociateDhcpOptions: declare<AssociateDhcpOptionsRequest, object>(regionWriter),
  DeleteDhcpOptions: declare<DeleteDhcpOptionsRequest, object>(regionWriter),
  // EC2-Classic is retired: AWS answers these with a fixed refusal that tools (Ansible's ec2_vpc_net) expect.
  DescribeVpcClassicLink: declare<DescribeVpcClassicLinkRequest, DescribeVpcClassicLinkResult>(anyNode),
  DescribeVpcClassicLinkDnsSupport: declare<DescribeVpcClassicLinkDnsSupportRequest, DescribeVpcClassicLinkDnsSupportResult>(anyNode),
};
