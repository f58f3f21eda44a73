// The instance actions bound to their declarations, over the lifecycle engine and the store.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { InstanceDeps } from "./instance-deps.ts";
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
} from "./instances.ts";
import { modifyInstanceMetadataOptions } from "./metadata-options.ts";
import { describeInstanceCreditSpecifications, modifyInstanceCreditSpecification } from "./credit-specifications.ts";
import { describeIamInstanceProfileAssociations } from "./instance-profiles.ts";
import { runInstances } from "./run-instances.ts";
import { getLaunchTemplateData } from "./launch-template-data.ts";

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
    DescribeInstanceCreditSpecifications: (req) => describeInstanceCreditSpecifications(req, deps),
    ModifyInstanceCreditSpecification: (req) => modifyInstanceCreditSpecification(req, deps),
    DescribeIamInstanceProfileAssociations: (req) => describeIamInstanceProfileAssociations(req.input),
    GetLaunchTemplateData: (req) => getLaunchTemplateData(req, deps),
  }) satisfies Partial<Handlers<Ec2Actions>>;
