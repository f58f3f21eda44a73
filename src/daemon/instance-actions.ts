// The instance, tag and volume actions bound to the catalogue's declarations, over the lifecycle engine and the store.
import type { Ec2Actions, Handlers } from "../actions/index.ts";
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
import { modifyInstanceMetadataOptions } from "./instances/index.ts";
import { runInstances } from "./instances/index.ts";
import { createTags, deleteTags, describeTags } from "./shared/index.ts";
import { describeVolumes } from "./volumes/index.ts";

export const instanceHandlers = (deps: InstanceDeps) =>
  ({
    RunInstances: (req) => runInstances(req, deps),
    DescribeInstances: (req) => describeInstances(req, deps),
    DescribeInstanceStatus: (req) => describeInstanceStatus(req, deps),
    StartInstances: (req) => startInstances(req, deps),
    StopInstances: (req) => stopInstances(req, deps),
    RebootInstances: (req) => rebootInstances(req, deps),
    TerminateInstances: (req) => terminateInstances(req, deps),
    GetConsoleOutput: (req) => getConsoleOutput(req, deps),
    DescribeInstanceAttribute: (req) => describeInstanceAttribute(req, deps),
    ModifyInstanceAttribute: (req) => modifyInstanceAttribute(req, deps),
    ModifyInstanceMetadataOptions: (req) => modifyInstanceMetadataOptions(req, deps),
  }) satisfies Partial<Handlers<Ec2Actions>>;

export const tagAndVolumeHandlers = (deps: InstanceDeps) =>
  ({
    CreateTags: (req) => createTags(req, deps.store),
    DeleteTags: (req) => deleteTags(req, deps.store),
    DescribeTags: (req) => describeTags(req, deps.store),
    DescribeVolumes: (req) => describeVolumes(req, deps.store),
  }) satisfies Partial<Handlers<Ec2Actions>>;
