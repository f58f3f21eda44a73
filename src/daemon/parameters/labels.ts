// LabelParameterVersion and UnlabelParameterVersion: a label names one version of its parameter at a time (labelling
// another version moves it), a version holds at most 10, and labels that break the rules come back as InvalidLabels.
import type {
  LabelParameterVersionRequest,
  LabelParameterVersionResult,
  UnlabelParameterVersionRequest,
  UnlabelParameterVersionResult,
} from "@aws-sdk/client-ssm";
import type { ParameterVersion } from "../../store/index.ts";
import { constraint, labelLimit, parameterNotFound, versionNotFound } from "./errors.ts";
import type { ParameterDeps } from "./parameter-view.ts";

export const MAX_LABELS = 10;

/** AWS's label rules: 1-100 of letters, digits, . - _; not beginning with a digit, nor with aws or ssm. */
export const isValidLabel = (label: string): boolean =>
  label.length >= 1 && label.length <= 100 && /^[a-zA-Z0-9_.-]+$/.test(label) && !/^\d/.test(label) && !/^(aws|ssm)/i.test(label);

function checkLabels(labels: string[] | undefined): string[] {
  const list = labels ?? [];
  if (list.length < 1) throw constraint("Labels", "[]", "Member must have length greater than or equal to 1");
  if (list.length > MAX_LABELS) throw constraint("Labels", `[${list.join(", ")}]`, `Member must have length less than or equal to ${MAX_LABELS}`);
  return [...new Set(list)];
}

function versionOf(deps: ParameterDeps, name: string, version: number | undefined): ParameterVersion {
  const latest = deps.store.parameters.latest(name);
  if (!latest) throw parameterNotFound(name);
  if (version === undefined) return latest;
  const rec = deps.store.parameters.version(name, version);
  if (!rec) throw versionNotFound(name, version);
  return rec;
}

export function labelParameterVersion(deps: ParameterDeps, input: LabelParameterVersionRequest): LabelParameterVersionResult {
  const name = input.Name ?? "";
  const labels = checkLabels(input.Labels);
  return deps.store.transaction(() => {
    const rec = versionOf(deps, name, input.ParameterVersion);
    const invalid = labels.filter((l) => !isValidLabel(l));
    const added = labels.filter((l) => isValidLabel(l) && !rec.labels.includes(l));
    if (rec.labels.length + added.length > MAX_LABELS) throw labelLimit();
    for (const label of added) deps.store.parameters.setLabel(name, label, rec.version);
    return { InvalidLabels: invalid, ParameterVersion: rec.version };
  });
}

export function unlabelParameterVersion(deps: ParameterDeps, input: UnlabelParameterVersionRequest): UnlabelParameterVersionResult {
  const name = input.Name ?? "";
  const labels = checkLabels(input.Labels);
  if (input.ParameterVersion === undefined) throw constraint("ParameterVersion", "null", "Member must not be null");
  return deps.store.transaction(() => {
    const rec = versionOf(deps, name, input.ParameterVersion);
    const removed = labels.filter((l) => deps.store.parameters.removeLabel(name, l, rec.version));
    return { RemovedLabels: removed, InvalidLabels: labels.filter((l) => !removed.includes(l)) };
  });
}
