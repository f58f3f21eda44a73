// DeleteParameter and DeleteParameters: a parameter goes with every version, label and tag; a name made again later
// starts over at version 1, as on AWS. The public parameters are the operator's (hive image unpublish).
import type { DeleteParameterRequest, DeleteParameterResult, DeleteParametersRequest, DeleteParametersResult } from "@aws-sdk/client-ssm";
import { parameterNotFound, reservedName } from "./errors.ts";
import type { ParameterDeps } from "./parameter-view.ts";
import { checkNames } from "./read-parameters.ts";

export function deleteParameter(deps: ParameterDeps, input: DeleteParameterRequest): DeleteParameterResult {
  const name = input.Name ?? "";
  if (/^\/aws\//i.test(name)) throw reservedName(name);
  if (!deps.store.parameters.delete(name)) throw parameterNotFound(name);
  return {};
}

export function deleteParameters(deps: ParameterDeps, input: DeleteParametersRequest): DeleteParametersResult {
  const names = [...new Set(checkNames(input.Names))];
  const deleted: string[] = [];
  const invalid: string[] = [];
  deps.store.transaction(() => {
    for (const name of names) (deps.store.parameters.delete(name) ? deleted : invalid).push(name);
  });
  return { DeletedParameters: deleted, InvalidParameters: invalid };
}
