// The bus table of the instance, tag and volume actions, bound to the lifecycle engine and the store.
import type { ActionRequest, ActionTable } from "../bus/index.ts";
import type { InstanceDeps } from "./instances/index.ts";
import {
  describeInstanceAttribute,
  describeInstances,
  describeInstanceStatus,
  getConsoleOutput,
  modifyInstanceAttribute,
  rebootInstances,
  startInstances,
  stopInstances,
  terminateInstances,
} from "./instances/index.ts";
import { runInstances } from "./instances/index.ts";
import { modifyInstanceMetadataOptions } from "./instances/index.ts";
import { createTags, deleteTags, describeTags } from "./shared/index.ts";
import { describeVolumes } from "./volumes/index.ts";

// Each handler knows its own input type; the bus only knows JSON.
type Handler = (req: ActionRequest<any>, deps: InstanceDeps) => unknown;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const withInput = (req: ActionRequest): ActionRequest<any> => ({ ...req, input: req.input ?? {} });

export function instanceActionTable(deps: InstanceDeps): ActionTable {
  const fanout = (h: Handler) => ({ mode: "fanout" as const, handler: (req: ActionRequest) => h(withInput(req), deps) });
  return {
    "ec2.RunInstances": { mode: "queue", handler: (req) => runInstances(withInput(req), deps) },
    "ec2.DescribeInstances": fanout(describeInstances),
    "ec2.DescribeInstanceStatus": fanout(describeInstanceStatus),
    "ec2.StartInstances": fanout(startInstances),
    "ec2.StopInstances": fanout(stopInstances),
    "ec2.RebootInstances": fanout(rebootInstances),
    "ec2.TerminateInstances": fanout(terminateInstances),
    "ec2.GetConsoleOutput": fanout(getConsoleOutput),
    "ec2.DescribeInstanceAttribute": fanout(describeInstanceAttribute),
    "ec2.ModifyInstanceAttribute": fanout(modifyInstanceAttribute),
    "ec2.ModifyInstanceMetadataOptions": fanout(modifyInstanceMetadataOptions),
    "ec2.CreateTags": fanout((req, d) => createTags(req, d.store)),
    "ec2.DeleteTags": fanout((req, d) => deleteTags(req, d.store)),
    "ec2.DescribeTags": fanout((req, d) => describeTags(req, d.store)),
    "ec2.DescribeVolumes": fanout((req, d) => describeVolumes(req, d.store)),
  };
}
