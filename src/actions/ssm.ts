// SSM Parameter Store: the parameters of the region (with their versions, labels and tags) and the public ones under
// /aws/service/ that name Hive's images. Changes go to the region's writer, so versions count on in one place; reads
// are answered from the caller's own box's copy.
import type {
  AddTagsToResourceRequest,
  AddTagsToResourceResult,
  DeleteParameterRequest,
  DeleteParameterResult,
  DeleteParametersRequest,
  DeleteParametersResult,
  DescribeParametersRequest,
  DescribeParametersResult,
  GetParameterHistoryRequest,
  GetParameterHistoryResult,
  GetParameterRequest,
  GetParameterResult,
  GetParametersByPathRequest,
  GetParametersByPathResult,
  GetParametersRequest,
  GetParametersResult,
  LabelParameterVersionRequest,
  LabelParameterVersionResult,
  ListTagsForResourceRequest,
  ListTagsForResourceResult,
  PutParameterRequest,
  PutParameterResult,
  RemoveTagsFromResourceRequest,
  RemoveTagsFromResourceResult,
  UnlabelParameterVersionRequest,
  UnlabelParameterVersionResult,
} from "@aws-sdk/client-ssm";
import { anyNode, declare, regionWriter } from "./spec.ts";

export const ssmActions = {
  PutParameter: declare<PutParameterRequest, PutParameterResult>(regionWriter),
  GetParameter: declare<GetParameterRequest, GetParameterResult>(anyNode),
  GetParameters: declare<GetParametersRequest, GetParametersResult>(anyNode),
  GetParametersByPath: declare<GetParametersByPathRequest, GetParametersByPathResult>(anyNode),
  DeleteParameter: declare<DeleteParameterRequest, DeleteParameterResult>(regionWriter),
  DeleteParameters: declare<DeleteParametersRequest, DeleteParametersResult>(regionWriter),
  DescribeParameters: declare<DescribeParametersRequest, DescribeParametersResult>(anyNode),
  GetParameterHistory: declare<GetParameterHistoryRequest, GetParameterHistoryResult>(anyNode),
  LabelParameterVersion: declare<LabelParameterVersionRequest, LabelParameterVersionResult>(regionWriter),
  UnlabelParameterVersion: declare<UnlabelParameterVersionRequest, UnlabelParameterVersionResult>(regionWriter),
  AddTagsToResource: declare<AddTagsToResourceRequest, AddTagsToResourceResult>(regionWriter),
  RemoveTagsFromResource: declare<RemoveTagsFromResourceRequest, RemoveTagsFromResourceResult>(regionWriter),
  ListTagsForResource: declare<ListTagsForResourceRequest, ListTagsForResourceResult>(anyNode),
};
