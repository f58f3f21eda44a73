// DescribeParameters: the latest version's metadata of every parameter the filters keep, never a value. A Name filter
// inside /aws/service/ lists the public parameters instead, as AWS does for its own.
import type { DescribeParametersRequest, DescribeParametersResult, ParameterMetadata } from "@aws-sdk/client-ssm";
import { validation } from "./errors.ts";
import { isPublicName } from "./names.ts";
import { checkFilters, filterable, legacyFilters, matchesAll } from "./parameter-filters.ts";
import { metadataView, publicMetadataView, type ParameterDeps } from "./parameter-view.ts";
import { pageOf } from "./paging.ts";

export function describeParameters(deps: ParameterDeps, input: DescribeParametersRequest): DescribeParametersResult {
  if (input.Filters?.length && input.ParameterFilters?.length) {
    throw validation("Filters", "You can use either Filters or ParameterFilters in a single request.");
  }
  const filters = input.Filters?.length ? legacyFilters(input.Filters) : checkFilters(input.ParameterFilters, "DescribeParameters");
  const bounds = { max: 50, byDefault: 10 };
  // Nobody shares parameters with a Hive account.
  if (input.Shared === true) {
    pageOf([], () => "", input, bounds);
    return { Parameters: [] };
  }
  const nameFilter = filters.find((f) => f.key === "Name");
  const publicOnes = nameFilter !== undefined && nameFilter.option !== "Contains" && nameFilter.values.every(isPublicName);
  let listed: ParameterMetadata[];
  if (publicOnes) {
    listed = deps.store.publicParameters
      .under("/aws/service/")
      .filter((r) => matchesAll({ name: r.name, type: "String", tier: "Standard", dataType: "text", labels: [], tags: [] }, filters))
      .map((r) => publicMetadataView(deps, r));
  } else {
    const recs = deps.store.parameters.latestUnder("");
    const needTags = filters.some((f) => f.key.startsWith("tag:"));
    listed = recs.filter((r) => matchesAll(filterable(r, needTags ? deps.store.parameters.tags(r.name) : []), filters)).map((r) => metadataView(deps, r));
  }
  const page = pageOf(listed, (m) => m.Name ?? "", input, bounds);
  return { Parameters: page.items, ...(page.nextToken ? { NextToken: page.nextToken } : {}) };
}
