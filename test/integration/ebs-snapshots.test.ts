// EBS snapshots, volume growth and storage accounting with real parts: qemu-storage-daemon, qemu-img/qemu-io over
// NBD, nats-server and a SQLite store; a small tmpfs for the capacity refusal.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import { connectBus, type Bus } from "../../src/bus/index.ts";
import { GiB, snapshotRelPath, startBlockService, volumeInfo, type BlockService, type VolumeFile } from "../../src/ebs/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { runtimeDir } from "../../src/runtime/index.ts";
import { openStore, type Store, type VolumeRecord } from "../../src/store/index.ts";
import { pidAlive, startTestNats, tempDir, type TestNats } from "./nats-harness.ts";
import { expectPattern, nbd, qemuIo } from "./qemu-io.ts";

const run = promisify(execFile);
const NODE = "node-snap";
const MiB = 1024 * 1024;

const qcow2 = (path: string): string[] => ["-f", "qcow2", "-r", "-U", path];

async function nbdSize(uri: string): Promise<number> {
  const { stdout } = await run("qemu-img", ["info", "--output=json", "-f", "raw", uri]);
  return Number((JSON.parse(stdout) as { "virtual-size": number })["virtual-size"]);
}

const expectHiveError = (kind: string, resource?: string) => (err: unknown) => {
  assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  if (resource) assert.equal(err.resource, resource);
  return true;
};

describe("ebs snapshots, growth and accounting", () => {
  let t: TestNats;
  let dir: { path: string; remove: () => void };
  let store: Store;
  let bus: Bus;
  let svc: BlockService;
  const pids = new Set<number>();
  const services: BlockService[] = [];
  let tmpfs: string | undefined;
  let n = 0;
  /** The copied snapshot volumes are made from (kept by the sweep). */
  let copiedId = "";
  const snapId = (): string => `snap-${(++n).toString(16).padStart(17, "0")}`;

  const start = async (dataDir: string): Promise<BlockService> => {
    const s = await startBlockService({ bus, node: NODE, dataDir, store, log: () => undefined });
    if (s.daemon.pid !== undefined) pids.add(s.daemon.pid);
    services.push(s);
    return s;
  };
  /** A volume the store knows, created through the service. */
  const volume = async (sizeGiB: number, backingFile?: string): Promise<VolumeFile> => {
    const v = await svc.createVolume({ sizeGiB, backingFile });
    const row: VolumeRecord = {
      id: v.id, sizeGiB: v.sizeGiB, volumeType: "gp3", state: "available", az: "us-east-1a", node: NODE, file: v.file,
      createdAt: new Date().toISOString(), deleteOnTermination: false,
    };
    store.volumes.insert(row);
    return v;
  };

  before(async () => {
    t = await startTestNats();
    dir = tempDir("snap");
    store = await openStore(join(dir.path, "hive.db"));
    bus = await connectBus({ servers: t.nats.clientUrl, user: t.opts.user, pass: t.opts.password, name: "snap-test" });
    svc = await start(dir.path);
  });

  after(async () => {
    for (const s of services) await s.shutdown().catch(() => undefined);
    for (const pid of pids) if (pidAlive(pid)) process.kill(pid, "SIGKILL");
    if (tmpfs) {
      await run("umount", ["-l", tmpfs]).catch(() => undefined);
      // The small filesystem is a data directory of its own, with its own runtime directory.
      rmSync(runtimeDir(tmpfs), { recursive: true, force: true });
    }
    await bus?.close();
    store?.close();
    await t?.close();
    dir?.remove();
  });

  test("a snapshot of an exported volume holds what it held at the call, while a client goes on writing", async () => {
    const v = await volume(1);
    const { uri } = await svc.mount(v.id);
    await qemuIo([...nbd(uri), "-c", "write -P 0xa1 0 4M", "-c", "write -P 0xa2 512M 1M"]);
    const id = snapId();
    const job = await svc.snapshotVolume(v.id, id);
    assert.equal(job.file, snapshotRelPath(id));
    assert.ok(job.progress() >= 0 && job.progress() < 100);
    // Written after the call: not in the snapshot.
    await qemuIo([...nbd(uri), "-c", "write -P 0xb1 0 4M", "-c", "write -P 0xb2 512M 1M"]);
    const result = await job.done;
    assert.equal(job.progress(), 100);
    const path = join(dir.path, job.file);
    assert.equal(existsSync(`${path}.creating`), false);
    assert.equal(result.sizeBytes, GiB);
    assert.equal(result.allocatedBytes, statSync(path).blocks * 512);
    const info = await volumeInfo(path);
    assert.equal(info.backingFile, undefined);
    await expectPattern(qcow2(path), 0xa1, "0", "4M");
    await expectPattern(qcow2(path), 0xa2, "512M", "1M");
    await expectPattern(qcow2(path), 0, "4M", "4M");
    await expectPattern(nbd(uri), 0xb1, "0", "4M");
    await svc.unmount(v.id);
  });

  test("a snapshot of a volume no guest uses is copied before the call resolves, and leaves the volume closed", async () => {
    const v = await volume(1);
    await qemuIo(["-f", "qcow2", v.path, "-c", "write -P 0xc1 1M 2M"]);
    const job = await svc.snapshotVolume(v.id, snapId());
    assert.equal(job.progress(), 99);
    const result = await job.done;
    assert.equal(job.progress(), 100);
    assert.equal(result.sizeBytes, GiB);
    await expectPattern(qcow2(join(dir.path, job.file)), 0xc1, "1M", "2M");
    // Nothing holds the file now: qemu-io may open it for writing, and a guest may attach it.
    await qemuIo(["-f", "qcow2", v.path, "-c", "write -P 0xc3 0 64k"]);
    const { uri } = await svc.mount(v.id);
    await expectPattern(nbd(uri), 0xc3, "0", "64k");
    await svc.unmount(v.id);
    await expectPattern(qcow2(join(dir.path, job.file)), 0, "0", "64k");
  });

  test("an interrupted snapshot leaves no file", async () => {
    const v = await volume(1);
    const ac = new AbortController();
    ac.abort();
    // Exported: the backup job is cancelled after it started.
    const { uri } = await svc.mount(v.id);
    const live = snapId();
    const job = await svc.snapshotVolume(v.id, live, { signal: ac.signal });
    await assert.rejects(job.done);
    assert.ok(job.progress() < 100);
    await qemuIo([...nbd(uri), "-c", "write -P 0x11 0 64k"]);
    await svc.unmount(v.id);
    // Not exported: qemu-img is stopped, and the call itself fails.
    const offline = snapId();
    await assert.rejects(svc.snapshotVolume(v.id, offline, { signal: ac.signal }));
    for (const id of [live, offline]) {
      const path = join(dir.path, snapshotRelPath(id));
      assert.equal(existsSync(path), false);
      assert.equal(existsSync(`${path}.creating`), false);
    }
    await assert.rejects(svc.snapshotVolume(v.id, "snap-xyz"), expectHiveError("InvalidParameter", "snapshot"));
  });

  test("a copied snapshot is independent; a volume from a snapshot is a small overlay reading its data", async () => {
    const v = await volume(1);
    await qemuIo(["-f", "qcow2", v.path, "-c", "write -P 0xd1 0 8M"]);
    const src = await svc.snapshotVolume(v.id, snapId());
    await src.done;
    const copyId = snapId();
    copiedId = copyId;
    const copy = await svc.copySnapshot(src.file, copyId);
    const copied = await copy.done;
    assert.equal(copy.progress(), 100);
    assert.equal(copied.sizeBytes, GiB);
    assert.equal(svc.deleteSnapshotFile(snapshotIdOf(src.file)), true);
    assert.equal(existsSync(join(dir.path, src.file)), false);
    svc.deleteSnapshotFile(snapshotIdOf(src.file)); // missing is fine
    const copyPath = join(dir.path, copy.file);
    await expectPattern(qcow2(copyPath), 0xd1, "0", "8M");

    const fromSnap = await volume(1, copyPath);
    const info = await volumeInfo(fromSnap.path);
    assert.equal(info.backingFile, `../snapshots/${copyId}.qcow2`);
    assert.equal(info.virtualSizeBytes, GiB);
    assert.ok(svc.allocatedBytes(fromSnap.file) < MiB, `overlay takes ${svc.allocatedBytes(fromSnap.file)} bytes`);
    const { uri } = await svc.mount(fromSnap.id);
    await expectPattern(nbd(uri), 0xd1, "0", "8M");
    await qemuIo([...nbd(uri), "-c", "write -P 0xd2 0 1M"]);
    await svc.unmount(v.id);
    await svc.unmount(fromSnap.id);
    await expectPattern(qcow2(copyPath), 0xd1, "0", "1M");

    // A bigger size wins over the snapshot's; a snapshot a volume reads through is not deleted.
    const bigger = await volume(2, copyPath);
    assert.equal((await volumeInfo(bigger.path)).virtualSizeBytes, 2 * GiB);
    assert.equal(svc.deleteSnapshotFile(copyId), false);
    assert.ok(existsSync(copyPath));
  });

  test("grows a volume while exported (a new NBD connection sees it) and while not; never shrinks", async () => {
    const v = await volume(1);
    const { uri } = await svc.mount(v.id);
    await qemuIo([...nbd(uri), "-c", "write -P 0xe1 0 1M"]);
    await svc.resizeVolume(v.id, 2);
    assert.equal(await nbdSize(uri), 2 * GiB);
    await qemuIo([...nbd(uri), "-c", "write -P 0xe2 1536M 1M"]);
    await expectPattern(nbd(uri), 0xe1, "0", "1M");
    await assert.rejects(svc.resizeVolume(v.id, 1), expectHiveError("InvalidParameter", "volume"));
    await svc.unmount(v.id);
    assert.equal((await volumeInfo(v.path)).virtualSizeBytes, 2 * GiB);

    await svc.resizeVolume(v.id, 3);
    assert.equal((await volumeInfo(v.path)).virtualSizeBytes, 3 * GiB);
    await svc.resizeVolume(v.id, 3);
    await assert.rejects(svc.resizeVolume(v.id, 2), expectHiveError("InvalidParameter", "volume"));
    await expectPattern(qcow2(v.path), 0xe2, "1536M", "1M");
  });

  test("usage counts what the folders hold, by real allocation", async () => {
    const u = svc.usage();
    for (const [group, folder] of [["volumes", "volumes"], ["snapshots", "snapshots"]] as const) {
      const names = readdirSync(join(dir.path, folder)).filter((f) => f.endsWith(".qcow2"));
      assert.equal(u[group].count, names.length);
      const sum = names.reduce((s, f) => s + svc.allocatedBytes(join(folder, f)), 0);
      assert.equal(u[group].allocatedBytes, sum);
      // Thin: far less than the virtual sizes.
      assert.ok(sum < names.length * GiB);
    }
    assert.equal(u.images.count, 0);
    assert.ok(u.filesystem.totalBytes > 0 && u.filesystem.freeBytes <= u.filesystem.totalBytes);
    assert.equal(svc.allocatedBytes("volumes/nothing.qcow2"), 0);
  });

  test("refuses what the filesystem cannot hold with InsufficientVolumeCapacity", async () => {
    tmpfs = join(dir.path, "small");
    mkdirSync(tmpfs);
    await run("mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", tmpfs]);
    const small = await start(tmpfs);
    const fs = small.usage().filesystem;
    assert.equal(fs.totalBytes, 64 * MiB);
    // A 1 GiB thin volume could never be filled here.
    let caught: unknown;
    await small.createVolume({ sizeGiB: 1 }).catch((err: unknown) => (caught = err));
    expectHiveError("CapacityExhausted", "volume")(caught);
    const aws = awsErrorFromDomain(caught as HiveError);
    assert.equal(aws.code, "InsufficientVolumeCapacity");
    assert.equal(aws.status, 500);
    assert.throws(() => small.assertRoom(fs.freeBytes, "snapshot"), (err: unknown) => {
      expectHiveError("CapacityExhausted", "snapshot")(err);
      return awsErrorFromDomain(err as HiveError).code === "InsufficientVolumeCapacity";
    });
    // Within the headroom (5% of 64 MiB): fine.
    small.assertRoom(16 * MiB);
    assert.equal(readdirSync(tmpfs).some((f) => f === "volumes") ? readdirSync(join(tmpfs, "volumes")).length : 0, 0);
    await small.shutdown();
  });

  test("the sweep removes files in the making and orphans, never a file another reads through", async () => {
    const keep = await volume(1);
    const baseId = snapId();
    const base = await svc.snapshotVolume(keep.id, baseId);
    await base.done;
    const overlay = await volume(1, join(dir.path, base.file)); // known volume over an unknown snapshot
    const lone = await svc.snapshotVolume(keep.id, snapId());
    await lone.done;
    const orphanVol = await svc.createVolume({ sizeGiB: 1 }); // never in the store
    writeFileSync(join(dir.path, "volumes", "vol-00000000000000abc.qcow2.creating"), "half");
    writeFileSync(join(dir.path, "snapshots", "snap-00000000000000abc.qcow2.creating"), "half");
    writeFileSync(join(dir.path, "snapshots", "notes.txt"), "not ours");

    const known = {
      volumes: new Set(store.volumes.list().map((r) => r.id)),
      snapshots: new Set<string>(), // the store knows no snapshot at all
    };
    // Kept: the snapshot under `overlay`, and the copy the earlier test's volumes read through.
    const readThrough = [`${baseId}.qcow2`, `${copiedId}.qcow2`];
    const snapFiles = readdirSync(join(dir.path, "snapshots")).filter((f) => f.endsWith(".qcow2") && !readThrough.includes(f));
    assert.ok(snapFiles.includes(`${snapshotIdOf(lone.file)}.qcow2`));
    const removed = svc.sweepLeftovers(known);
    const expected = [
      ...snapFiles.map((f) => join("snapshots", f)),
      join("snapshots", "snap-00000000000000abc.qcow2.creating"),
      orphanVol.file,
      join("volumes", "vol-00000000000000abc.qcow2.creating"),
    ].sort();
    assert.deepEqual(removed, expected);
    for (const f of readThrough) assert.ok(existsSync(join(dir.path, "snapshots", f)), f);
    assert.ok(existsSync(join(dir.path, "snapshots", "notes.txt")));
    assert.ok(existsSync(overlay.path));
    // Nothing left to do the second time.
    assert.deepEqual(svc.sweepLeftovers(known), []);
  });
});

const snapshotIdOf = (file: string): string => file.replace(/^snapshots\//, "").replace(/\.qcow2$/, "");
