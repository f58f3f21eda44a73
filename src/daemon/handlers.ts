// Every action of the catalogue with this node's handler, gathered from the resource rooms: what the daemon serves.
import type { ServiceHandlers } from "../actions/index.ts";
import type { Store } from "../store/index.ts";
import { catalogueHandlers, stsHandlers } from "./catalogue/index.ts";
import { imageHandlers, type ImageBuilds } from "./images/index.ts";
import { instanceHandlers, type InstanceDeps } from "./instances/index.ts";
import { keyPairHandlers } from "./key-pairs/index.ts";
import { securityGroupHandlers } from "./security-groups/index.ts";
import { networkInterfaceHandlers } from "./network-interfaces/index.ts";
import { noNetworkChanges, tagHandlers, type DaemonContext, type NetworkChanges } from "./shared/index.ts";
import { volumeHandlers, type VolumeDeps } from "./volumes/index.ts";
import { vpcHandlers } from "./vpc/index.ts";

export interface HandlerDeps {
  ctx: DaemonContext;
  store: Store;
  instances: InstanceDeps;
  builds: ImageBuilds;
  volumes: VolumeDeps;
  /** Where region-wide network changes go (the data plane); none in user mode and tests. */
  changes?: NetworkChanges;
}

/** A declared action without a handler here fails tsc; so does a handler for an action the catalogue lacks. */
export const daemonHandlers = ({ ctx, store, instances, builds, volumes, changes = noNetworkChanges }: HandlerDeps): ServiceHandlers => ({
  ec2: {
    ...catalogueHandlers(ctx),
    ...keyPairHandlers(store),
    ...instanceHandlers(instances),
    ...tagHandlers(store),
    ...volumeHandlers(volumes),
    ...imageHandlers(ctx, store, builds),
    ...securityGroupHandlers(ctx, store, changes),
    ...vpcHandlers(ctx, store, changes),
    ...networkInterfaceHandlers(ctx, store, changes),
  },
  sts: stsHandlers(ctx),
  iam: {},
});
