// PutParameter: a new parameter, or (with Overwrite) its next version, checked as Parameter Store checks it. The
// region's writer alone runs it, and nothing awaits between reading the latest version and writing the next.
import type { PutParameterRequest, PutParameterResult } from "@aws-sdk/client-ssm";
import type { ActionRequest } from "../../bus/index.ts";
import type { ParameterType, ParameterVersion, ParameterVersionRecord } from "../../store/index.ts";
import { isId } from "../shared/index.ts";
import { alreadyExists, constraint, invalidAllowedPattern, patternMismatch, unsupportedType, validation, versionLimit } from "./errors.ts";
import { checkWritableName } from "./names.ts";
import { checkParameterTags } from "./parameter-tags.ts";
import type { ParameterDeps } from "./parameter-view.ts";
import { secureKeyId } from "./secure-string.ts";

/** Versions kept per parameter: the 101st drops the oldest, unless a label holds it. */
export const MAX_VERSIONS = 100;
const TYPES: readonly ParameterType[] = ["SecureString", "StringList", "String"];
const TIERS = ["Standard", "Advanced", "Intelligent-Tiering"];
/** The value's size limit per tier, in bytes (AWS: 4 KB and 8 KB). */
const MAX_VALUE: Record<string, number> = { Standard: 4096, Advanced: 8192 };
const MAX_DESCRIPTION = 1024;
const MAX_PATTERN = 1024;
const DATA_TYPES = ["text", "aws:ec2:image"];

/** The RegExp of an AllowedPattern, or InvalidAllowedPatternException when it is none. */
function allowedPattern(pattern: string): RegExp {
  if (pattern.length > MAX_PATTERN) throw constraint("AllowedPattern", pattern, `Member must have length less than or equal to ${MAX_PATTERN}`);
  try {
    return new RegExp(pattern);
  } catch {
    throw invalidAllowedPattern();
  }
}

/** The tier this version is stored in: Intelligent-Tiering picks Advanced only for what Standard cannot hold. */
function tierOf(requested: string | undefined, previous: ParameterVersion | undefined, value: string): ParameterVersion["tier"] {
  if (requested !== undefined && !TIERS.includes(requested)) {
    throw constraint("Tier", requested, `Member must satisfy enum value set: [${TIERS.join(", ")}]`);
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (previous?.tier === "Advanced") {
    if (requested === "Standard") {
      throw validation(
        "Tier",
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
      );
    }
    return "Advanced";
  }
  if (requested === "Intelligent-Tiering") return bytes > MAX_VALUE.Standard! ? "Advanced" : "Standard";
  return requested === "Advanced" || requested === "Standard" ? requested : previous?.tier ?? "Standard";
}

function checkValueSize(tier: ParameterVersion["tier"], value: string): void {
  const bytes = Buffer.byteLength(value, "utf8");
  if (tier === "Standard" && bytes > MAX_VALUE.Standard!) {
    throw validation(
      "Value",
      "Standard tier parameters support a maximum parameter value of 4096 characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html",
    );
  }
  if (bytes > MAX_VALUE.Advanced!) throw validation("Value", "Advanced tier parameters support a maximum parameter value of 8192 characters.");
}

function dataTypeOf(requested: string | undefined, previous: ParameterVersion | undefined, type: ParameterType): string {
  if (requested === "aws:ssm:integration") {
    throw validation("DataType", "The aws:ssm:integration data type is not supported by Hive: it has no integrations (webhooks) to hold");
  }
  if (requested !== undefined && !DATA_TYPES.includes(requested)) {
    throw validation("DataType", `The following data type is not supported: ${requested} (Data type names are all lowercase.)`);
  }
  const dataType = requested ?? previous?.dataType ?? "text";
  // AWS lets a parameter change between other data types, never to or from an AMI's.
  if (previous && (previous.dataType === "aws:ec2:image") !== (dataType === "aws:ec2:image")) {
    throw validation("DataType", `You can't change the data type of ${previous.name} from ${previous.dataType} to ${dataType}: the aws:ec2:image data type is kept for a parameter's life.`);
  }
  if (dataType === "aws:ec2:image" && type !== "String") throw unsupportedType(`The aws:ec2:image data type is supported only for String parameters, not ${type}.`);
  return dataType;
}

/** An aws:ec2:image value must name an AMI of the region that is there to launch. */
function checkImageValue(deps: ParameterDeps, value: string): void {
  if (!isId("ami", value)) {
    throw validation("Value", `Invalid Format: the value ${value.slice(0, 64)} of an aws:ec2:image parameter must be an AMI ID such as ami-12345abcdeEXAMPLE.`);
  }
  const image = deps.store.images.get(value);
  if (!image || image.state === "deregistered" || image.state === "failed") {
    throw validation("Value", `Unable to Describe Resource: The image id '[${value}]' does not exist`);
  }
}

export function putParameter(deps: ParameterDeps, req: ActionRequest<PutParameterRequest>): PutParameterResult {
  const input = req.input;
  const name = checkWritableName(input.Name);
  const value = input.Value ?? "";
  if (value === "") throw constraint("Value", "", "Member must have length greater than or equal to 1.");
  if (input.Type !== undefined && !TYPES.includes(input.Type)) {
    throw constraint("Type", input.Type, `Member must satisfy enum value set: [${TYPES.join(", ")}]`);
  }
  if (input.Policies !== undefined && input.Policies !== "" && input.Policies !== "[]") {
    throw validation("Policies", "Parameter policies (Expiration, ExpirationNotification, NoChangeNotification) are not supported by Hive: nothing would act on them, so Policies is refused rather than ignored.");
  }
  const tags = input.Tags?.length ? checkParameterTags(input.Tags) : [];
  if (input.Overwrite === true && tags.length > 0) {
    throw validation(
      "Tags",
      "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
    );
  }
  if (input.Description !== undefined && input.Description.length > MAX_DESCRIPTION) {
    throw constraint("Description", `${input.Description.slice(0, 64)}…`, `Member must have length less than or equal to ${MAX_DESCRIPTION}`);
  }
  if (input.AllowedPattern !== undefined) allowedPattern(input.AllowedPattern);

  return deps.store.transaction(() => {
    const repo = deps.store.parameters;
    const previous = repo.latest(name);
    if (previous && input.Overwrite !== true) throw alreadyExists();
    if (!previous && input.Type === undefined) throw validation("Type", "A parameter type is required when you create a parameter.");
    const type = input.Type ?? previous!.type;
    if (type !== "SecureString" && input.KeyId !== undefined) {
      throw validation("KeyId", `KeyId is for SecureString parameters only; ${name} is a ${type}.`);
    }
    const keyId = type === "SecureString" ? secureKeyId(input.KeyId, deps.ctx.region, deps.ctx.accountId) : undefined;
    const tier = tierOf(input.Tier, previous, value);
    checkValueSize(tier, value);
    const dataType = dataTypeOf(input.DataType, previous, type);
    if (dataType === "aws:ec2:image") checkImageValue(deps, value);
    // Settings a new version does not name carry over from the one it replaces.
    const pattern = input.AllowedPattern ?? previous?.allowedPattern;
    if (pattern !== undefined && !allowedPattern(pattern).test(value)) throw patternMismatch(pattern);
    const description = input.Description ?? previous?.description;

    const kept = previous ? repo.history(name) : [];
    if (kept.length >= MAX_VERSIONS) {
      const oldest = kept[0]!;
      if (oldest.labels.length > 0) throw versionLimit(name, oldest.version);
      repo.deleteVersion(name, oldest.version);
    }
    const rec: ParameterVersionRecord = {
      name,
      version: (previous?.version ?? 0) + 1,
      type,
      value: type === "SecureString" ? deps.cipher.encrypt(name, value) : value,
      ...(keyId ? { keyId } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(pattern !== undefined ? { allowedPattern: pattern } : {}),
      dataType,
      tier,
      modifiedAt: new Date().toISOString(),
      modifiedBy: req.caller.arn,
    };
    repo.putVersion(rec, tags);
    return { Version: rec.version, Tier: tier };
  });
}
