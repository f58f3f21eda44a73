// The NextToken of a merged listing: the key of the last item of the page. The gateway writes it; a node may read it to
// answer only the items after it (its store's page query), since every node sorts by the same key.
import { invalidParameter } from "../errors/index.ts";

export const encodePageToken = (afterKey: string): string => Buffer.from(JSON.stringify({ after: afterKey })).toString("base64url");

/** The key a NextToken continues after; InvalidParameterValue naming NextToken if it is not one of ours. */
export function decodePageToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "string") return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw invalidParameter("NextToken", `The parameter NextToken is invalid: ${token.slice(0, 64)}`);
}
