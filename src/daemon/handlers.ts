// Every action of the catalogue with this node's handler, gathered from the resource rooms: what the daemon serves.
import type { ServiceHandlers } from "../actions/index.ts";
import type { Store } from "../store/index.ts";
import type { ActionRequest, Room } from "../bus/index.ts";
import type { CreateVolumeRequest, RunInstancesRequest } from "@aws-sdk/client-ec2";
import { catalogueHandlers, iamHandlers, stsHandlers, type RegionZone } from "./catalogue/index.ts";
import { imageHandlers, type ImageBuilds } from "./images/index.ts";
import { instanceHandlers, runInstancesRoom, type InstanceDeps } from "./instances/index.ts";
import { keyPairHandlers } from "./key-pairs/index.ts";
import { launchTemplateHandlers } from "./launch-templates/index.ts";
import { parameterCipher, parameterHandlers } from "./parameters/index.ts";
import { securityGroupHandlers } from "./security-groups/index.ts";
import { networkInterfaceHandlers } from "./network-interfaces/index.ts";
import { noNetworkChanges, tagHandlers, type DaemonContext, type NetworkChanges } from "./shared/index.ts";
import { createVolumeRoom, volumeHandlers, type VolumeDeps } from "./volumes/index.ts";
import { vpcHandlers } from "./vpc/index.ts";

export interface HandlerDeps {
  ctx: DaemonContext;
  store: Store;
  instances: InstanceDeps;
  builds: ImageBuilds;
  volumes: VolumeDeps;
  /** Where region-wide network changes go (the data plane); none in user mode and tests. */
  changes?: NetworkChanges;
  /** The region's zones as this box sees them; default: this box's zone alone. */
  zones?: () => RegionZone[];
  /** The region's key for SecureString parameters (32 bytes; secrets.json parameterKey). */
  parameterKey?: Uint8Array;
}

/** A declared action without a handler here fails tsc; so does a handler for an action the catalogue lacks. */
export const daemonHandlers = ({ ctx, store, instances, builds, volumes, changes = noNetworkChanges, zones, parameterKey }: HandlerDeps): ServiceHandlers => ({
  ec2: {
    ...catalogueHandlers(ctx, zones),
    ...keyPairHandlers(store),
    ...launchTemplateHandlers(store),
    ...instanceHandlers(instances),
    ...tagHandlers(store),
    ...volumeHandlers(volumes),
    ...imageHandlers(ctx, store, builds),
    ...securityGroupHandlers(ctx, store, changes),
    ...vpcHandlers(ctx, store, changes),
    ...networkInterfaceHandlers(ctx, store, changes),
  },
  sts: stsHandlers(ctx),
  iam: iamHandlers(),
  ssm: parameterHandlers({ ctx, store, cipher: parameterCipher(parameterKey) }),
});

/** For each placed action, how much of a call this node could take: what placement asks every node before choosing. */
export const placementRooms = ({ instances, volumes }: HandlerDeps): PlacementRooms => ({
  ec2: {
    RunInstances: (req) => runInstancesRoom(req as ActionRequest<RunInstancesRequest>, instances),
    CreateVolume: (req) => createVolumeRoom(req as ActionRequest<CreateVolumeRequest>, volumes),
  },
});

export type PlacementRooms = Record<string, Record<string, (req: ActionRequest) => Room>>;
