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

/** The ids the caller named in `owned.param` (or in its structures' `owned.member`). */
function askedIds(owned: OwnedIds, input: Item): string[] {
  const value = input[owned.param];
  if (!owned.member) return asIds(value);
  if (!Array.isArray(value)) return [];
  return value.flatMap((x) => (x && typeof x === "object" && typeof (x as Item)[owned.member!] === "string" ? [(x as Item)[owned.member!] as string] : []));
}

/**
 * Ids the caller named that no node said it holds are an error, as AWS reports them, if every node answered; or, for
 * an action that reports them item by item (`unknownAs`), one more output holding their entries.
 */
function checkOwned(owned: OwnedIds | undefined, outputs: Item[], input: Item, missing: string[]): Item[] {
  if (!owned) return outputs;
  const asked = askedIds(owned, input);
  if (asked.length === 0) return outputs;
  const held = new Set(outputs.flatMap((o) => asIds(o._owned)));
  const unknown = [...new Set(asked.filter((id) => !held.has(id)))];
  if (unknown.length === 0) return outputs;
  if (missing.length > 0) throw silent(missing, `whether ${unknown.join(", ")} exist${unknown.length === 1 ? "s" : ""}`);
  if (owned.unknownAs) return [...outputs, { [owned.unknownAs.list]: unknown.map(owned.unknownAs.entry) }];
  throw new AwsError(owned.code(unknown[0]), owned.message(unknown));
}

/** One answer from every node's output; `missing` names the live nodes that did not answer. */
export function mergeReplies(travel: Travel, outputs: Item[], input: Item, missing: string[] = []): Item {
  switch (travel.kind) {
    case "owner":
      checkOwned(travel.owned, outputs, input, missing);
      return strip(outputs.find((o) => asIds(o._owned).length > 0) ?? {});
    case "owners": {
      const all = checkOwned(travel.owned, outputs, input, missing);
      return travel.merge ? mergeListings(travel.merge, all, input, missing) : {};
    }
    case "every":
      return mergeListings(travel.merge, checkOwned(travel.owned, outputs, input, missing), input, missing);
    default:
      return strip(outputs[0] ?? {});
  }
}

const strip = (o: Item): Item => {
  if (!("_owned" in o)) return o;
  const { _owned: _, ...rest } = o;
  return rest;
};

/** Every node's items of `list` by key: the first node's item wins, or the `combine` lists of one key's items join. */
function unite(merge: Merge, list: string, outputs: Item[]): Map<string, Item> {
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
  return byKey;
}

const sortedItems = (byKey: Map<string, Item>): Item[] => [...byKey.keys()].sort().map((k) => byKey.get(k)!);

/** Union of every node's list (first node wins on duplicate keys, or their `combine` lists join), sorted by key,
 * then one page of it; the `also` lists are united and sorted too, never paged. */
export function mergeListings(merge: Merge, outputs: Item[], input: Item, missing: string[] = []): Item {
  const list = merge.list;
  const byKey = unite(merge, list, outputs);
  const others: Item = {};
  for (const other of merge.also ?? []) others[other] = sortedItems(unite(merge, other, outputs));
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
  if (!merge.paginated) return { [list]: keys.map((k) => byKey.get(k)), ...others };

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
    ...others,
    ...(more ? { NextToken: encodePageToken(page[page.length - 1]) } : {}),
  };
}
