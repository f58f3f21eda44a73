// EC2 resource ids: prefix, dash, 17 lowercase hex digits (8 accepted for old-style ids), and their checks.
import { randomBytes } from "node:crypto";
import { malformed } from "../../errors/index.ts";

export const newId = (prefix: string): string => `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;

export const isId = (prefix: string, id: string): boolean => new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);

const RESOURCE_BY_PREFIX: Record<string, string> = { i: "instance", ami: "image", vol: "volume", snap: "snapshot", r: "reservation" };

/** Throws Malformed (InvalidInstanceID.Malformed & co.) for the first id that cannot be a `prefix` id. */
export function assertIds(prefix: string, ids: string[] | undefined, param: string): void {
  for (const id of ids ?? []) {
    if (!isId(prefix, id)) {
      const resource = RESOURCE_BY_PREFIX[prefix] ?? prefix;
      throw malformed(resource, `Invalid id: "${id.slice(0, 64)}" (expecting "${prefix}-...")`, param);
    }
  }
}

/** Which resource an id names, from its prefix: i- instance, vol- volume, ami- image. */
export const resourceTypeOf = (id: string): string | undefined => {
  const prefix = id.split("-")[0];
  return prefix && id.includes("-") ? RESOURCE_BY_PREFIX[prefix] : undefined;
};
