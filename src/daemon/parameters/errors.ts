// Parameter Store's refusals as domain errors: each names what went wrong by its resource, which the gateway's one
// table (src/api/aws-error.ts) turns into SSM's code; the messages are AWS's words.
import { HiveError, conflict, invalidParameter, notFound } from "../../errors/index.ts";

/** SSM's generic refusal of bad input (ValidationException), naming the parameter concerned. */
export const validation = (param: string, message: string): HiveError => invalidParameter(param, message, "ssm-request");

/** AWS's wording when a value breaks a constraint of the model. */
export const constraint = (param: string, value: unknown, rule: string): HiveError =>
  validation(param, `1 validation error detected: Value '${String(value)}' at '${param.charAt(0).toLowerCase()}${param.slice(1)}' failed to satisfy constraint: ${rule}`);

export const parameterNotFound = (name: string): HiveError => notFound("parameter", `Parameter ${name} not found.`, "Name");

export const versionNotFound = (name: string, version: number | string): HiveError =>
  notFound("parameter-version", `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`, "Name");

export const alreadyExists = (): HiveError =>
  conflict("parameter", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.", "Name");

export const reservedName = (name: string): HiveError =>
  new HiveError({ kind: "NotPermitted", resource: "reserved-parameter", param: "Name", message: `No access to reserved parameter name: ${name}.` });

export const hierarchyTooDeep = (): HiveError =>
  invalidParameter(
    "Name",
    "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.",
    "parameter-hierarchy",
  );

export const patternMismatch = (pattern: string): HiveError =>
  invalidParameter("Value", `Parameter value, cannot be validated against allowedPattern: ${pattern}`, "parameter-pattern");

export const invalidAllowedPattern = (): HiveError =>
  invalidParameter("AllowedPattern", "The request doesn't meet the regular expression requirement.", "allowed-pattern");

export const invalidKeyId = (keyId: string): HiveError =>
  invalidParameter(
    "KeyId",
    `Invalid KeyId ${keyId}: Hive has no KMS; SecureString parameters are encrypted with the region's own key, which answers to the default alias/aws/ssm only.`,
    "kms-key",
  );

export const unsupportedType = (message: string): HiveError => invalidParameter("Type", message, "parameter-type");

export const labelLimit = (): HiveError =>
  invalidParameter("Labels", "A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.", "parameter-label-limit");

export const versionLimit = (name: string, oldest: number): HiveError =>
  invalidParameter(
    "Overwrite",
    `You attempted to create a new version of ${name} by calling the PutParameter API with the overwrite flag. Version ${oldest}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`,
    "parameter-version-limit",
  );

export const invalidFilterKey = (message: string): HiveError => invalidParameter("ParameterFilters", message, "filter-key");
export const invalidFilterOption = (message: string): HiveError => invalidParameter("ParameterFilters", message, "filter-option");
export const invalidFilterValue = (message: string): HiveError => invalidParameter("ParameterFilters", message, "filter-value");

export const invalidNextToken = (): HiveError => invalidParameter("NextToken", "The specified token is not valid.", "next-token");

export const invalidResourceId = (): HiveError =>
  notFound("ssm-resource", "The resource ID isn't valid. Verify that you entered the correct ID and try again.", "ResourceId");

export const invalidResourceType = (type: string): HiveError =>
  invalidParameter("ResourceType", `The resource type isn't valid: ${type}. Parameter Store tags resources of type Parameter.`, "ssm-resource-type");

export const tooManyTags = (): HiveError =>
  invalidParameter("Tags", "The Targets parameter includes too many tags. Remove one or more tags and try the command again.", "ssm-tag-limit");
