// Merges the per-node replies of a fanned-out action into one answer: listings are united and paginated,
// resources named by id must be held by some node, and single-resource actions take the owner's reply.
// A node that did not answer may hold what the others lack: then the answer is Unavailable, never NotFound.
import { decodePageToken, encodePageToken, type Merge, type OwnedIds, type Travel } from "../actions/index.ts";
import { unavailable } from "../errors/index.ts";
import { AwsError } from "./aws-error.ts";

type Item = Record<string, unknown>;

const asIds = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

const silent = (missing: string[], what: string): Error =>
  unavailable(`node${missing.length > 1 ? "s" : ""} ${missing.join(", ")} did not answer (slow, down, or cut off from this box), so ${what} cannot be known; try again`);

/** Ids the caller named that no node said it holds are an error, as AWS reports them, if every node answered. */
function checkOwned(owned: OwnedIds | undefined, outputs: Item[], input: Item, missing: string[]): void {
  if (!owned) return;
  const asked = asIds(input[owned.param]);
  if (asked.length === 0) return;
  const held = new Set(outputs.flatMap((o) => asIds(o._owned)));
  const unknown = asked.filter((id) => !held.has(id));
  if (unknown.length === 0) return;
  if (missing.length > 0) throw silent(missing, `whether ${unknown.join(", ")} exist${unknown.length === 1 ? "s" : ""}`);
  throw new AwsError(owned.code(unknown[0]), owned.message(unknown));
}

/** One answer from every node's output; `missing` names the live nodes that did not answer. */
export function mergeReplies(travel: Travel, outputs: Item[], input: Item, missing: string[] = []): Item {
  switch (travel.kind) {
    case "owner":
      checkOwned(travel.owned, outputs, input, missing);
      return strip(outputs.find((o) => asIds(o._owned).length > 0) ?? {});
    case "owners":
      checkOwned(travel.owned, outputs, input, missing);
      return travel.merge ? mergeListings(travel.merge, outputs, input, missing) : {};
    case "every":
      checkOwned(travel.owned, outputs, input, missing);
      return mergeListings(travel.merge, outputs, input, missing);
    default:
      return strip(outputs[0] ?? {});
  }
}

const strip = (o: Item): Item => {
  if (!("_owned" in o)) return o;
  const { _owned: _, ...rest } = o;
  return rest;
};

/** Union of every node's list (first node wins on duplicate keys, or their `combine` lists join), sorted by key,
 * then one page of it. */
export function mergeListings(merge: Merge, outputs: Item[], input: Item, missing: string[] = []): Item {
  const list = merge.list;
  const keyOf = typeof merge.key === "function" ? merge.key : (item: Item) => String(item[merge.key as string]);
  const byKey = new Map<string, Item>();
  for (const out of outputs) {
    const items = out[list];
    if (!Array.isArray(items)) continue;
    for (const item of items as Item[]) {
      const key = keyOf(item);
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, item);
      else if (merge.combine) {
        const { list: inner, order } = merge.combine;
        const joined = [...((seen[inner] ?? []) as Item[]), ...((item[inner] ?? []) as Item[])];
        joined.sort((x, y) => Number(x[order] ?? 0) - Number(y[order] ?? 0));
        byKey.set(key, { ...seen, [inner]: joined });
      }
    }
  }
  const keys = [...byKey.keys()].sort();
  for (const named of merge.named ?? []) {
    const asked = input[named.param];
    if (!Array.isArray(asked)) continue;
    const found = new Set([...byKey.values()].map((item) => String(item[named.field])));
    const absent = (asked as unknown[]).map(String).find((name) => !found.has(name));
    if (absent === undefined) continue;
    if (missing.length > 0) throw silent(missing, `whether ${absent} exists`);
    throw new AwsError("InvalidParameterValue", named.message(absent));
  }
  if (!merge.paginated) return { [list]: keys.map((k) => byKey.get(k)) };

  const max = input.MaxResults;
  let start = 0;
  if (typeof input.NextToken === "string" && input.NextToken !== "") {
    const after = decodePageToken(input.NextToken);
    start = keys.findIndex((k) => k > after);
    if (start < 0) start = keys.length;
  }
  // The codec bounds MaxResults per action; a page is never empty, so a NextToken always names an item.
  const size = typeof max === "number" ? Math.max(1, max) : keys.length;
  const page = keys.slice(start, start + size);
  const more = start + size < keys.length;
  return {
    [list]: page.map((k) => byKey.get(k)),
    ...(more ? { NextToken: encodePageToken(page[page.length - 1]) } : {}),
  };
}
