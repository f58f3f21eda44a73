// Which AWS actions Hive answers and how each travels over the bus: to one worker, or fanned out to every node.
import type { ServiceName } from "./codec/index.ts";

/** Answered by any one daemon (NATS queue group). */
export interface QueueRoute {
  mode: "queue";
}

/** Resource ids the caller names in `param`: each node lists the ones it holds in its reply's `_owned`; the rest are errors. */
export interface OwnedIds {
  param: string;
  code: (id: string) => string;
  message: (ids: string[]) => string;
}

/**
 * Asked of every node. The replies' `list` items are merged, de-duplicated by `key`, sorted and (when `paginated`)
 * paged here; `single` takes the whole reply of the one node that owns the resource.
 */
export interface FanoutRoute {
  mode: "fanout";
  list?: string;
  key?: string | ((item: Record<string, unknown>) => string);
  /** The action pages with MaxResults/NextToken (the codec checks MaxResults' bounds). */
  paginated?: boolean;
  /** Names the caller asked for by parameter (e.g. ZoneNames) that no node returned are an error. */
  named?: Array<{ param: string; field: string; message: (name: string) => string }>;
  owned?: OwnedIds;
  single?: boolean;
}

export type Route = QueueRoute | FanoutRoute;

const queue: QueueRoute = { mode: "queue" };

const idList = (noun: string, ids: string[]): string =>
  ids.length === 1 ? `The ${noun} ID '${ids[0]}' does not exist` : `The ${noun} IDs '${ids.join(", ")}' do not exist`;

const instanceIds = (param: string): OwnedIds => ({
  param,
  code: () => "InvalidInstanceID.NotFound",
  message: (ids) => idList("instance", ids),
});

const NOT_FOUND_BY_PREFIX: Record<string, [string, string]> = {
  i: ["InvalidInstanceID.NotFound", "instance"],
  vol: ["InvalidVolume.NotFound", "volume"],
  ami: ["InvalidAMIID.NotFound", "image"],
};

const anyResource = (param: string): OwnedIds => ({
  param,
  code: (id) => NOT_FOUND_BY_PREFIX[id.split("-")[0]]?.[0] ?? "InvalidID",
  message: (ids) => idList(NOT_FOUND_BY_PREFIX[ids[0].split("-")[0]]?.[1] ?? "resource", ids),
});

// EC2 names missing AMIs in brackets: The image id '[ami-…]' does not exist.
const imageIds = (param: string): OwnedIds => ({
  param,
  code: () => "InvalidAMIID.NotFound",
  message: (ids) => (ids.length === 1 ? `The image id '[${ids[0]}]' does not exist` : `The image ids '[${ids.join(", ")}]' do not exist`),
});

const instanceChange = (list: string): FanoutRoute => ({ mode: "fanout", list, key: "InstanceId", owned: instanceIds("InstanceIds") });
const oneInstance: FanoutRoute = { mode: "fanout", single: true, owned: instanceIds("InstanceId") };

export const routes: Record<ServiceName, Readonly<Record<string, Route>>> = {
  ec2: {
    DescribeRegions: queue,
    DescribeAccountAttributes: queue,
    DescribeAvailabilityZones: {
      mode: "fanout",
      list: "AvailabilityZones",
      key: "ZoneName",
      named: [
        { param: "ZoneNames", field: "ZoneName", message: (n) => `The zone '${n}' does not exist` },
        { param: "ZoneIds", field: "ZoneId", message: (n) => `The zone ID '${n}' does not exist` },
      ],
    },
    DescribeInstanceTypes: { mode: "fanout", list: "InstanceTypes", key: "InstanceType", paginated: true },

    RunInstances: queue,
    DescribeInstances: { mode: "fanout", list: "Reservations", key: "ReservationId", paginated: true, owned: instanceIds("InstanceIds") },
    DescribeInstanceStatus: { mode: "fanout", list: "InstanceStatuses", key: "InstanceId", paginated: true, owned: instanceIds("InstanceIds") },
    StartInstances: instanceChange("StartingInstances"),
    StopInstances: instanceChange("StoppingInstances"),
    TerminateInstances: instanceChange("TerminatingInstances"),
    RebootInstances: { mode: "fanout", owned: instanceIds("InstanceIds") },
    GetConsoleOutput: oneInstance,
    DescribeInstanceAttribute: oneInstance,
    ModifyInstanceAttribute: oneInstance,
    ModifyInstanceMetadataOptions: oneInstance,

    CreateTags: { mode: "fanout", owned: anyResource("Resources") },
    DeleteTags: { mode: "fanout", owned: anyResource("Resources") },
    DescribeTags: {
      mode: "fanout",
      list: "Tags",
      key: (t) => `${String(t.ResourceId)}\u0000${String(t.Key)}`,
      paginated: true,
    },
    DescribeImages: {
      mode: "fanout",
      list: "Images",
      key: "ImageId",
      paginated: true,
      owned: {
        param: "ImageIds",
        code: () => "InvalidAMIID.NotFound",
        // EC2 names the missing ids in brackets: The image id '[ami-…]' does not exist.
        message: (ids) => (ids.length === 1 ? `The image id '[${ids[0]}]' does not exist` : `The image ids '[${ids.join(", ")}]' do not exist`),
      },
    },
    // Made on the node holding the instance (CreateImage) or the source image (CopyImage); RegisterImage reads a
    // file of the data directory on whichever node takes it.
    CreateImage: oneInstance,
    CopyImage: { mode: "fanout", single: true, owned: imageIds("SourceImageId") },
    RegisterImage: queue,
    DeregisterImage: { mode: "fanout", owned: imageIds("ImageId") },
    // Key pairs are account-wide and kept in one place: any one worker answers from the appliance's store. In a
    // cluster they would be replicated to every node's store later; until then these stay queue routes.
    CreateKeyPair: queue,
    ImportKeyPair: queue,
    DescribeKeyPairs: queue,
    DeleteKeyPair: queue,
    DescribeVolumes: {
      mode: "fanout",
      list: "Volumes",
      key: "VolumeId",
      paginated: true,
      owned: { param: "VolumeIds", code: () => "InvalidVolume.NotFound", message: (ids) => idList("volume", ids) },
    },
  },
  sts: {
    GetCallerIdentity: queue,
  },
  iam: {},
};

export const routeFor = (service: ServiceName, action: string): Route | undefined =>
  Object.hasOwn(routes[service], action) ? routes[service][action] : undefined;
