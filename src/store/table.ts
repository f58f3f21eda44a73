// One record type's columns, declared once per repository, from which its SQL text and row conversions are derived.

import type { SqlValue } from "./driver.ts";

/** Every field of R names its column; boolean fields say so, since SQLite stores them as 0/1. */
export type ColumnMap<R> = {
  readonly [K in keyof R]-?: NonNullable<R[K]> extends boolean ? { bool: string } : string;
};

export type Row = Record<string, SqlValue>;

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
  /** NULL becomes an absent field, 0/1 a boolean. */
  fromRow(row: Row): R;
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
  return {
    select: `SELECT ${names} FROM ${name}`,
    insert: `INSERT INTO ${name} (${names}) VALUES (${fields.map(() => "?").join(", ")})`,
    params: (record) => fields.map((f) => toSql(f, (record as Record<string, unknown>)[f.key])),
    fromRow: (row) => {
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const v = row[f.column];
        if (v === null || v === undefined) continue;
        out[f.key] = f.bool ? v !== 0 : v;
      }
      return out as R;
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
