// Which AWS actions Hive answers and how each travels over the bus: to one worker, or fanned out to every node.
import type { ServiceName } from "./codec/index.ts";

/** Answered by any one daemon (NATS queue group). */
export interface QueueRoute {
  mode: "queue";
}

/** Asked of every node; the replies' `list` items are merged, de-duplicated by `key`, sorted and paginated here. */
export interface FanoutRoute {
  mode: "fanout";
  list: string;
  key: string;
  /** The action pages with MaxResults/NextToken (the codec checks MaxResults' bounds). */
  paginated?: boolean;
  /** Names the caller asked for by parameter (e.g. ZoneNames) that no node returned are an error. */
  named?: Array<{ param: string; field: string; message: (name: string) => string }>;
}

export type Route = QueueRoute | FanoutRoute;

const queue: QueueRoute = { mode: "queue" };

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
  },
  sts: {
    GetCallerIdentity: queue,
  },
  iam: {},
};

export const routeFor = (service: ServiceName, action: string): Route | undefined =>
  Object.hasOwn(routes[service], action) ? routes[service][action] : undefined;
