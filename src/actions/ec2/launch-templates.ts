// EC2's launch template actions. Templates belong to the region: the region's writer changes them, any node answers
// from its copy; GetLaunchTemplateData reads an instance, so it goes to the node holding it.
import type {
  CreateLaunchTemplateRequest,
  CreateLaunchTemplateResult,
  CreateLaunchTemplateVersionRequest,
  CreateLaunchTemplateVersionResult,
  DeleteLaunchTemplateRequest,
  DeleteLaunchTemplateResult,
  DeleteLaunchTemplateVersionsRequest,
  DeleteLaunchTemplateVersionsResult,
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplatesResult,
  DescribeLaunchTemplateVersionsRequest,
  DescribeLaunchTemplateVersionsResult,
  GetLaunchTemplateDataRequest,
  GetLaunchTemplateDataResult,
  ModifyLaunchTemplateRequest,
  ModifyLaunchTemplateResult,
} from "@aws-sdk/client-ec2";
import { instanceIds } from "../not-found.ts";
import { anyNode, declare, regionWriter } from "../spec.ts";

export const launchTemplateActions = {
  CreateLaunchTemplate: declare<CreateLaunchTemplateRequest, CreateLaunchTemplateResult>(regionWriter),
  CreateLaunchTemplateVersion: declare<CreateLaunchTemplateVersionRequest, CreateLaunchTemplateVersionResult>(regionWriter),
  ModifyLaunchTemplate: declare<ModifyLaunchTemplateRequest, ModifyLaunchTemplateResult>(regionWriter),
  DeleteLaunchTemplate: declare<DeleteLaunchTemplateRequest, DeleteLaunchTemplateResult>(regionWriter),
  DeleteLaunchTemplateVersions: declare<DeleteLaunchTemplateVersionsRequest, DeleteLaunchTemplateVersionsResult>(regionWriter),
  DescribeLaunchTemplates: declare<DescribeLaunchTemplatesRequest, DescribeLaunchTemplatesResult>(anyNode),
  DescribeLaunchTemplateVersions: declare<DescribeLaunchTemplateVersionsRequest, DescribeLaunchTemplateVersionsResult>(anyNode),
  GetLaunchTemplateData: declare<GetLaunchTemplateDataRequest, GetLaunchTemplateDataResult>({ kind: "owner", owned: instanceIds("InstanceId") }),
};
