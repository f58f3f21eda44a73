// The public_parameters table behind PublicParameterRepo: names under /aws/service/ that the operator published for
// an image, each with the version AWS's public parameters report (it counts every re-pointing).

import type { Driver } from "./driver.ts";
import { prefixEnd } from "./parameters.ts";
import { defineTable } from "./table.ts";

export interface PublicParameterRecord {
  name: string;
  imageId: string;
  version: number;
  modifiedAt: string;
}

export interface PublicParameterRepo {
  get(name: string): PublicParameterRecord | undefined;
  /** Every published name starting with prefix ("" for all), ordered by name. */
  under(prefix: string): PublicParameterRecord[];
  /** Points the name at the image: a new name is version 1; re-pointing counts on; the same image changes nothing. */
  publish(name: string, imageId: string, at: string): PublicParameterRecord;
  /** False when the name was not published. */
  unpublish(name: string): boolean;
  /** Takes every name of the image away (it was deregistered); returns them. */
  removeImage(imageId: string): string[];
}

const table = defineTable<PublicParameterRecord>("public_parameters", { name: "name", imageId: "image_id", version: "version", modifiedAt: "modified_at" }, "name");

const GET = `${table.select} WHERE name = ?`;
const UNDER = `${table.select} WHERE name >= ? AND name < ? ORDER BY name`;
const UPSERT = `${table.insert} ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id, version = excluded.version, modified_at = excluded.modified_at`;
const DELETE = "DELETE FROM public_parameters WHERE name = ?";
const OF_IMAGE = "SELECT name FROM public_parameters WHERE image_id = ? ORDER BY name";
const DELETE_IMAGE = "DELETE FROM public_parameters WHERE image_id = ?";

export const publicParameterRepo = (db: Driver): PublicParameterRepo => ({
  get: (name) => table.one(db, GET, name),
  under: (prefix) => table.many(db, UNDER, prefix, prefixEnd(prefix)),
  publish: (name, imageId, at) =>
    db.transaction(() => {
      const current = table.one(db, GET, name);
      if (current?.imageId === imageId) return current;
      const rec = { name, imageId, version: (current?.version ?? 0) + 1, modifiedAt: at };
      db.run(UPSERT, ...table.params(rec));
      return rec;
    }),
  unpublish: (name) => db.run(DELETE, name).changes > 0,
  removeImage: (imageId) =>
    db.transaction(() => {
      const names = db.all<{ name: string }>(OF_IMAGE, imageId).map((r) => r.name);
      db.run(DELETE_IMAGE, imageId);
      return names;
    }),
});
