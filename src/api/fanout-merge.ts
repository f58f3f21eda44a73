// Merges the per-node replies of a fanned-out listing into one answer, and paginates it.
import { AwsError } from "./aws-error.ts";
import type { FanoutRoute } from "./routes.ts";

type Item = Record<string, unknown>;

const encodeToken = (key: string): string => Buffer.from(JSON.stringify({ after: key })).toString("base64url");

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed.after === "string") return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw new AwsError("InvalidParameterValue", `The parameter NextToken is invalid: ${token.slice(0, 64)}`);
}

/** Union of every node's list (first node wins on duplicate keys), sorted by key, then one page of it. */
export function mergeListings(route: FanoutRoute, outputs: Item[], input: Item): Item {
  const byKey = new Map<string, Item>();
  for (const out of outputs) {
    const list = out[route.list];
    if (!Array.isArray(list)) continue;
    for (const item of list as Item[]) {
      const key = String(item[route.key]);
      if (!byKey.has(key)) byKey.set(key, item);
    }
  }
  const keys = [...byKey.keys()].sort();
  for (const named of route.named ?? []) {
    const asked = input[named.param];
    if (!Array.isArray(asked)) continue;
    const found = new Set([...byKey.values()].map((item) => String(item[named.field])));
    const missing = (asked as unknown[]).map(String).find((name) => !found.has(name));
    if (missing !== undefined) throw new AwsError("InvalidParameterValue", named.message(missing));
  }
  if (!route.paginated) return { [route.list]: keys.map((k) => byKey.get(k)) };

  const max = input.MaxResults;
  let start = 0;
  if (typeof input.NextToken === "string" && input.NextToken !== "") {
    const after = decodeToken(input.NextToken);
    start = keys.findIndex((k) => k > after);
    if (start < 0) start = keys.length;
  }
  const size = typeof max === "number" ? max : keys.length;
  const page = keys.slice(start, start + size);
  const more = start + size < keys.length;
  return {
    [route.list]: page.map((k) => byKey.get(k)),
    ...(more ? { NextToken: encodeToken(page[page.length - 1]) } : {}),
  };
}
