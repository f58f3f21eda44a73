// Rows whose parent has not arrived yet: out of their table, held in region_parked until an apply brings the parent.
//
// Replicas receive the latest version of each row in the order of its last change, so a child changed before its
// parent's last change comes first; a parent's delete may also overtake its children's. Such a row is parked rather
// than dropped (it would otherwise be lost until its next change) and retried by every apply.

import type { Driver, SqlValue } from "./driver.ts";
import type { RegionSchema } from "./region-schema.ts";
import { regionTable, type RegionChangeInput, type RegionRefusal, type RegionRow, type RegionTable } from "./region-tables.ts";

const PARK =
  "INSERT INTO region_parked (tbl, pk, row, reason) VALUES (?, ?, ?, ?) " +
  "ON CONFLICT (tbl, pk) DO UPDATE SET row = excluded.row, reason = excluded.reason";

/** One row's identity across batches and region_parked. */
export const rowId = (table: string, key: unknown[]): string =>
  `${table} ${JSON.stringify(key, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}`;

const matching = (columns: string[]): string => columns.map((c) => `"${c}" = ?`).join(" AND ");

/** Empties region_parked, answering what it held. */
export const takeParked = (db: Driver): RegionChangeInput[] => {
  const rows = db.all<{ tbl: string; pk: string; row: string }>("SELECT tbl, pk, row FROM region_parked");
  db.run("DELETE FROM region_parked");
  return rows.map((r) => ({ table: r.tbl, key: JSON.parse(r.pk) as unknown[], row: JSON.parse(r.row) as RegionRow }));
};

/** Rows of fk's table whose key finds no parent (a key with a NULL column points nowhere and is fine). */
const orphans = (db: Driver, fk: { table: string; parent: string; from: string[]; to: string[] }): RegionRow[] => {
  const set = fk.from.map((c) => `c."${c}" IS NOT NULL`).join(" AND ");
  const joined = fk.from.map((c, i) => `p."${fk.to[i]}" = c."${c}"`).join(" AND ");
  return db.all<RegionRow>(`SELECT c.* FROM "${fk.table}" AS c WHERE ${set} AND NOT EXISTS (SELECT 1 FROM "${fk.parent}" AS p WHERE ${joined})`);
};

/**
 * Parks every row whose foreign key finds no parent, until PRAGMA foreign_key_check is clean, so the transaction
 * commits with every key whole. A parked row takes along the rows its delete would cascade to. Answers what it parked.
 */
export const parkOrphans = (db: Driver, schema: RegionSchema): RegionRefusal[] => {
  const parked: RegionRefusal[] = [];
  const park = (t: RegionTable, row: RegionRow, reason: string): void => {
    for (const fk of schema.referencing(t.name).filter((k) => k.cascades)) {
      const children = db.all<RegionRow>(`SELECT * FROM "${fk.table}" WHERE ${matching(fk.from)}`, ...fk.to.map((c) => row[c] as SqlValue));
      for (const child of children) park(regionTable(fk.table)!, child, `its ${t.name} row is parked`);
    }
    const key = t.key.map((c) => row[c] as SqlValue);
    db.run(PARK, t.name, JSON.stringify(key), JSON.stringify(row), reason);
    db.run(`DELETE FROM "${t.name}" WHERE ${matching([...t.key])}`, ...key);
    parked.push({ table: t.name, key, reason });
  };
  for (;;) {
    const broken = db.all<{ table: string; fkid: number }>("SELECT DISTINCT \"table\", fkid FROM pragma_foreign_key_check");
    if (broken.length === 0) return parked;
    const before = parked.length;
    for (const { table, fkid } of broken) {
      const t = regionTable(table);
      // No box table references a region table (a unit test holds to it), so this is a bug, not data.
      if (!t) throw new Error(`a region apply broke a foreign key of ${table}, which is not a region table`);
      const fk = schema.foreignKeys(table).find((k) => k.id === fkid)!;
      for (const row of orphans(db, fk)) park(t, row, `waits for its ${fk.parent} row ${JSON.stringify(fk.from.map((c) => row[c]))}`);
    }
    if (parked.length === before) throw new Error("foreign_key_check reports broken keys that no orphan query finds");
  }
};
