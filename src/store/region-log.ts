// The region's replication at the store: what changed here (to publish), remote changes applied, whole dumps.

import type { Driver, SqlValue } from "./driver.ts";
import { parkOrphans, rowId, takeParked } from "./region-parking.ts";
import { regionSchema, type RegionSchema } from "./region-schema.ts";
import {
  REGION_TABLES,
  isRegionResource,
  regionResourceSql,
  regionTable,
  type RegionChange,
  type RegionChangeInput,
  type RegionRefusal,
  type RegionRow,
  type RegionTable,
} from "./region-tables.ts";

export interface RegionApplyResult {
  /** Changes of the batch now in place (parked ones not counted). */
  applied: number;
  /** Changes refused and dropped: unknown table or column, not a region row, a constraint (UNIQUE, NOT NULL, CHECK). */
  skipped: RegionRefusal[];
  /** Rows newly held back because a row they reference is missing here; every later apply retries them. */
  parked: RegionRefusal[];
}

export interface RegionLog {
  /**
   * The oldest `limit` changed rows, oldest first. Several changes of one row are one entry, at the seq of its
   * latest change and with its current content, so acknowledging up to any seq seen never loses a change.
   */
  pending(limit: number): RegionChange[];
  /** Forgets outbox entries up to and including seq. */
  acknowledge(uptoSeq: number): void;
  /**
   * Applies remote changes in one transaction without queueing them for publishing: upserts (never REPLACE, which
   * would cascade to children), deletes when row is null. A refused change is skipped alone; a row whose parent is
   * missing is parked until one arrives. The batch never fails as a whole. `revision`, when given, is stored with it.
   * Inside another transaction, foreign keys stay deferred until that one ends.
   */
  apply(changes: RegionChangeInput[], revision?: number): RegionApplyResult;
  /** Every region row, parents before children, at seq 0: for seeding the region's bucket. */
  snapshot(): RegionChange[];
  /** Deletes every region row, the outbox, parked rows and the applied revision; this box's own rows stay. */
  clear(): void;
  /** The region bucket's revision last applied here (0 before any). */
  lastApplied(): number;
  setLastApplied(revision: number): void;
}

const REVISION = "region.revision";
const PENDING = "SELECT max(seq) AS seq, tbl, pk FROM region_outbox GROUP BY tbl, pk ORDER BY seq LIMIT ?";

const isScalar = (v: unknown): v is SqlValue =>
  v === null || typeof v === "string" || typeof v === "number" || typeof v === "bigint";

const quote = (name: string): string => `"${name}"`;
const keyWhere = (t: RegionTable): string => t.key.map((c) => `${quote(c)} = ?`).join(" AND ");
const keyOf = (t: RegionTable, row: RegionRow): unknown[] => t.key.map((c) => row[c]);
const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export const regionLog = (db: Driver): RegionLog => {
  const schema = regionSchema(db);
  const setGuard = (active: 0 | 1) => db.run("UPDATE region_apply_guard SET active = ?", active);
  const readRow = (t: RegionTable, key: SqlValue[]): RegionRow | null =>
    db.get<RegionRow>(`SELECT * FROM ${quote(t.name)} WHERE ${keyWhere(t)}`, ...key) ?? null;
  const setRevision = (rev: number) =>
    db.run("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", REVISION, String(rev));

  const applyOne = (c: RegionChangeInput): string | undefined => {
    if (typeof c !== "object" || c === null) return "not a change";
    const t = regionTable(c.table);
    if (!t) return "not a region table";
    if (!Array.isArray(c.key) || c.key.length !== t.key.length || !c.key.every(isScalar)) {
      return `key must be ${t.key.length} values (${t.key.join(", ")})`;
    }
    const key = c.key as SqlValue[];
    const resource = t.resourceColumn && key[t.key.indexOf(t.resourceColumn)];
    if (resource !== undefined && !isRegionResource(String(resource))) return `${resource} is a box's resource`;
    const write = c.row === null ? deleteSql(t, key) : upsertSql(schema, t, key, c.row);
    if (typeof write === "string") return write;
    // Its own savepoint: a constraint it breaks undoes this change alone.
    try {
      db.transaction(() => db.run(write.sql, ...write.params));
    } catch (e) {
      return describe(e);
    }
    return undefined;
  };

  return {
    pending: (limit) =>
      db.transaction(() =>
        db.all<{ seq: number; tbl: string; pk: string }>(PENDING, limit).flatMap((e) => {
          const t = regionTable(e.tbl);
          if (!t) return [];
          const key = JSON.parse(e.pk) as SqlValue[];
          return [{ seq: e.seq, table: t.name, key, row: readRow(t, key) }];
        }),
      ),
    acknowledge: (uptoSeq) => void db.run("DELETE FROM region_outbox WHERE seq <= ?", uptoSeq),
    apply: (changes, revision) =>
      db.transaction(() => {
        db.exec("PRAGMA defer_foreign_keys = ON");
        setGuard(1);
        const skipped: RegionRefusal[] = [];
        // Rows parked earlier go back in (parked again below if still orphaned), unless this batch has them anew.
        const incoming = new Set(changes.map((c) => rowId(c?.table, c?.key)));
        const wereParked = new Set<string>();
        for (const p of takeParked(db)) {
          wereParked.add(rowId(p.table, p.key));
          const reason = incoming.has(rowId(p.table, p.key)) ? undefined : applyOne(p);
          if (reason) skipped.push({ table: p.table, key: p.key, reason });
        }
        const placed: string[] = [];
        for (const c of changes) {
          const reason = applyOne(c);
          if (reason) skipped.push({ table: c?.table, key: c?.key, reason });
          else placed.push(rowId(c.table, c.key));
        }
        const parkedNow = parkOrphans(db, schema);
        const parkedIds = new Set(parkedNow.map((p) => rowId(p.table, p.key)));
        if (revision !== undefined) setRevision(revision);
        setGuard(0);
        return {
          applied: placed.filter((id) => !parkedIds.has(id)).length,
          skipped,
          parked: parkedNow.filter((p) => !wereParked.has(rowId(p.table, p.key))),
        };
      }),
    snapshot: () =>
      db.transaction(() =>
        REGION_TABLES.flatMap((t) => {
          const where = t.resourceColumn ? ` WHERE ${regionResourceSql(t.resourceColumn)}` : "";
          const rows = db.all<RegionRow>(`SELECT * FROM ${quote(t.name)}${where} ORDER BY ${t.key.map(quote).join(", ")}`);
          return rows.map((row) => ({ seq: 0, table: t.name, key: keyOf(t, row), row }));
        }),
      ),
    clear: () =>
      db.transaction(() => {
        setGuard(1);
        // Children before parents, so no foreign key is ever left dangling.
        for (const t of [...REGION_TABLES].reverse()) {
          const where = t.resourceColumn ? ` WHERE ${regionResourceSql(t.resourceColumn)}` : "";
          db.run(`DELETE FROM ${quote(t.name)}${where}`);
        }
        db.run("DELETE FROM region_outbox");
        db.run("DELETE FROM region_parked");
        db.run("DELETE FROM settings WHERE key = ?", REVISION);
        setGuard(0);
      }),
    lastApplied: () => Number(db.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", REVISION)?.value ?? 0),
    setLastApplied: (rev) => void setRevision(rev),
  };
};

interface Write {
  sql: string;
  params: SqlValue[];
}

const deleteSql = (t: RegionTable, key: SqlValue[]): Write => ({ sql: `DELETE FROM ${quote(t.name)} WHERE ${keyWhere(t)}`, params: key });

/** The upsert writing row under key, or why it cannot be written. Columns absent from row keep their value (or default). */
const upsertSql = (schema: RegionSchema, t: RegionTable, key: SqlValue[], row: RegionRow): Write | string => {
  if (typeof row !== "object" || Array.isArray(row)) return "row must be an object";
  const known = schema.columns(t.name);
  for (const [col, v] of Object.entries(row)) {
    if (!known.includes(col)) return `unknown column ${JSON.stringify(col.slice(0, 64))}`;
    if (!isScalar(v)) return `column ${col}: not a string, number or null`;
  }
  if (t.key.some((col, i) => row[col] !== key[i])) return "row does not match its key";
  const cols = Object.keys(row);
  const rest = cols.filter((col) => !t.key.includes(col));
  const update = rest.length === 0 ? "NOTHING" : `UPDATE SET ${rest.map((col) => `${quote(col)} = excluded.${quote(col)}`).join(", ")}`;
  return {
    sql:
      `INSERT INTO ${quote(t.name)} (${cols.map(quote).join(", ")}) VALUES (${cols.map(() => "?").join(", ")}) ` +
      `ON CONFLICT (${t.key.map(quote).join(", ")}) DO ${update}`,
    params: cols.map((col) => row[col] as SqlValue),
  };
};
