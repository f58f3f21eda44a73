// The tags table behind TagRepo: one row per (resource, key), for any kind of resource.

import type { Driver } from "./driver.ts";
import type { TagRecord, TagRepo } from "./records.ts";
import { defineTable } from "./table.ts";

const table = defineTable<TagRecord>("tags", {
  resourceId: "resource_id",
  resourceType: "resource_type",
  key: "key",
  value: "value",
});

const PUT =
  `${table.insert} ON CONFLICT (resource_id, key) DO UPDATE ` +
  "SET value = excluded.value, resource_type = excluded.resource_type";
const DELETE_KEY = "DELETE FROM tags WHERE resource_id = ? AND key = ?";
const DELETE_KEY_VALUE = "DELETE FROM tags WHERE resource_id = ? AND key = ? AND value = ?";
const FOR_RESOURCE = `${table.select} WHERE resource_id = ? ORDER BY key`;
// The ids travel as one JSON array parameter: a single statement however many ids, with no bound-variable limit.
const FOR_RESOURCES = `${table.select} WHERE resource_id IN (SELECT value FROM json_each(?)) ORDER BY resource_id, key`;
const LIST = `${table.select} ORDER BY resource_id, key`;

export const tagRepo = (db: Driver): TagRepo => {
  return {
    put: (tags) =>
      db.transaction(() => {
        for (const t of tags) db.run(PUT, ...table.params(t));
      }),
    delete: (tags) =>
      db.transaction(() => {
        for (const t of tags) {
          if (t.value === undefined) db.run(DELETE_KEY, t.resourceId, t.key);
          else db.run(DELETE_KEY_VALUE, t.resourceId, t.key, t.value);
        }
      }),
    forResource: (resourceId) => table.many(db, FOR_RESOURCE, resourceId),
    forResources: (resourceIds) => {
      const grouped = new Map<string, TagRecord[]>(resourceIds.map((id) => [id, []]));
      if (resourceIds.length === 0) return grouped;
      for (const tag of table.many(db, FOR_RESOURCES, JSON.stringify(resourceIds))) {
        grouped.get(tag.resourceId)?.push(tag);
      }
      return grouped;
    },
    list: () => table.many(db, LIST),
  };
};
