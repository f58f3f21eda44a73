// What SQLite says of the region tables' columns and foreign keys, read once per store and kept.

import type { Driver } from "./driver.ts";
import { REGION_TABLES } from "./region-tables.ts";

export interface ForeignKey {
  id: number;
  /** The table holding the key. */
  table: string;
  parent: string;
  from: string[];
  to: string[];
  /** ON DELETE CASCADE: deleting the parent deletes the row. */
  cascades: boolean;
}

export interface RegionSchema {
  /** Every column of a table, in order. */
  columns(table: string): string[];
  /** The foreign keys a table holds. */
  foreignKeys(table: string): ForeignKey[];
  /** The region tables' foreign keys that point at parent. */
  referencing(parent: string): ForeignKey[];
}

interface FkRow {
  id: number;
  seq: number;
  table: string;
  from: string;
  to: string | null;
  on_delete: string;
}

const cached = <T>(read: (table: string) => T): ((table: string) => T) => {
  const seen = new Map<string, T>();
  return (table) => {
    if (!seen.has(table)) seen.set(table, read(table));
    return seen.get(table)!;
  };
};

export const regionSchema = (db: Driver): RegionSchema => {
  const info = cached((table) => db.all<{ name: string; pk: number }>("SELECT name, pk FROM pragma_table_info(?)", table));
  const columns = cached((table) => info(table).map((c) => c.name));
  // A key declared without its parent's columns points at the parent's primary key.
  const parentKey = (table: string) => info(table).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const foreignKeys = cached((table): ForeignKey[] => {
    const rows = db.all<FkRow>("SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq", table);
    const byId = new Map<number, FkRow[]>();
    for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    return [...byId.values()].map((parts) => ({
      id: parts[0].id,
      table,
      parent: parts[0].table,
      from: parts.map((p) => p.from),
      to: parts.some((p) => p.to === null) ? parentKey(parts[0].table) : parts.map((p) => p.to!),
      cascades: parts[0].on_delete === "CASCADE",
    }));
  });
  const referencing = cached((parent) => REGION_TABLES.flatMap((t) => foreignKeys(t.name)).filter((fk) => fk.parent === parent));
  return { columns, foreignKeys, referencing };
};
