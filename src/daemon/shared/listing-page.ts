// Pages of listings: the page a paginated fan-out listing asks for (MaxResults, NextToken), so that a node reads one page
// from its store instead of listing everything for the gateway to cut (the gateway still merges the nodes' pages and
// writes NextToken); and the page of a listing one node answers whole.
import { decodePageToken, encodePageToken } from "../../actions/index.ts";
import { invalidParameter } from "../../errors/index.ts";

/** One page: keys after `after`, at most `limit` of them. */
export interface ListingPage {
  after: string;
  limit: number;
}

/**
 * The page of a listing request, or undefined to answer everything: no MaxResults, or a NextToken that is not one of
 * ours (the gateway answers InvalidParameterValue for that one itself).
 */
export function listingPage(input: { MaxResults?: number; NextToken?: string }): ListingPage | undefined {
  const max = input.MaxResults;
  if (typeof max !== "number" || !Number.isFinite(max)) return undefined;
  let after = "";
  if (typeof input.NextToken === "string" && input.NextToken !== "") {
    try {
      after = decodePageToken(input.NextToken);
    } catch {
      return undefined;
    }
  }
  return { after, limit: Math.max(1, Math.trunc(max)) };
}

/**
 * One page of a listing a single node answers whole (region-wide state), sorted by `key`, for MaxResults/NextToken;
 * every item when MaxResults is not given.
 */
export function page<T>(items: T[], key: (item: T) => string, input: { MaxResults?: number; NextToken?: string }, bounds = { min: 5, max: 1000 }): { items: T[]; NextToken?: string } {
  const max = input.MaxResults;
  const after = input.NextToken ? decodePageToken(input.NextToken) : undefined;
  if (max !== undefined && (!Number.isInteger(max) || max < bounds.min || max > bounds.max)) {
    throw invalidParameter("MaxResults", `Value ( ${max} ) for parameter maxResults is invalid. Parameter must be between ${bounds.min} and ${bounds.max}.`);
  }
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const rest = after === undefined ? sorted : sorted.filter((i) => key(i) > after);
  if (max === undefined) return { items: rest };
  const out = rest.slice(0, max);
  return rest.length > max ? { items: out, NextToken: encodePageToken(key(out[out.length - 1]!)) } : { items: out };
}
