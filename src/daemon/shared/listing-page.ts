// The page a paginated fan-out listing asks for (MaxResults, NextToken), so that a node reads one page from its store
// instead of listing everything for the gateway to cut. The gateway still merges the nodes' pages and writes NextToken.
import { decodePageToken } from "../../actions/index.ts";

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
