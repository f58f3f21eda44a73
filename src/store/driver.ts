// The small SQL surface the store needs, with one implementation per runtime: bun:sqlite under Bun, better-sqlite3 under Node.

import { isBun } from "../runtime/index.ts";

export type SqlValue = string | number | bigint | null | Uint8Array;

export type DriverName = "bun:sqlite" | "better-sqlite3";

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** Positional `?` parameters only, so both drivers bind identically. */
export interface Driver {
  readonly name: DriverName;
  /** Runs one or more statements with no parameters and no result. */
  exec(sql: string): void;
  run(sql: string, ...params: SqlValue[]): RunResult;
  /** The first row, or undefined when there is none. */
  get<T>(sql: string, ...params: SqlValue[]): T | undefined;
  all<T>(sql: string, ...params: SqlValue[]): T[];
  /** Rows as arrays in column order: several times cheaper than objects for wide rows on better-sqlite3. */
  values(sql: string, ...params: SqlValue[]): SqlValue[][];
  /** Runs fn in a transaction: committed if it returns, rolled back if it throws. Nested calls use savepoints. */
  transaction<R>(fn: () => R): R;
  close(): void;
}

// Module names held in variables so `bun build` leaves them alone instead of bundling better-sqlite3 into the binary.
const BUN_SQLITE = "bun:sqlite";
const BETTER_SQLITE3 = "better-sqlite3";

/** Opens a database file synchronously once the driver module is loaded. */
export type DriverFactory = (path: string) => Driver;

/** Loads the driver for the current runtime; the import is the only asynchronous step. */
export const loadDriver = async (): Promise<DriverFactory> => (isBun ? loadBun() : loadBetter());

/** Loads the driver and opens path with it. */
export const openDriver = async (path: string): Promise<Driver> => (await loadDriver())(path);

const loadBun = async (): Promise<DriverFactory> => {
  const mod = (await import(BUN_SQLITE)) as typeof import("bun:sqlite");
  return (path) => bunDriver(new mod.Database(path, { create: true, readwrite: true, strict: true }));
};

const bunDriver = (db: import("bun:sqlite").Database): Driver => {
  return {
    name: "bun:sqlite",
    exec: (sql) => void db.exec(sql),
    run: (sql, ...params) => {
      const r = db.query(sql).run(...params);
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
    // bun:sqlite answers null for "no row"; better-sqlite3 answers undefined — callers get undefined from both.
    get: <T>(sql: string, ...params: SqlValue[]) => (db.query(sql).get(...params) ?? undefined) as T | undefined,
    all: <T>(sql: string, ...params: SqlValue[]) => db.query(sql).all(...params) as T[],
    values: (sql, ...params) => db.query(sql).values(...params) as SqlValue[][],
    transaction: <R>(fn: () => R): R => db.transaction(fn)(),
    close: () => db.close(),
  };
};

const loadBetter = async (): Promise<DriverFactory> => {
  const mod = (await import(BETTER_SQLITE3)) as { default: typeof import("better-sqlite3") };
  return (path) => betterDriver(new mod.default(path));
};

const betterDriver = (db: import("better-sqlite3").Database): Driver => {
  // better-sqlite3 has no statement cache of its own; prepared statements are reused per SQL text.
  const cache = new Map<string, import("better-sqlite3").Statement>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  // raw(true) changes what a statement returns, so the array-returning ones are prepared and kept apart.
  const rawCache = new Map<string, import("better-sqlite3").Statement>();
  const rawStmt = (sql: string) => {
    let s = rawCache.get(sql);
    if (!s) {
      s = db.prepare(sql).raw(true);
      rawCache.set(sql, s);
    }
    return s;
  };
  return {
    name: "better-sqlite3",
    exec: (sql) => void db.exec(sql),
    run: (sql, ...params) => {
      const r = stmt(sql).run(...params);
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
    get: <T>(sql: string, ...params: SqlValue[]) => stmt(sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: SqlValue[]) => stmt(sql).all(...params) as T[],
    values: (sql, ...params) => rawStmt(sql).all(...params) as SqlValue[][],
    transaction: <R>(fn: () => R): R => db.transaction(fn)(),
    close: () => {
      cache.clear();
      rawCache.clear();
      db.close();
    },
  };
};
