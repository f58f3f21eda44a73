// The store's behaviour, written once and run by both drivers: store.test.ts passes in the runner's `test`.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, migrations, SchemaTooNewError, type DriverName, type Migration } from "../../src/store/index.ts";

export type TestFn = (name: string, fn: () => void | Promise<void>) => unknown;

const mode = (path: string): number => statSync(path).mode & 0o777;

export const storeCases = (test: TestFn, expectedDriver: DriverName): void => {
  const dirs: string[] = [];
  // Removed at exit rather than per case, so a failing case leaves no stray files behind either.
  process.once("exit", () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tempDb = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "hive-store-"));
    dirs.push(dir);
    return join(dir, "hive.db");
  };

  test(`uses the ${expectedDriver} driver`, async () => {
    const store = await openStore(tempDb());
    try {
      assert.equal(store.driverName, expectedDriver);
    } finally {
      store.close();
    }
  });

  test("applies migrations once; reopening does not re-run them", async () => {
    const path = tempDb();
    const first = await openStore(path);
    assert.deepEqual(first.migration, { from: 0, to: migrations.length, applied: migrations.map((m) => m.version) });
    assert.equal(first.schemaVersion(), migrations.length);
    first.setSetting("kept", "yes");
    first.close();

    const second = await openStore(path);
    try {
      assert.deepEqual(second.migration, { from: migrations.length, to: migrations.length, applied: [] });
      assert.equal(second.schemaVersion(), migrations.length);
      assert.equal(second.getSetting("kept"), "yes");
    } finally {
      second.close();
    }
  });

  test("runs in WAL mode", async () => {
    const path = tempDb();
    const store = await openStore(path);
    try {
      assert.equal(store.journalMode(), "wal");
      store.setSetting("k", "v");
      assert.ok(existsSync(`${path}-wal`), "a -wal file exists while the store is open");
    } finally {
      store.close();
    }
  });

  test("round-trips settings", async () => {
    const path = tempDb();
    const store = await openStore(path);
    try {
      assert.equal(store.getSetting("missing"), undefined);
      store.setSetting("region", "us-east-1");
      assert.equal(store.getSetting("region"), "us-east-1");
      store.setSetting("region", "eu-west-1");
      assert.equal(store.getSetting("region"), "eu-west-1");
      store.setSetting("note", "ünïcødé ✓ 'quoted' \"double\"");
      assert.equal(store.getSetting("note"), "ünïcødé ✓ 'quoted' \"double\"");
      store.setSetting("empty", "");
      assert.equal(store.getSetting("empty"), "");
    } finally {
      store.close();
    }
    const again = await openStore(path);
    try {
      assert.equal(again.getSetting("region"), "eu-west-1");
    } finally {
      again.close();
    }
  });

  test("counts boots per node", async () => {
    const store = await openStore(tempDb());
    try {
      const a1 = store.recordBoot("node-a", "node 20");
      const a2 = store.recordBoot("node-a", "bun 1.4");
      const b1 = store.recordBoot("node-b", "node 20");
      assert.deepEqual([a1.bootCount, a2.bootCount, b1.bootCount], [1, 2, 1]);
      assert.ok(!Number.isNaN(Date.parse(a1.startedAt)));
    } finally {
      store.close();
    }
  });

  test("a transaction that throws leaves nothing half-written", async () => {
    const store = await openStore(tempDb());
    try {
      store.setSetting("before", "1");
      assert.throws(
        () =>
          store.transaction(() => {
            store.setSetting("a", "1");
            store.setSetting("before", "changed");
            store.recordBoot("node-a", "node 20");
            throw new Error("boom");
          }),
        /boom/,
      );
      assert.equal(store.getSetting("a"), undefined);
      assert.equal(store.getSetting("before"), "1");
      assert.equal(store.recordBoot("node-a", "node 20").bootCount, 1);
      assert.equal(store.transaction(() => (store.setSetting("b", "2"), "done")), "done");
      assert.equal(store.getSetting("b"), "2");
    } finally {
      store.close();
    }
  });

  test("a failing migration rolls back every step of the start-up batch", async () => {
    const path = tempDb();
    const broken: Migration[] = [
      ...migrations,
      { version: migrations.length + 1, name: "half", sql: "CREATE TABLE extra (x TEXT); INSERT INTO nowhere VALUES (1);" },
    ];
    await assert.rejects(openStore(path, { migrations: broken }), /nowhere/);
    // Nothing from the batch survived — not even migration 1 — so the fixed list applies cleanly from zero.
    const fixed: Migration[] = [
      ...migrations,
      { version: migrations.length + 1, name: "half", sql: "CREATE TABLE extra (x TEXT);" },
    ];
    const store = await openStore(path, { migrations: fixed });
    try {
      assert.equal(store.migration.from, 0);
      assert.equal(store.schemaVersion(), migrations.length + 1);
    } finally {
      store.close();
    }
  });

  test("refuses a database whose schema is newer than the code", async () => {
    const path = tempDb();
    const future: Migration[] = [
      ...migrations,
      { version: migrations.length + 1, name: "future", sql: "CREATE TABLE future (x);" },
    ];
    const newer = await openStore(path, { migrations: future });
    newer.setSetting("kept", "yes");
    newer.close();

    await assert.rejects(openStore(path), (err: unknown) => {
      assert.ok(err instanceof SchemaTooNewError);
      assert.equal(err.dbVersion, migrations.length + 1);
      assert.equal(err.codeVersion, migrations.length);
      assert.match(err.message, /schema version 2.*only up to version 1/);
      return true;
    });
    // The refusal changed nothing: the newer code still opens it.
    const back = await openStore(path, { migrations: future });
    try {
      assert.equal(back.getSetting("kept"), "yes");
    } finally {
      back.close();
    }
  });

  test("creates the database and its -wal/-shm files mode 0600", async () => {
    const path = tempDb();
    const store = await openStore(path);
    try {
      store.setSetting("k", "v");
      for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(mode(f).toString(8), "600", f);
    } finally {
      store.close();
    }
  });

  test("tightens a database file that was left readable by others", async () => {
    const path = tempDb();
    writeFileSync(path, "", { mode: 0o644 });
    const store = await openStore(path);
    try {
      store.setSetting("k", "v");
      for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(mode(f).toString(8), "600", f);
    } finally {
      store.close();
    }
  });
};
