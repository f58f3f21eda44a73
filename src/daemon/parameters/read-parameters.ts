// GetParameter, GetParameters, GetParametersByPath and GetParameterHistory: reads of the box's copy of the region's
// parameters (and of the public ones), decrypting a SecureString only when the caller asks for it.
import type {
  GetParameterHistoryRequest,
  GetParameterHistoryResult,
  GetParameterRequest,
  GetParameterResult,
  GetParametersByPathRequest,
  GetParametersByPathResult,
  GetParametersRequest,
  GetParametersResult,
  Parameter,
} from "@aws-sdk/client-ssm";
import { constraint, parameterNotFound, validation } from "./errors.ts";
import { find, findOrThrow, type Found } from "./lookup.ts";
import { isPublicName, parseSelector, pathPrefix, underPath } from "./names.ts";
import { checkFilters, filterable, matchesAll } from "./parameter-filters.ts";
import { historyView, parameterView, publicHistoryView, publicView, type ParameterDeps } from "./parameter-view.ts";
import { pageOf } from "./paging.ts";

/** GetParameters and DeleteParameters take 1 to 10 names. */
export function checkNames(names: string[] | undefined): string[] {
  const list = names ?? [];
  if (list.length < 1) throw constraint("Names", "[]", "Member must have length greater than or equal to 1");
  if (list.length > 10) throw constraint("Names", `[${list.join(", ")}]`, "Member must have length less than or equal to 10");
  return list;
}

const view = (deps: ParameterDeps, found: Found, decrypt: boolean): Parameter =>
  found.kind === "public" ? publicView(deps, found.rec, found.selector) : parameterView(deps, found.rec, decrypt, found.selector);

export function getParameter(deps: ParameterDeps, input: GetParameterRequest): GetParameterResult {
  const name = input.Name ?? "";
  if (name === "") throw validation("Name", "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1.");
  return { Parameter: view(deps, findOrThrow(deps, name), input.WithDecryption === true) };
}

/** Names nothing answers to (or naming a version the parameter lacks) are listed in InvalidParameters. */
export function getParameters(deps: ParameterDeps, input: GetParametersRequest): GetParametersResult {
  const names = [...new Set(checkNames(input.Names))];
  const parameters: Parameter[] = [];
  const invalid: string[] = [];
  for (const name of names) {
    let found: Found | undefined;
    try {
      found = find(deps, name);
    } catch {
      found = undefined;
    }
    if (found) parameters.push(view(deps, found, input.WithDecryption === true));
    else invalid.push(name);
  }
  return { Parameters: parameters, InvalidParameters: invalid };
}

export function getParametersByPath(deps: ParameterDeps, input: GetParametersByPathRequest): GetParametersByPathResult {
  const prefix = pathPrefix(input.Path);
  const recursive = input.Recursive === true;
  const filters = checkFilters(input.ParameterFilters, "GetParametersByPath");
  const decrypt = input.WithDecryption === true;
  const bounds = { max: 10, byDefault: 10 };
  // The public parameters are AWS's namespace: a path inside it reads them, and any other path the account's own.
  if (isPublicName(prefix) || prefix === "/aws/") {
    const recs = deps.store.publicParameters.under(prefix).filter((r) => underPath(r.name, prefix, recursive));
    const matching = recs.filter((r) => matchesAll({ name: r.name, type: "String", tier: "Standard", dataType: "text", labels: [], tags: [] }, filters));
    const page = pageOf(matching, (r) => r.name, input, bounds);
    return { Parameters: page.items.map((r) => publicView(deps, r)), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }
  // A name outside any hierarchy ("x") sits at the root, so only the root lists it.
  const recs = deps.store.parameters.latestUnder(prefix === "/" ? "" : prefix).filter((r) => underPath(r.name, prefix, recursive));
  const matching = filters.length === 0 ? recs : recs.filter((r) => matchesAll(filterable(r, []), filters));
  const page = pageOf(matching, (r) => r.name, input, bounds);
  return { Parameters: page.items.map((r) => parameterView(deps, r, decrypt)), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
}

const versionKey = (version: number | undefined): string => String(version ?? 0).padStart(12, "0");

export function getParameterHistory(deps: ParameterDeps, input: GetParameterHistoryRequest): GetParameterHistoryResult {
  const raw = input.Name ?? "";
  const sel = parseSelector(raw, deps.ctx.region);
  if (!sel || sel.version !== undefined || sel.label !== undefined) throw parameterNotFound(raw);
  const bounds = { max: 50, byDefault: 50 };
  if (isPublicName(sel.name)) {
    // Hive keeps a public parameter's current image, not the ones it named before.
    const rec = deps.store.publicParameters.get(sel.name);
    if (!rec) throw parameterNotFound(raw);
    const page = pageOf([publicHistoryView(deps, rec)], (h) => versionKey(h.Version), input, bounds);
    return { Parameters: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
  }
  let history = deps.store.parameters.history(sel.name);
  if (history.length === 0 && sel.otherName) history = deps.store.parameters.history(sel.otherName);
  if (history.length === 0) throw parameterNotFound(raw);
  const page = pageOf(history, (r) => versionKey(r.version), input, bounds);
  const decrypt = input.WithDecryption === true;
  return { Parameters: page.items.map((r) => historyView(deps, r, decrypt)), ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
}
