// What Parameter Store answers about a parameter: its value (a SecureString's ciphertext unless decryption was asked
// for), its metadata, a version of its history; and the same for a public parameter naming one of Hive's images.
import type { Parameter, ParameterHistory, ParameterMetadata } from "@aws-sdk/client-ssm";
import type { ParameterVersion, PublicParameterRecord, Store } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { parameterArn } from "./names.ts";
import type { ParameterCipher } from "./secure-string.ts";

/** What every Parameter Store handler works with. */
export interface ParameterDeps {
  ctx: Pick<DaemonContext, "region" | "accountId">;
  store: Store;
  cipher: ParameterCipher;
}

const valueOf = (deps: ParameterDeps, rec: ParameterVersion, decrypt: boolean): string =>
  rec.type === "SecureString" && decrypt ? deps.cipher.decrypt(rec.name, rec.value) : rec.value;

/** GetParameter's view; `selector` is the `:3` or `:label` the caller named the version by. */
export function parameterView(deps: ParameterDeps, rec: ParameterVersion, decrypt: boolean, selector?: string): Parameter {
  return {
    Name: rec.name,
    Type: rec.type,
    Value: valueOf(deps, rec, decrypt),
    Version: rec.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: new Date(rec.modifiedAt),
    ARN: parameterArn(deps.ctx.region, deps.ctx.accountId, rec.name),
    DataType: rec.dataType,
  };
}

export function metadataView(deps: ParameterDeps, rec: ParameterVersion): ParameterMetadata {
  return {
    Name: rec.name,
    ARN: parameterArn(deps.ctx.region, deps.ctx.accountId, rec.name),
    Type: rec.type,
    ...(rec.keyId ? { KeyId: rec.keyId } : {}),
    LastModifiedDate: new Date(rec.modifiedAt),
    LastModifiedUser: rec.modifiedBy,
    ...(rec.description !== undefined ? { Description: rec.description } : {}),
    ...(rec.allowedPattern !== undefined ? { AllowedPattern: rec.allowedPattern } : {}),
    Version: rec.version,
    Tier: rec.tier,
    Policies: [],
    DataType: rec.dataType,
  };
}

export function historyView(deps: ParameterDeps, rec: ParameterVersion, decrypt: boolean): ParameterHistory {
  return {
    Name: rec.name,
    Type: rec.type,
    ...(rec.keyId ? { KeyId: rec.keyId } : {}),
    LastModifiedDate: new Date(rec.modifiedAt),
    LastModifiedUser: rec.modifiedBy,
    ...(rec.description !== undefined ? { Description: rec.description } : {}),
    Value: valueOf(deps, rec, decrypt),
    ...(rec.allowedPattern !== undefined ? { AllowedPattern: rec.allowedPattern } : {}),
    Version: rec.version,
    Labels: rec.labels,
    Tier: rec.tier,
    Policies: [],
    DataType: rec.dataType,
  };
}

// AWS's AMI public parameters are plain String parameters of data type "text", with no account in their ARN.
export function publicView(deps: ParameterDeps, rec: PublicParameterRecord, selector?: string): Parameter {
  return {
    Name: rec.name,
    Type: "String",
    Value: rec.imageId,
    Version: rec.version,
    ...(selector ? { Selector: selector } : {}),
    LastModifiedDate: new Date(rec.modifiedAt),
    ARN: parameterArn(deps.ctx.region, deps.ctx.accountId, rec.name),
    DataType: "text",
  };
}

export function publicMetadataView(deps: ParameterDeps, rec: PublicParameterRecord): ParameterMetadata {
  return {
    Name: rec.name,
    ARN: parameterArn(deps.ctx.region, deps.ctx.accountId, rec.name),
    Type: "String",
    LastModifiedDate: new Date(rec.modifiedAt),
    Version: rec.version,
    Tier: "Standard",
    Policies: [],
    DataType: "text",
  };
}

export function publicHistoryView(deps: ParameterDeps, rec: PublicParameterRecord): ParameterHistory {
  return {
    Name: rec.name,
    Type: "String",
    LastModifiedDate: new Date(rec.modifiedAt),
    Value: rec.imageId,
    Version: rec.version,
    Labels: [],
    Tier: "Standard",
    Policies: [],
    DataType: "text",
  };
}
