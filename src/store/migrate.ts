// Brings a database up to the code's schema in one transaction, and refuses one written by newer code.

import type { Driver } from "./driver.ts";
import type { Migration } from "./migrations.ts";

/** The database was migrated by a newer Hive than this one; opening it could corrupt data. */
export class SchemaTooNewError extends Error {
  readonly dbVersion: number;
  readonly codeVersion: number;

  constructor(path: string, dbVersion: number, codeVersion: number) {
    super(
      `database ${path} is at schema version ${dbVersion}, but this hive knows only up to version ${codeVersion}; ` +
        `run a newer hive or restore a backup`,
    );
    this.name = "SchemaTooNewError";
    this.dbVersion = dbVersion;
    this.codeVersion = codeVersion;
  }
}

export interface MigrationOutcome {
  from: number;
  to: number;
  applied: number[];
}

const checkOrder = (list: readonly Migration[]): void => {
  list.forEach((m, i) => {
    // A gap or reorder is a programming error, caught before touching any database.
    if (m.version !== i + 1) throw new Error(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
};

export const currentVersion = (db: Driver): number =>
  db.get<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations")?.v ?? 0;

/** Applies every migration newer than the database's version, all or none. */
export const migrate = (db: Driver, path: string, list: readonly Migration[]): MigrationOutcome => {
  checkOrder(list);
  const latest = list.length;
  return db.transaction(() => {
    db.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL
       )`,
    );
    const from = currentVersion(db);
    if (from > latest) throw new SchemaTooNewError(path, from, latest);
    const applied: number[] = [];
    const now = new Date().toISOString();
    for (const m of list.slice(from)) {
      db.exec(m.sql);
      db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", m.version, m.name, now);
      applied.push(m.version);
    }
    return { from, to: Math.max(from, latest), applied };
  });
};
