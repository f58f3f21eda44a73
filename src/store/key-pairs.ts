// The key_pairs table behind KeyPairRepo: the account's SSH key pairs (public halves only) and their tags.

import type { Driver } from "./driver.ts";
import type { KeyPairRecord, KeyPairRepo } from "./records.ts";
import { defineTable } from "./table.ts";
import { tagRepo } from "./tags.ts";

const table = defineTable<KeyPairRecord>("key_pairs", {
  id: "id",
  name: "name",
  type: "key_type",
  fingerprint: "fingerprint",
  publicKey: "public_key",
  createdAt: "created_at",
});

const GET = `${table.select} WHERE id = ?`;
const BY_NAME = `${table.select} WHERE name = ?`;
const LIST = `${table.select} ORDER BY name`;
const DELETE_TAGS = "DELETE FROM tags WHERE resource_id = ?";
const DELETE = "DELETE FROM key_pairs WHERE id = ?";

export const keyPairRepo = (db: Driver): KeyPairRepo => {
  const tags = tagRepo(db);
  return {
    insert: (keyPair, keyTags = []) =>
      db.transaction(() => {
        db.run(table.insert, ...table.params(keyPair));
        tags.put(keyTags);
      }),
    get: (id) => table.one(db, GET, id),
    byName: (name) => table.one(db, BY_NAME, name),
    list: () => table.many(db, LIST),
    delete: (id) =>
      db.transaction(() => {
        db.run(DELETE_TAGS, id);
        return db.run(DELETE, id).changes > 0;
      }),
  };
};
