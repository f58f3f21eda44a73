// This box's VPC data plane, driven from the store: plans per VPC, ports for launches, DNS and metadata per VPC.
export { VpcNetwork, scopeOf, type GuestPort, type GuestPorts } from "./vpc-network.ts";
export { vpcPlans, addressInBlock, PORT_STATES } from "./vpc-plans.ts";
export { guestNetwork, type GuestNetwork } from "./guest-network.ts";
