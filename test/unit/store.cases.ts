// The store's behaviour, written once and run by both drivers: store.test.ts passes in the runner's `test`.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  openStore,
  migrations,
  SchemaTooNewError,
  type DriverName,
  type ImageRecord,
  type SnapshotRecord,
  type InstanceRecord,
  type KeyPairRecord,
  type Migration,
  type Store,
  type TagRecord,
  type VolumeRecord,
} from "../../src/store/index.ts";

export type TestFn = (name: string, fn: () => void | Promise<void>) => unknown;

const mode = (path: string): number => statSync(path).mode & 0o777;

const hex17 = (n: number): string => n.toString(16).padStart(17, "0");
const T0 = "2026-01-01T00:00:00.000Z";

// Records with only the required fields; the *Full variants set every optional one as well.
const image = (n: number, over: Partial<ImageRecord> = {}): ImageRecord => ({
  id: `ami-${hex17(n)}`,
  name: `image-${n}`,
  state: "available",
  architecture: "x86_64",
  rootDeviceName: "/dev/xvda",
  sizeBytes: 2 * 1024 ** 3,
  file: `images/${n}.qcow2`,
  node: "node-a",
  ownerId: "000000000000",
  createdAt: T0,
  ...over,
});
const imageFull = (n: number): ImageRecord => image(n, { description: "Alpine 3.20 ✓", source: "https://example.com/a.qcow2" });

const volume = (n: number, over: Partial<VolumeRecord> = {}): VolumeRecord => ({
  id: `vol-${hex17(n)}`,
  sizeGiB: 8,
  volumeType: "gp3",
  state: "available",
  az: "us-east-1a",
  node: "node-a",
  file: `volumes/${n}.qcow2`,
  createdAt: T0,
  deleteOnTermination: false,
  ...over,
});
const volumeFull = (n: number): VolumeRecord =>
  volume(n, {
    state: "in-use",
    imageId: `ami-${hex17(1)}`,
    snapshotId: `snap-${hex17(n)}`,
    instanceId: `i-${hex17(n)}`,
    device: "/dev/xvda",
    attachTime: "2026-01-01T00:00:01.000Z",
    attachState: "attached",
    iops: 4000,
    throughput: 250,
    clientToken: "token-1",
    autoEnableIo: true,
    deleteOnTermination: true,
  });

/** An instance row as RunInstances writes it; other suites build theirs from it with their own ids. */
export const instance = (n: number, over: Partial<InstanceRecord> = {}): InstanceRecord => ({
  id: `i-${hex17(n)}`,
  reservationId: `r-${hex17(n)}`,
  ownerId: "000000000000",
  imageId: `ami-${hex17(1)}`,
  instanceType: "t3.micro",
  state: "pending",
  launchTime: T0,
  az: "us-east-1a",
  node: "node-a",
  vcpus: 2,
  memoryMiB: 1024,
  shutdownBehavior: "stop",
  disableApiTermination: false,
  rootDeviceName: "/dev/xvda",
  amiLaunchIndex: 0,
  updatedAt: T0,
  ...over,
});
const instanceFull = (n: number): InstanceRecord =>
  instance(n, {
    requesterId: "111111111111",
    state: "terminated",
    stateReasonCode: "Client.UserInitiatedShutdown",
    stateReasonMessage: "Client.UserInitiatedShutdown: User initiated shutdown",
    stateTransitionReason: "User initiated (2026-01-01 00:00:00 GMT)",
    keyName: "my-key",
    userData: Buffer.from("#!/bin/sh\necho hi\n").toString("base64"),
    shutdownBehavior: "terminate",
    disableApiTermination: true,
    rootVolumeId: `vol-${hex17(n)}`,
    amiLaunchIndex: 3,
    clientToken: "token-1",
    pid: 4242,
    terminatedAt: "2026-01-01T00:05:00.000Z",
    disableApiStop: true,
    cpuCredits: "standard",
  });

const tag = (resourceId: string, key: string, value: string, resourceType = "instance"): TagRecord => ({
  resourceId,
  resourceType,
  key,
  value,
});

const ids = (records: Array<{ id: string }>): string[] => records.map((r) => r.id);

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
      assert.match(
        err.message,
        new RegExp(`schema version ${migrations.length + 1}.*only up to version ${migrations.length}\\b`),
      );
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

  const withStore = async (fn: (store: Store) => void | Promise<void>): Promise<void> => {
    const store = await openStore(tempDb());
    try {
      await fn(store);
    } finally {
      store.close();
    }
  };

  test("images round-trip with optional fields set and unset", () =>
    withStore((store) => {
      const bare = image(1);
      const full = imageFull(2);
      store.images.insert(bare);
      store.images.insert(full);
      assert.deepEqual(store.images.get(bare.id), bare);
      assert.ok(!("description" in store.images.get(bare.id)!), "NULL comes back as an absent field");
      assert.deepEqual(store.images.get(full.id), full);
      assert.equal(store.images.get("ami-missing"), undefined);
      assert.deepEqual(store.images.byName("image-2"), full);
      assert.equal(store.images.byName("nope"), undefined);

      store.images.setSize(bare.id, 3 * 1024 ** 3);
      store.images.setState(bare.id, "failed");
      assert.deepEqual(store.images.get(bare.id), { ...bare, sizeBytes: 3 * 1024 ** 3, state: "failed" });
      store.images.setState("ami-missing", "failed"); // a missing id is a no-op
    }));

  test("image descriptions, launch permissions and last launches", () =>
    withStore((store) => {
      const a = image(1);
      const b = image(2);
      store.images.insert(a);
      store.images.insert(b);
      store.images.setDescription(a.id, "web server");
      assert.equal(store.images.get(a.id)?.description, "web server");
      store.images.setDescription(a.id, null);
      assert.ok(!("description" in store.images.get(a.id)!));

      const all = { granteeType: "group" as const, grantee: "all" };
      const user = { granteeType: "user" as const, grantee: "111122223333" };
      store.images.changeLaunchPermissions(a.id, [user, all, user], []);
      const perms = store.images.launchPermissions([a.id, b.id, "ami-missing"]);
      assert.deepEqual(perms.get(a.id), [all, user], "groups first, repeats collapse");
      assert.deepEqual(perms.get(b.id), []);
      assert.deepEqual(perms.get("ami-missing"), []);
      store.images.changeLaunchPermissions(a.id, [], [all, { granteeType: "user", grantee: "999999999999" }]);
      assert.deepEqual(store.images.launchPermissions([a.id]).get(a.id), [user]);
      assert.throws(() => store.images.changeLaunchPermissions("ami-missing", [user], []), /FOREIGN KEY/);

      assert.equal(store.images.lastLaunched(a.id), undefined);
      store.images.recordLaunch(a.id, "node-a", "2026-01-02T00:00:00.000Z");
      store.images.recordLaunch(a.id, "node-a", "2026-01-01T12:00:00.000Z");
      store.images.recordLaunch(a.id, "node-b", "2026-01-01T18:00:00.000Z");
      assert.equal(store.images.lastLaunched(a.id), "2026-01-02T00:00:00.000Z", "the latest launch of any box");
      store.images.recordLaunch(a.id, "node-b", "2026-01-03T00:00:00.000Z");
      assert.equal(store.images.lastLaunched(a.id), "2026-01-03T00:00:00.000Z");
    }));

  test("image names are unique among images not deregistered", () =>
    withStore((store) => {
      store.images.insert(image(2, { name: "alpine" }));
      store.images.insert(image(1, { name: "debian" }));
      assert.throws(() => store.images.insert(image(3, { name: "alpine" })), /UNIQUE/);
      assert.deepEqual(ids(store.images.list()), [`ami-${hex17(1)}`, `ami-${hex17(2)}`]);

      store.images.setState(`ami-${hex17(2)}`, "deregistered");
      store.images.insert(image(3, { name: "alpine" }));
      assert.equal(store.images.byName("alpine")?.id, `ami-${hex17(3)}`);
      assert.deepEqual(ids(store.images.list()), [`ami-${hex17(1)}`, `ami-${hex17(3)}`]);
      // The deregistered row is kept and still found by id; a second deregistered "alpine" is allowed too.
      assert.equal(store.images.get(`ami-${hex17(2)}`)?.state, "deregistered");
      store.images.setState(`ami-${hex17(3)}`, "deregistered");
      assert.equal(store.images.byName("alpine"), undefined);
      assert.deepEqual(ids(store.images.list()), [`ami-${hex17(1)}`]);
    }));

  test("volumes round-trip, list what is not deleted, and count image dependents", () =>
    withStore((store) => {
      const bare = volume(1);
      const full = volumeFull(2);
      store.volumes.insert(full);
      store.volumes.insert(bare);
      assert.deepEqual(store.volumes.get(bare.id), bare);
      assert.deepEqual(store.volumes.get(full.id), full);
      assert.equal(store.volumes.get(full.id)?.deleteOnTermination, true);
      assert.equal(store.volumes.get(bare.id)?.deleteOnTermination, false);
      assert.equal(store.volumes.get("vol-missing"), undefined);

      store.volumes.insert(volume(3, { imageId: `ami-${hex17(1)}`, state: "deleted" }));
      assert.deepEqual(ids(store.volumes.list()), [bare.id, full.id]);
      assert.equal(store.volumes.countUsingImage(`ami-${hex17(1)}`), 1);
      assert.equal(store.volumes.countUsingImage(`ami-${hex17(9)}`), 0);
      assert.deepEqual(store.volumes.forInstance(`i-${hex17(2)}`), [full]);
      assert.deepEqual(store.volumes.forInstance(`i-${hex17(9)}`), []);
      assert.deepEqual(store.volumes.attachedTo([`i-${hex17(2)}`, `i-${hex17(9)}`]), [full]);
      assert.deepEqual(store.volumes.attachedTo([]), []);
    }));

  test("volume update changes only the fields given; null clears; a missing id is a no-op", () =>
    withStore((store) => {
      const full = volumeFull(1);
      store.volumes.insert(full);
      assert.equal(store.volumes.update(full.id, { state: "available", instanceId: null, device: null, attachTime: null }), true);
      const { instanceId: _i, device: _d, attachTime: _a, ...detached } = full;
      assert.deepEqual(store.volumes.get(full.id), { ...detached, state: "available" });

      assert.equal(store.volumes.update(full.id, { sizeGiB: 20, deleteOnTermination: false, snapshotId: undefined }), true);
      assert.deepEqual(store.volumes.get(full.id), { ...detached, state: "available", sizeGiB: 20, deleteOnTermination: false });

      assert.equal(store.volumes.update(full.id, {}), true, "an empty patch reports that the row exists");
      assert.equal(store.volumes.update("vol-missing", { state: "deleted" }), false);
      assert.equal(store.volumes.update("vol-missing", {}), false);
      assert.equal(store.volumes.get("vol-missing"), undefined);
    }));

  test("instances round-trip with optional fields set and unset", () =>
    withStore((store) => {
      const bare = instance(1);
      const full = instanceFull(2);
      store.instances.insertLaunch({ instances: [bare, full], volumes: [], tags: [] });
      assert.deepEqual(store.instances.get(bare.id), bare);
      assert.deepEqual(Object.keys(store.instances.get(bare.id)!).sort(), Object.keys(bare).sort());
      assert.deepEqual(store.instances.get(full.id), full);
      assert.equal(store.instances.get("i-missing"), undefined);
      assert.equal(store.instances.count(), 2);
    }));

  test("instance update: given fields only, null clears, updatedAt stamped, missing id a no-op", () =>
    withStore((store) => {
      const full = instanceFull(1);
      store.instances.insertLaunch({ instances: [full], volumes: [], tags: [] });
      const before = Date.now();
      assert.equal(store.instances.update(full.id, { state: "running", pid: null, terminatedAt: null, keyName: undefined }), true);
      const got = store.instances.get(full.id)!;
      const { pid: _p, terminatedAt: _t, updatedAt: _u, ...rest } = full;
      const { updatedAt, ...gotRest } = got;
      assert.deepEqual(gotRest, { ...rest, state: "running" });
      assert.ok(Date.parse(updatedAt) >= before - 1000, "updatedAt is set to now when the patch does not give it");

      store.instances.update(full.id, { pid: 7, updatedAt: "2026-02-02T00:00:00.000Z", disableApiTermination: false });
      const again = store.instances.get(full.id)!;
      assert.deepEqual([again.pid, again.updatedAt, again.disableApiTermination], [7, "2026-02-02T00:00:00.000Z", false]);

      // Required fields cannot be cleared: the type refuses null, and so does the schema if the type is bypassed.
      // @ts-expect-error -- state is required
      assert.throws(() => store.instances.update(full.id, { state: null }), /NOT NULL/);
      assert.equal(store.instances.update(full.id, {}), true);
      assert.equal(store.instances.get(full.id)?.updatedAt, "2026-02-02T00:00:00.000Z", "an empty patch writes nothing");
      assert.equal(store.instances.update("i-missing", { state: "running" }), false);
      assert.equal(store.instances.get("i-missing"), undefined);
    }));

  test("insertLaunch writes instances, root volumes and tags together", () =>
    withStore((store) => {
      const a = instance(1, { rootVolumeId: `vol-${hex17(1)}`, clientToken: "tok" });
      const b = instance(2, { amiLaunchIndex: 1, reservationId: a.reservationId, clientToken: "tok" });
      store.instances.insertLaunch({
        instances: [a, b],
        volumes: [volume(1, { instanceId: a.id, state: "in-use" })],
        tags: [tag(a.id, "Name", "web"), tag(`vol-${hex17(1)}`, "Name", "web-root", "volume")],
      });
      assert.deepEqual(ids(store.instances.list()), [a.id, b.id]);
      assert.deepEqual(ids(store.volumes.forInstance(a.id)), [`vol-${hex17(1)}`]);
      assert.deepEqual(store.tags.forResource(a.id), [tag(a.id, "Name", "web")]);
      assert.equal(store.tags.list().length, 2);
    }));

  test("insertLaunch that fails midway leaves nothing written", () =>
    withStore((store) => {
      const existing = instance(9);
      store.instances.insertLaunch({ instances: [existing], volumes: [volume(9)], tags: [tag(existing.id, "k", "v")] });
      const snapshot = () => [store.instances.list(), store.volumes.list(), store.tags.list()];
      const before = snapshot();

      // A duplicate instance id in the middle of the batch.
      assert.throws(
        () =>
          store.instances.insertLaunch({
            instances: [instance(1), instance(2), instance(1), instance(3)],
            volumes: [volume(1)],
            tags: [tag(`i-${hex17(1)}`, "Name", "x")],
          }),
        /UNIQUE|PRIMARY KEY/,
      );
      assert.deepEqual(snapshot(), before);

      // Instances written, then a volume id that already exists.
      assert.throws(
        () =>
          store.instances.insertLaunch({
            instances: [instance(1), instance(2)],
            volumes: [volume(1), volume(9)],
            tags: [tag(`i-${hex17(1)}`, "Name", "x")],
          }),
        /UNIQUE|PRIMARY KEY/,
      );
      assert.deepEqual(snapshot(), before);

      // Everything written but a tag that violates NOT NULL at the end.
      assert.throws(() =>
        store.instances.insertLaunch({
          instances: [instance(1)],
          volumes: [volume(1)],
          tags: [tag(`i-${hex17(1)}`, "a", "1"), { ...tag(`i-${hex17(1)}`, "b", "2"), value: null as unknown as string }],
        }),
      );
      assert.deepEqual(snapshot(), before);
      assert.equal(store.instances.count(), 1);
    }));

  test("listByIds keeps the asked order, leaves out unknown ids and collapses repeats", () =>
    withStore((store) => {
      store.instances.insertLaunch({ instances: [1, 2, 3, 4].map((n) => instance(n)), volumes: [], tags: [] });
      const id = (n: number) => `i-${hex17(n)}`;
      assert.deepEqual(ids(store.instances.listByIds([id(3), id(1), "i-unknown", id(4), id(3)])), [id(3), id(1), id(4)]);
      assert.deepEqual(store.instances.listByIds([]), []);
      assert.deepEqual(store.instances.listByIds(["i-unknown"]), []);
      assert.deepEqual(store.instances.listByIds([id(2)]), [instance(2)]);
    }));

  test("byClientToken, inStates, count and paged list", () =>
    withStore((store) => {
      store.instances.insertLaunch({
        instances: [
          instance(5, { clientToken: "t1", amiLaunchIndex: 1, state: "running" }),
          instance(4, { clientToken: "t1", amiLaunchIndex: 0, state: "stopped" }),
          instance(3, { clientToken: "t2", state: "terminated", terminatedAt: T0 }),
          instance(2, { state: "running" }),
          instance(1),
        ],
        volumes: [],
        tags: [],
      });
      const id = (n: number) => `i-${hex17(n)}`;
      assert.deepEqual(ids(store.instances.byClientToken("t1")), [id(4), id(5)]);
      assert.deepEqual(ids(store.instances.byClientToken("t2")), [id(3)]);
      assert.deepEqual(store.instances.byClientToken("none"), []);

      assert.deepEqual(ids(store.instances.inStates(["running", "stopped"])), [id(2), id(4), id(5)]);
      assert.deepEqual(ids(store.instances.inStates(["pending"])), [id(1)]);
      assert.deepEqual(store.instances.inStates(["shutting-down"]), []);
      assert.deepEqual(store.instances.inStates([]), []);

      assert.equal(store.instances.count(), 5);
      assert.deepEqual(ids(store.instances.list()), [1, 2, 3, 4, 5].map(id));
      assert.deepEqual(ids(store.instances.list({ limit: 2 })), [id(1), id(2)]);
      assert.deepEqual(ids(store.instances.list({ afterId: id(2), limit: 2 })), [id(3), id(4)]);
      assert.deepEqual(ids(store.instances.list({ afterId: id(4) })), [id(5)]);
      assert.deepEqual(store.instances.list({ afterId: id(5) }), []);
    }));

  test("listReservations answers one page of whole reservations after a reservation id", () =>
    withStore((store) => {
      const id = (n: number) => `i-${hex17(n)}`;
      const r = (n: number) => `r-${hex17(n)}`;
      // Reservation 2 holds instances 5 and 3, reservation 1 holds 4, reservation 3 holds 1 and 2: ids and reservations disagree on order.
      store.instances.insertLaunch({
        instances: [instance(5, { reservationId: r(2) }), instance(3, { reservationId: r(2) }), instance(4, { reservationId: r(1) }), instance(2, { reservationId: r(3) }), instance(1, { reservationId: r(3) })],
        volumes: [],
        tags: [],
      });
      assert.deepEqual(ids(store.instances.listReservations()), [id(4), id(3), id(5), id(1), id(2)]);
      assert.deepEqual(ids(store.instances.listReservations({ limit: 1 })), [id(4)]);
      assert.deepEqual(ids(store.instances.listReservations({ limit: 2 })), [id(4), id(3), id(5)]);
      assert.deepEqual(ids(store.instances.listReservations({ afterId: r(1), limit: 1 })), [id(3), id(5)]);
      assert.deepEqual(ids(store.instances.listReservations({ afterId: r(2) })), [id(1), id(2)]);
      assert.deepEqual(store.instances.listReservations({ afterId: r(3), limit: 5 }), []);
      assert.deepEqual(store.instances.listReservations({ limit: 0 }), []);
      assert.deepEqual(store.instances.listReservations({ afterId: r(1), limit: 1 })[0], instance(3, { reservationId: r(2) }));
    }));

  test("volumes getMany finds volumes by id in any state, leaving out unknown ids", () =>
    withStore((store) => {
      for (const n of [1, 2, 3]) store.volumes.insert(volume(n, n === 2 ? { state: "deleted" } : {}));
      const found = store.volumes.getMany([`vol-${hex17(3)}`, "vol-unknown", `vol-${hex17(2)}`, `vol-${hex17(3)}`]);
      assert.deepEqual([...found.keys()].sort(), [`vol-${hex17(2)}`, `vol-${hex17(3)}`]);
      assert.deepEqual(found.get(`vol-${hex17(2)}`), volume(2, { state: "deleted" }));
      assert.equal(store.volumes.getMany([]).size, 0);
      const many = Array.from({ length: 5000 }, (_, i) => `vol-${hex17(i)}`);
      assert.equal(store.volumes.getMany(many).size, 3);
    }));

  test("purgeTerminated removes old terminated rows and their tags, nothing else", () =>
    withStore((store) => {
      const old = instance(1, { state: "terminated", terminatedAt: "2026-01-01T00:00:00.000Z" });
      const recent = instance(2, { state: "terminated", terminatedAt: "2026-01-01T01:00:00.000Z" });
      const undated = instance(3, { state: "terminated" });
      const running = instance(4, { state: "running", terminatedAt: "2025-01-01T00:00:00.000Z" });
      const all = [old, recent, undated, running];
      store.instances.insertLaunch({
        instances: all,
        volumes: [volume(1, { instanceId: old.id })],
        tags: [...all.map((i) => tag(i.id, "Name", i.id)), tag(old.id, "env", "dev"), tag(`vol-${hex17(1)}`, "Name", "v", "volume")],
      });
      assert.equal(store.instances.purgeTerminated("2026-01-01T00:30:00.000Z"), 1);
      assert.deepEqual(ids(store.instances.list()), [recent.id, undated.id, running.id]);
      assert.deepEqual(store.tags.forResource(old.id), []);
      assert.equal(store.tags.list().length, 4, "the other instances' tags and the volume's tag stay");
      assert.equal(store.volumes.get(`vol-${hex17(1)}`)?.instanceId, old.id, "volumes are not the purge's business");
      assert.equal(store.instances.purgeTerminated("2026-01-01T00:30:00.000Z"), 0);
      assert.equal(store.instances.purgeTerminated("2027-01-01T00:00:00.000Z"), 1);
      assert.deepEqual(ids(store.instances.list()), [undated.id, running.id]);
    }));

  test("tags: put inserts or replaces, delete by key or by key and value, forResources groups", () =>
    withStore((store) => {
      const [a, b, c] = ["i-a", "i-b", "vol-c"];
      store.tags.put([tag(a, "Name", "web"), tag(a, "env", "dev"), tag(b, "Name", "db"), tag(c, "Name", "disk", "volume")]);
      store.tags.put([tag(a, "env", "prod"), tag(a, "empty", "")]);
      assert.deepEqual(store.tags.forResource(a), [tag(a, "Name", "web"), tag(a, "empty", ""), tag(a, "env", "prod")]);
      assert.deepEqual(store.tags.forResource("i-none"), []);

      const grouped = store.tags.forResources([c, "i-none", a]);
      assert.deepEqual([...grouped.keys()].sort(), [a, "i-none", c].sort());
      assert.deepEqual(grouped.get(c), [tag(c, "Name", "disk", "volume")]);
      assert.deepEqual(grouped.get("i-none"), []);
      assert.equal(grouped.get(a)?.length, 3);
      assert.equal(store.tags.forResources([]).size, 0);

      store.tags.delete([
        { resourceId: a, key: "env", value: "dev" }, // value does not match: kept
        { resourceId: a, key: "Name" }, // any value
        { resourceId: b, key: "Name", value: "db" },
        { resourceId: a, key: "missing" },
      ]);
      assert.deepEqual(store.tags.forResource(a), [tag(a, "empty", ""), tag(a, "env", "prod")]);
      store.tags.delete([{ resourceId: a, key: "empty", value: "" }]);
      assert.deepEqual(store.tags.list(), [tag(a, "env", "prod"), tag(c, "Name", "disk", "volume")]);
    }));

  test("forResources answers for thousands of ids in one statement", () =>
    withStore((store) => {
      const many = Array.from({ length: 40_000 }, (_, n) => `i-${hex17(n)}`);
      store.tags.put(many.filter((_, n) => n % 3 === 0).map((id) => tag(id, "n", id)));
      // 40,000 ids is past SQLite's default bound-variable limit of 32,766, so an IN (?, ?, ...) list would fail.
      const grouped = store.tags.forResources(many);
      assert.equal(grouped.size, many.length);
      assert.equal([...grouped.values()].filter((t) => t.length === 1).length, Math.ceil(many.length / 3));
      assert.deepEqual(grouped.get(many[3]), [tag(many[3], "n", many[3])]);
    }));

  test("writes through the repositories inside store.transaction roll back together", () =>
    withStore((store) => {
      assert.throws(() =>
        store.transaction(() => {
          store.images.insert(image(1));
          store.volumes.insert(volume(1));
          store.tags.put([tag("vol-x", "k", "v")]);
          store.instances.insertLaunch({ instances: [instance(1)], volumes: [], tags: [] });
          throw new Error("boom");
        }),
      );
      assert.deepEqual([store.images.list(), store.volumes.list(), store.tags.list(), store.instances.count()], [[], [], [], 0]);
    }));

  test("migration 2 applies to a database at version 1 and keeps its settings", async () => {
    const path = tempDb();
    const v1 = await openStore(path, { migrations: migrations.slice(0, 1) });
    assert.equal(v1.schemaVersion(), 1);
    v1.setSetting("region", "eu-west-1");
    v1.recordBoot("node-a", "node 20");
    v1.close();

    const store = await openStore(path);
    try {
      assert.deepEqual(store.migration, { from: 1, to: migrations.length, applied: migrations.slice(1).map((m) => m.version) });
      assert.equal(store.getSetting("region"), "eu-west-1");
      assert.equal(store.recordBoot("node-a", "node 20").bootCount, 2);
      store.instances.insertLaunch({ instances: [instance(1)], volumes: [volume(1)], tags: [tag(`i-${hex17(1)}`, "k", "v")] });
      store.images.insert(image(1));
      assert.equal(store.instances.count(), 1);
      assert.equal(store.images.list().length, 1);
    } finally {
      store.close();
    }
  });

  const keyPair = (n: number, over: Partial<KeyPairRecord> = {}): KeyPairRecord => ({
    id: `key-${hex17(n)}`,
    name: `key-name-${n}`,
    type: "ed25519",
    fingerprint: `fp-${n}`,
    publicKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${n}`,
    createdAt: T0,
    ...over,
  });

  test("key pairs round-trip, are found by id and name, list by name, and take their tags along", () =>
    withStore((store) => {
      const a = keyPair(1, { name: "zeta", type: "rsa", fingerprint: "1f:2e" });
      const b = keyPair(2, { name: "alpha" });
      store.keyPairs.insert(a, [tag(a.id, "Name", "z", "key-pair"), tag(a.id, "env", "dev", "key-pair")]);
      store.keyPairs.insert(b);
      assert.deepEqual(store.keyPairs.get(a.id), a);
      assert.deepEqual(store.keyPairs.byName("alpha"), b);
      assert.equal(store.keyPairs.byName("Alpha"), undefined, "names are case-sensitive");
      assert.equal(store.keyPairs.get("key-missing"), undefined);
      assert.deepEqual(ids(store.keyPairs.list()), [b.id, a.id]);
      assert.equal(store.tags.forResource(a.id).length, 2);

      assert.equal(store.keyPairs.delete(a.id), true);
      assert.equal(store.keyPairs.get(a.id), undefined);
      assert.deepEqual(store.tags.forResource(a.id), []);
      assert.equal(store.keyPairs.delete(a.id), false);
      assert.deepEqual(ids(store.keyPairs.list()), [b.id]);
    }));

  test("a key pair name is unique, and a refused insert writes none of its tags", () =>
    withStore((store) => {
      store.keyPairs.insert(keyPair(1, { name: "me" }));
      assert.throws(() => store.keyPairs.insert(keyPair(2, { name: "me" }), [tag(`key-${hex17(2)}`, "k", "v", "key-pair")]), /UNIQUE/);
      assert.deepEqual(store.tags.list(), []);
      // @ts-expect-error -- only rsa and ed25519 exist
      assert.throws(() => store.keyPairs.insert(keyPair(3, { type: "dsa" })), /CHECK/);
      assert.deepEqual(ids(store.keyPairs.list()), [`key-${hex17(1)}`]);
    }));

  test("launch templates keep their versions apart, number them, and take versions and tags along when deleted", () =>
    withStore((store) => {
      const t = { id: `lt-${hex17(1)}`, name: "web", defaultVersion: 1, lastVersion: 1, createdAt: T0, createdBy: "arn:aws:iam::000000000000:root", clientToken: "tok" };
      const v = (n: number) => ({ templateId: t.id, version: n, data: `{"InstanceType":"t3.${n}"}`, createdAt: T0, createdBy: t.createdBy });
      store.launchTemplates.insert(t, { ...v(1), description: "first" }, [tag(t.id, "team", "a", "launch-template")]);
      assert.deepEqual(store.launchTemplates.get(t.id), t);
      assert.deepEqual(store.launchTemplates.byName("web"), t);
      assert.deepEqual(store.launchTemplates.byClientToken("tok"), t);
      assert.throws(() => store.launchTemplates.insert({ ...t, id: `lt-${hex17(2)}` }, { ...v(1), templateId: `lt-${hex17(2)}` }), /UNIQUE/);
      store.launchTemplates.addVersion({ ...v(2), clientToken: "v2" });
      store.launchTemplates.addVersion(v(3));
      assert.equal(store.launchTemplates.get(t.id)?.lastVersion, 3);
      assert.equal(store.launchTemplates.versionByClientToken(t.id, "v2")?.version, 2);
      assert.deepEqual(store.launchTemplates.deleteVersions(t.id, [3, 9]), [3]);
      assert.equal(store.launchTemplates.latestVersion(t.id), 2);
      assert.equal(store.launchTemplates.get(t.id)?.lastVersion, 3, "a deleted number is not given again");
      assert.equal(store.launchTemplates.version(t.id, 1)?.description, "first");
      assert.equal(store.launchTemplates.update(t.id, { defaultVersion: 2 }), true);
      assert.equal(store.launchTemplates.get(t.id)?.defaultVersion, 2);
      assert.equal(store.launchTemplates.delete(t.id), true);
      assert.deepEqual([store.launchTemplates.list(), store.launchTemplates.versions(), store.tags.forResource(t.id)], [[], [], []]);
      assert.equal(store.launchTemplates.latestVersion(t.id), 0);
      assert.equal(store.launchTemplates.delete(t.id), false);
    }));

  test("migration 3 applies to a database at version 2 and keeps its rows", async () => {
    const path = tempDb();
    const v2 = await openStore(path, { migrations: migrations.slice(0, 2) });
    // Tags keep the shape version 2 gave them (later migrations add columns to images, which the repo now writes).
    v2.tags.put([{ resourceId: "ami-12345678", resourceType: "image", key: "Name", value: "kept" }]);
    v2.close();

    const store = await openStore(path);
    try {
      assert.deepEqual(store.migration.applied.slice(0, 1), [3]);
      assert.deepEqual(store.tags.forResource("ami-12345678").map((t) => t.value), ["kept"]);
      store.keyPairs.insert(keyPair(1));
      assert.equal(store.keyPairs.list().length, 1);
    } finally {
      store.close();
    }
  });

  test("a file stays in use while an image, a snapshot or a volume overlaying either still needs it", async () => {
    const store = await openStore(tempDb());
    try {
      const snap = (n: number, over: Partial<SnapshotRecord> = {}): SnapshotRecord => ({
        id: `snap-${hex17(n)}`, volumeId: "vol-ffffffff", volumeSizeGiB: 8, state: "completed", progress: 100, description: "",
        file: `snapshots/snap-${hex17(n)}.qcow2`, node: "node-a", ownerId: "123456789012", createdAt: T0, ...over,
      });
      store.images.insert(image(1, { file: "images/one.qcow2" }));
      store.snapshots.insert(snap(1, { file: "images/one.qcow2" }), [tag(`snap-${hex17(1)}`, "Name", "root", "snapshot")]);
      store.images.setSnapshot(`ami-${hex17(1)}`, `snap-${hex17(1)}`);
      store.snapshots.insert(snap(2));
      store.volumes.insert(volume(7, { snapshotId: `snap-${hex17(2)}` }));
      assert.deepEqual(store.images.usingSnapshot(`snap-${hex17(1)}`), [`ami-${hex17(1)}`]);
      assert.ok(store.snapshots.fileInUse("images/one.qcow2"));
      store.images.setState(`ami-${hex17(1)}`, "deregistered");
      assert.deepEqual(store.images.usingSnapshot(`snap-${hex17(1)}`), []);
      assert.ok(store.snapshots.fileInUse("images/one.qcow2"), "the snapshot outlives the image");
      store.snapshots.update(`snap-${hex17(1)}`, { state: "deleted" });
      assert.equal(store.snapshots.fileInUse("images/one.qcow2"), false);
      store.snapshots.forget(`snap-${hex17(1)}`);
      assert.equal(store.snapshots.get(`snap-${hex17(1)}`), undefined);
      assert.deepEqual(store.tags.forResource(`snap-${hex17(1)}`), []);

      // A deleted snapshot's file stays while a volume made from it lives.
      store.snapshots.update(`snap-${hex17(2)}`, { state: "deleted" });
      assert.ok(store.snapshots.fileInUse(`snapshots/snap-${hex17(2)}.qcow2`));
      assert.deepEqual(ids(store.snapshots.list()), []);
      store.volumes.update(`vol-${hex17(7)}`, { state: "deleted" });
      assert.equal(store.snapshots.fileInUse(`snapshots/snap-${hex17(2)}.qcow2`), false);
    } finally {
      store.close();
    }
  });

  test("volumes keep their attachment, provisioned figures and client token; modifications keep one row per volume", async () => {
    const store = await openStore(tempDb());
    try {
      store.volumes.insert(volumeFull(3));
      assert.deepEqual(store.volumes.get(`vol-${hex17(3)}`), volumeFull(3));
      assert.equal(store.volumes.byClientToken("token-1")?.id, `vol-${hex17(3)}`);
      assert.throws(() => store.volumes.insert({ ...volumeFull(4) }), /UNIQUE/);
      const mod = {
        volumeId: `vol-${hex17(3)}`, state: "modifying" as const, progress: 0, originalSizeGiB: 8, originalType: "gp3",
        targetSizeGiB: 16, targetType: "gp3", startTime: T0,
      };
      store.snapshots.modifications.put(mod);
      store.snapshots.modifications.put({ ...mod, targetSizeGiB: 20 });
      assert.deepEqual(store.snapshots.modifications.list().map((m) => m.targetSizeGiB), [20]);
      store.snapshots.modifications.update(mod.volumeId, { state: "completed", progress: 100, endTime: T0 });
      assert.equal(store.snapshots.modifications.get(mod.volumeId)?.state, "completed");
    } finally {
      store.close();
    }
  });

  test("parameters: versions with their labels, the latest by prefix, tags; public names count their re-pointings", async () => {
    const store = await openStore(tempDb());
    try {
      const v = (name: string, version: number, value: string) => ({
        name, version, type: "SecureString" as const, value, keyId: "alias/aws/ssm", description: "ünïcode ✓", allowedPattern: "^.+$",
        dataType: "text", tier: "Advanced" as const, modifiedAt: T0, modifiedBy: "arn:aws:iam::123456789012:user/admin",
      });
      store.parameters.putVersion(v("/app/a", 1, "one"), [{ key: "team", value: "ops" }]);
      store.parameters.putVersion(v("/app/a", 2, "two"));
      store.parameters.putVersion({ ...v("/app/b/c", 1, "x"), type: "String", keyId: undefined, description: undefined, allowedPattern: undefined, tier: "Standard" });
      store.parameters.putVersion({ ...v("/apple", 1, "y"), type: "StringList" });
      store.parameters.setLabel("/app/a", "prod", 1);
      store.parameters.setLabel("/app/a", "old", 1);
      assert.deepEqual(store.parameters.latest("/app/a"), { ...v("/app/a", 2, "two"), labels: [] });
      assert.deepEqual(store.parameters.labelled("/app/a", "prod"), { ...v("/app/a", 1, "one"), labels: ["old", "prod"] });
      assert.deepEqual(store.parameters.latestUnder("/app/").map((p) => p.name), ["/app/a", "/app/b/c"]);
      assert.deepEqual(store.parameters.latestUnder("").map((p) => p.name), ["/app/a", "/app/b/c", "/apple"]);
      assert.equal(store.parameters.latest("/app/b/c")?.keyId, undefined);
      store.parameters.setLabel("/app/a", "prod", 2);
      assert.deepEqual(store.parameters.history("/app/a").map((p) => [p.version, p.labels]), [[1, ["old"]], [2, ["prod"]]]);
      assert.equal(store.parameters.removeLabel("/app/a", "prod", 1), false);
      store.parameters.deleteVersion("/app/a", 1);
      assert.equal(store.parameters.labelled("/app/a", "old"), undefined);
      store.parameters.putTags("/app/a", [{ key: "team", value: "edge" }, { key: "env", value: "dev" }]);
      store.parameters.deleteTags("/app/a", ["env"]);
      assert.deepEqual(store.parameters.tags("/app/a"), [{ key: "team", value: "edge" }]);
      assert.equal(store.parameters.delete("/app/a"), true);
      assert.equal(store.parameters.delete("/app/a"), false);
      assert.deepEqual(store.parameters.tags("/app/a"), []);
      assert.deepEqual(store.parameters.history("/app/a"), []);

      store.images.insert(image(5));
      store.images.insert(image(6, { name: "other" }));
      const name = "/aws/service/hive/alpine/latest";
      assert.equal(store.publicParameters.publish(name, `ami-${hex17(5)}`, T0).version, 1);
      assert.equal(store.publicParameters.publish(name, `ami-${hex17(5)}`, T0).version, 1);
      assert.equal(store.publicParameters.publish(name, `ami-${hex17(6)}`, T0).version, 2);
      assert.deepEqual(store.publicParameters.under("/aws/service/hive/"), [{ name, imageId: `ami-${hex17(6)}`, version: 2, modifiedAt: T0 }]);
      assert.deepEqual(store.publicParameters.removeImage(`ami-${hex17(6)}`), [name]);
      assert.equal(store.publicParameters.get(name), undefined);
      assert.equal(store.publicParameters.unpublish(name), false);
    } finally {
      store.close();
    }
  });
};
