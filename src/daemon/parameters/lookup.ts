// Finding what a read names: a parameter's latest version, a version by number or label, or a public parameter.
import type { ParameterVersion, PublicParameterRecord } from "../../store/index.ts";
import { parameterNotFound, versionNotFound } from "./errors.ts";
import { isPublicName, parseSelector, type Selector } from "./names.ts";
import type { ParameterDeps } from "./parameter-view.ts";

export type Found =
  | { kind: "parameter"; rec: ParameterVersion; selector?: string }
  | { kind: "public"; rec: PublicParameterRecord; selector?: string };

const selectorText = (sel: Selector): string | undefined =>
  sel.version !== undefined ? `:${sel.version}` : sel.label !== undefined ? `:${sel.label}` : undefined;

function findVersion(deps: ParameterDeps, name: string, sel: Selector): ParameterVersion | undefined {
  const repo = deps.store.parameters;
  const latest = repo.latest(name);
  if (!latest) return undefined;
  if (sel.version !== undefined) {
    const rec = repo.version(name, sel.version);
    if (!rec) throw versionNotFound(name, sel.version);
    return rec;
  }
  if (sel.label !== undefined) return repo.labelled(name, sel.label);
  return latest;
}

/**
 * What `raw` (a name, `name:3`, `name:label` or an ARN) names, or undefined when nothing by that name exists;
 * a version number the parameter does not have is ParameterVersionNotFound.
 */
export function find(deps: ParameterDeps, raw: string): Found | undefined {
  const sel = parseSelector(raw, deps.ctx.region);
  if (!sel) return undefined;
  const selector = selectorText(sel);
  if (isPublicName(sel.name)) {
    const rec = deps.store.publicParameters.get(sel.name);
    // A public parameter has one version, its current one, and no labels.
    if (!rec || sel.label !== undefined) return undefined;
    if (sel.version !== undefined && sel.version !== rec.version) throw versionNotFound(sel.name, sel.version);
    return { kind: "public", rec, ...(selector ? { selector } : {}) };
  }
  const rec = findVersion(deps, sel.name, sel) ?? (sel.otherName ? findVersion(deps, sel.otherName, sel) : undefined);
  return rec ? { kind: "parameter", rec, ...(selector ? { selector } : {}) } : undefined;
}

/** As find, with ParameterNotFound naming what the caller asked for. */
export function findOrThrow(deps: ParameterDeps, raw: string): Found {
  const found = find(deps, raw);
  if (!found) throw parameterNotFound(raw);
  return found;
}
