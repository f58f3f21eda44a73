// Merges the per-node replies of a fanned-out action into one answer: listings are united and paginated,
// resources named by id must be held by some node, and single-resource actions take the owner's reply.
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

const asIds = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

/** Ids the caller named that no node said it holds are an error, as AWS reports them. */
function checkOwned(route: FanoutRoute, outputs: Item[], input: Item): void {
  if (!route.owned) return;
  const asked = asIds(input[route.owned.param]);
  if (asked.length === 0) return;
  const owned = new Set(outputs.flatMap((o) => asIds(o._owned)));
  const missing = asked.filter((id) => !owned.has(id));
  if (missing.length > 0) throw new AwsError(route.owned.code(missing[0]), route.owned.message(missing));
}

export function mergeReplies(route: FanoutRoute, outputs: Item[], input: Item): Item {
  checkOwned(route, outputs, input);
  if (route.single) return outputs.find((o) => asIds(o._owned).length > 0) ?? {};
  if (!route.list) return {};
  return mergeListings(route, outputs, input);
}

/** Union of every node's list (first node wins on duplicate keys), sorted by key, then one page of it. */
export function mergeListings(route: FanoutRoute, outputs: Item[], input: Item): Item {
  const list = route.list!;
  const keyOf = typeof route.key === "function" ? route.key : (item: Item) => String(item[(route.key as string) ?? ""]);
  const byKey = new Map<string, Item>();
  for (const out of outputs) {
    const items = out[list];
    if (!Array.isArray(items)) continue;
    for (const item of items as Item[]) {
      const key = keyOf(item);
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
  if (!route.paginated) return { [list]: keys.map((k) => byKey.get(k)) };

  const max = input.MaxResults;
  let start = 0;
  if (typeof input.NextToken === "string" && input.NextToken !== "") {
    const after = decodeToken(input.NextToken);
    start = keys.findIndex((k) => k > after);
    if (start < 0) start = keys.length;
  }
  // The codec bounds MaxResults per action; a page is never empty, so a NextToken always names an item.
  const size = typeof max === "number" ? Math.max(1, max) : keys.length;
  const page = keys.slice(start, start + size);
  const more = start + size < keys.length;
  return {
    [list]: page.map((k) => byKey.get(k)),
    ...(more ? { NextToken: encodeToken(page[page.length - 1]) } : {}),
  };
}
