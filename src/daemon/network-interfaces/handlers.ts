// The network interface and Elastic IP actions bound to their declarations, over the region's store.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { Store } from "../../store/index.ts";
import type { DaemonContext, NetworkChanges } from "../shared/index.ts";
import { ElasticIpActions } from "./elastic-ips.ts";
import { NetworkInterfaceActions } from "./network-interfaces.ts";

export const networkInterfaceHandlers = (ctx: DaemonContext, store: Store, changes: NetworkChanges) => {
  const enis = new NetworkInterfaceActions(ctx, store, changes);
  const eips = new ElasticIpActions(ctx, store, changes);
  return {
    CreateNetworkInterface: (req) => enis.create(req.input),
    DeleteNetworkInterface: (req) => enis.delete(req.input),
    DescribeNetworkInterfaces: (req) => enis.describe(req.input),
    AttachNetworkInterface: (req) => enis.attach(req.input),
    DetachNetworkInterface: (req) => enis.detach(req.input),
    ModifyNetworkInterfaceAttribute: (req) => enis.modifyAttribute(req.input),
    AllocateAddress: (req) => eips.allocate(req.input),
    AssociateAddress: (req) => eips.associate(req.input),
    DisassociateAddress: (req) => eips.disassociate(req.input),
    ReleaseAddress: (req) => eips.release(req.input),
    DescribeAddresses: (req) => eips.describe(req.input),
  } satisfies Partial<Handlers<Ec2Actions>>;
};
