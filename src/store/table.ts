// One record type's columns, declared once per repository, from which its SQL text and row conversions are derived.

import type { Driver, SqlValue } from "./driver.ts";

/** Every field of R names its column; boolean fields say so, since SQLite stores them as 0/1. */
export type ColumnMap<R> = {
  readonly [K in keyof R]-?: NonNullable<R[K]> extends boolean ? { bool: string } : string;
};

interface Field {
  key: string;
  column: string;
  bool: boolean;
}

export interface Table<R> {
  /** `SELECT <every column> FROM <table>`, to which callers append their WHERE and ORDER BY. */
  readonly select: string;
  /** `INSERT INTO <table> (...) VALUES (?, ...)`, bound with params(). */
  readonly insert: string;
  params(record: R): SqlValue[];
  /** Runs a query that starts with `select` and converts its rows: NULL becomes an absent field, 0/1 a boolean. */
  many(db: Driver, sql: string, ...params: SqlValue[]): R[];
  /** The first row of such a query, or undefined. */
  one(db: Driver, sql: string, ...params: SqlValue[]): R | undefined;
  /** `UPDATE ... WHERE <key> = ?` for the fields present in patch, or undefined when none is. */
  update(key: string, patch: object): { sql: string; params: SqlValue[] } | undefined;
}

const toSql = (field: Field, value: unknown): SqlValue => {
  if (value === undefined || value === null) return null;
  return field.bool ? (value ? 1 : 0) : (value as SqlValue);
};

export const defineTable = <R>(name: string, columns: ColumnMap<R>, keyColumn = "id"): Table<R> => {
  const fields: Field[] = Object.entries(columns as Record<string, string | { bool: string }>).map(([key, c]) =>
    typeof c === "string" ? { key, column: c, bool: false } : { key, column: c.bool, bool: true },
  );
  const names = fields.map((f) => f.column).join(", ");
  // The key is never updated: a patch carrying it (only possible by casting) leaves it alone.
  const settable = fields.filter((f) => f.column !== keyColumn);
  // Rows arrive as arrays in `select` order, so each value is found by position rather than by name.
  const fromRow = (row: SqlValue[]): R => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) {
      const v = row[i];
      if (v === null || v === undefined) continue;
      const f = fields[i];
      out[f.key] = f.bool ? v !== 0 : v;
    }
    return out as R;
  };
  return {
    select: `SELECT ${names} FROM ${name}`,
    insert: `INSERT INTO ${name} (${names}) VALUES (${fields.map(() => "?").join(", ")})`,
    params: (record) => fields.map((f) => toSql(f, (record as Record<string, unknown>)[f.key])),
    many: (db, sql, ...params) => db.values(sql, ...params).map(fromRow),
    one: (db, sql, ...params) => {
      const row = db.values(sql, ...params)[0];
      return row ? fromRow(row) : undefined;
    },
    update: (key, patch) => {
      const present = settable.filter((f) => (patch as Record<string, unknown>)[f.key] !== undefined);
      if (present.length === 0) return undefined;
      return {
        sql: `UPDATE ${name} SET ${present.map((f) => `${f.column} = ?`).join(", ")} WHERE ${keyColumn} = ?`,
        params: [...present.map((f) => toSql(f, (patch as Record<string, unknown>)[f.key])), key],
      };
    },
  };
};
