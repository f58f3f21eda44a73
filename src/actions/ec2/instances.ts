// EC2's instance actions: launched on a placed node, then acted on by the node holding each instance.
import type {
  DescribeIamInstanceProfileAssociationsRequest,
  DescribeIamInstanceProfileAssociationsResult,
  DescribeInstanceAttributeRequest,
  DescribeInstanceCreditSpecificationsRequest,
  DescribeInstanceCreditSpecificationsResult,
  DescribeInstanceStatusRequest,
  DescribeInstanceStatusResult,
  DescribeInstancesRequest,
  DescribeInstancesResult,
  GetConsoleOutputRequest,
  GetConsoleOutputResult,
  InstanceAttribute,
  ModifyInstanceAttributeRequest,
  ModifyInstanceCreditSpecificationRequest,
  ModifyInstanceCreditSpecificationResult,
  ModifyInstanceMetadataOptionsRequest,
  ModifyInstanceMetadataOptionsResult,
  RebootInstancesRequest,
  Reservation,
  RunInstancesRequest,
  StartInstancesRequest,
  StartInstancesResult,
  StopInstancesRequest,
  StopInstancesResult,
  TerminateInstancesRequest,
  TerminateInstancesResult,
} from "@aws-sdk/client-ec2";
import { instanceIds, instanceItems } from "../not-found.ts";
import { anyNode, declare, placed, type Travel } from "../spec.ts";

const stateChanges = (list: string): Travel => ({ kind: "owners", owned: instanceIds("InstanceIds"), merge: { list, key: "InstanceId" } });
const oneInstance: Travel = { kind: "owner", owned: instanceIds("InstanceId") };

export const instanceActions = {
  RunInstances: declare<RunInstancesRequest, Reservation>(placed),
  DescribeInstances: declare<DescribeInstancesRequest, DescribeInstancesResult>({
    kind: "every",
    merge: { list: "Reservations", key: "ReservationId", combine: { list: "Instances", order: "AmiLaunchIndex" }, paginated: true },
    owned: instanceIds("InstanceIds"),
  }),
  DescribeInstanceStatus: declare<DescribeInstanceStatusRequest, DescribeInstanceStatusResult>({
    kind: "every",
    merge: { list: "InstanceStatuses", key: "InstanceId", paginated: true },
    owned: instanceIds("InstanceIds"),
  }),
  StartInstances: declare<StartInstancesRequest, StartInstancesResult>(stateChanges("StartingInstances")),
  StopInstances: declare<StopInstancesRequest, StopInstancesResult>(stateChanges("StoppingInstances")),
  TerminateInstances: declare<TerminateInstancesRequest, TerminateInstancesResult>(stateChanges("TerminatingInstances")),
  RebootInstances: declare<RebootInstancesRequest, object>({ kind: "owners", owned: instanceIds("InstanceIds") }),
  GetConsoleOutput: declare<GetConsoleOutputRequest, GetConsoleOutputResult>(oneInstance),
  DescribeInstanceAttribute: declare<DescribeInstanceAttributeRequest, InstanceAttribute>(oneInstance),
  ModifyInstanceAttribute: declare<ModifyInstanceAttributeRequest, object>(oneInstance),
  ModifyInstanceMetadataOptions: declare<ModifyInstanceMetadataOptionsRequest, ModifyInstanceMetadataOptionsResult>(oneInstance),
  DescribeInstanceCreditSpecifications: declare<DescribeInstanceCreditSpecificationsRequest, DescribeInstanceCreditSpecificationsResult>({
    kind: "every",
    merge: { list: "InstanceCreditSpecifications", key: "InstanceId", paginated: true },
    owned: instanceIds("InstanceIds"),
  }),
  // Each id is answered on its own: those no node holds come back Unsuccessful, as on EC2.
  ModifyInstanceCreditSpecification: declare<ModifyInstanceCreditSpecificationRequest, ModifyInstanceCreditSpecificationResult>({
    kind: "owners",
    owned: instanceItems("InstanceCreditSpecifications", "InstanceId", "UnsuccessfulInstanceCreditSpecifications"),
    merge: { list: "SuccessfulInstanceCreditSpecifications", key: "InstanceId", also: ["UnsuccessfulInstanceCreditSpecifications"] },
  }),
  // No IAM yet, so no instance has a profile: any node answers the empty listing.
  DescribeIamInstanceProfileAssociations: declare<DescribeIamInstanceProfileAssociationsRequest, DescribeIamInstanceProfileAssociationsResult>(anyNode),
};
