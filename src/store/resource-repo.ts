// The plain repository most region-wide resources need: insert with tags, get, list, update, delete with tags.

import type { Driver } from "./driver.ts";
import type { Patch, TagRecord } from "./records.ts";
import type { Table } from "./table.ts";
import { tagRepo } from "./tags.ts";

export interface ResourceRepo<R> {
  /** Inserts the row and its tags in one transaction. */
  insert(record: R, tags?: TagRecord[]): void;
  get(id: string): R | undefined;
  /** Every row, ordered by id. */
  list(): R[];
  /** Changes only the fields present in patch; false when no row has this id. */
  update(id: string, patch: Patch<Omit<R, "id">>): boolean;
  /** Deletes the row and its tags; false when no row has this id. */
  delete(id: string): boolean;
}

export const resourceRepo = <R>(db: Driver, name: string, table: Table<R>, keyColumn = "id"): ResourceRepo<R> => {
  const tags = tagRepo(db);
  const GET = `${table.select} WHERE ${keyColumn} = ?`;
  const LIST = `${table.select} ORDER BY ${keyColumn}`;
  const DELETE = `DELETE FROM ${name} WHERE ${keyColumn} = ?`;
  return {
    insert: (record, recordTags = []) =>
      db.transaction(() => {
        db.run(table.insert, ...table.params(record));
        tags.put(recordTags);
      }),
    get: (id) => table.one(db, GET, id),
    list: () => table.many(db, LIST),
    update: (id, patch) => {
      const u = table.update(id, patch);
      if (!u) return table.one(db, GET, id) !== undefined;
      return db.run(u.sql, ...u.params).changes > 0;
    },
    delete: (id) =>
      db.transaction(() => {
        db.run("DELETE FROM tags WHERE resource_id = ?", id);
        return db.run(DELETE, id).changes > 0;
      }),
  };
};
