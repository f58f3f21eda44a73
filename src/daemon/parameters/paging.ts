// Parameter Store's pages: MaxResults within each action's bounds, and a NextToken naming the last item given.
import { decodePageToken, encodePageToken } from "../../actions/index.ts";
import { constraint, invalidNextToken } from "./errors.ts";

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * The page after the caller's NextToken: at most MaxResults (1..max, default `byDefault`) of the sorted items, with a
 * NextToken when more follow. `key` is what the items are sorted by.
 */
export function pageOf<T>(
  items: T[],
  key: (item: T) => string,
  input: { MaxResults?: number; NextToken?: string },
  bounds: { max: number; byDefault: number },
): Page<T> {
  const limit = input.MaxResults ?? bounds.byDefault;
  if (!Number.isInteger(limit) || limit < 1) throw constraint("MaxResults", limit, "Member must have value greater than or equal to 1");
  if (limit > bounds.max) throw constraint("MaxResults", limit, `Member must have value less than or equal to ${bounds.max}`);
  let start = 0;
  if (input.NextToken !== undefined && input.NextToken !== "") {
    let after: string;
    try {
      after = decodePageToken(input.NextToken);
    } catch {
      throw invalidNextToken();
    }
    start = items.findIndex((item) => key(item) > after);
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + limit);
  const more = start + limit < items.length;
  return { items: page, ...(more ? { nextToken: encodePageToken(key(page[page.length - 1]!)) } : {}) };
}
