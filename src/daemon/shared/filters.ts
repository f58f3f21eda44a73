// EC2's Filters parameter for any Describe* call: named fields, wildcard values, OR within a filter, AND across filters.

import type { Filter } from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";

/** Per filter name, how to read that field from an item. A getter may return a scalar, a boolean, a number or an array. */
export type FilterFields<T> = Record<string, (item: T) => unknown>;

/** For filter names that carry a parameter (`tag:Name`): a getter for that name, or undefined if the name is not one. */
export type DynamicFilterField<T> = (name: string) => ((item: T) => unknown) | undefined;

/** The `tag:<key>`, `tag-key` and `tag-value` filters every taggable resource answers, given how to read its tags. */
export function tagFilters<T>(tagsOf: (item: T) => Array<{ Key?: string; Value?: string }> | undefined): {
  fields: FilterFields<T>;
  dynamic: DynamicFilterField<T>;
} {
  return {
    fields: {
      "tag-key": (item) => (tagsOf(item) ?? []).map((t) => t.Key),
      "tag-value": (item) => (tagsOf(item) ?? []).map((t) => t.Value),
    },
    dynamic: (name) => {
      if (!name.startsWith("tag:") || name.length === 4) return undefined;
      const key = name.slice(4);
      return (item) => (tagsOf(item) ?? []).filter((t) => t.Key === key).map((t) => t.Value);
    },
  };
}

/** Compiles one EC2 filter value: `*` any run of characters, `?` exactly one, `\` makes the next character literal. */
export const wildcardPattern = (value: string): RegExp => {
  let re = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === "\\" && i + 1 < value.length) re += escapeRegExp(value[++i]!);
    else if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`, "u");
};

/** Escapes every character RegExp treats specially. */
export const escapeRegExp = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** The strings a field value is compared as: booleans as "true"/"false", numbers in decimal, arrays element by element. */
const asStrings = (value: unknown): string[] => {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(asStrings);
  if (typeof value === "string") return [value];
  if (typeof value === "boolean" || typeof value === "number" || typeof value === "bigint") return [String(value)];
  return [];
};

interface CompiledFilter<T> {
  get: (item: T) => unknown;
  patterns: RegExp[];
}

const compile = <T>(filters: Filter[], fields: FilterFields<T>, dynamic?: DynamicFilterField<T>): CompiledFilter<T>[] =>
  filters.map((f) => {
    const name = f.Name ?? "";
    // hasOwn so that names like "constructor" are not found on the prototype.
    const get = Object.hasOwn(fields, name) ? fields[name] : dynamic?.(name);
    if (!get) throw invalidParameter("Filter", `The filter '${name}' is invalid`);
    const values = f.Values ?? [];
    if (values.length === 0) throw invalidParameter("Filter", `The filter '${name}' requires at least one value`);
    return { get, patterns: values.map(wildcardPattern) };
  });

/** Keeps the items that match every filter; an absent or empty filter list keeps everything. */
export const applyFilters = <T>(
  items: T[],
  filters: Filter[] | undefined,
  fields: FilterFields<T>,
  dynamic?: DynamicFilterField<T>,
): T[] => {
  if (!filters || filters.length === 0) return items;
  const compiled = compile(filters, fields, dynamic);
  return items.filter((item) =>
    compiled.every(({ get, patterns }) => {
      const actual = asStrings(get(item));
      return actual.some((s) => patterns.some((p) => p.test(s)));
    }),
  );
};
