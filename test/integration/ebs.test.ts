// The block service with real parts: nats-server, qemu-storage-daemon, qemu-img/qemu-io over NBD, and a SQLite store.

import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { connectBus, type Bus } from "../../src/bus/index.ts";
import {
  ebsPaths,
  GiB,
  requestMount,
  requestUnmount,
  startBlockService,
  StorageDaemon,
  volumeInfo,
  type BlockService,
  type VolumeFile,
} from "../../src/ebs/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { runtimeDir } from "../../src/runtime/index.ts";
import { openStore, type Store, type VolumeRecord } from "../../src/store/index.ts";
import { eventually, pidAlive, startTestNats, tempDir, type TestNats } from "./nats-harness.ts";
import { expectPattern, nbd, qemuIo } from "./qemu-io.ts";

const run = promisify(execFile);
const NODE = "node-ebs";


const expectHiveError = (kind: string, resource?: string) => (err: unknown) => {
  assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  if (resource) assert.equal(err.resource, resource);
  return true;
};

describe("ebs block service", () => {
  let t: TestNats;
  let dir: { path: string; remove: () => void };
  let store: Store;
  let bus: Bus;
  let service: BlockService | undefined;
  let imageFile: string;
  let blank: VolumeFile;
  let root: VolumeFile;
  /** Every storage daemon pid seen, so none outlives the test whatever fails. */
  const pids = new Set<number>();
  const logs: string[] = [];

  const start = async (): Promise<BlockService> => {
    const s = await startBlockService({ bus, node: NODE, dataDir: dir.path, store, log: (m) => logs.push(m) });
    if (s.daemon.pid !== undefined) pids.add(s.daemon.pid);
    return s;
  };
  const row = (v: VolumeFile, extra: Partial<VolumeRecord> = {}): VolumeRecord => ({
    id: v.id,
    sizeGiB: v.sizeGiB,
    volumeType: "gp3",
    state: "available",
    az: "us-east-1a",
    node: NODE,
    file: v.file,
    createdAt: new Date().toISOString(),
    deleteOnTermination: true,
    ...extra,
  });

  before(async () => {
    t = await startTestNats();
    dir = tempDir("ebs");
    store = await openStore(join(dir.path, "hive.db"));
    bus = await connectBus({ servers: t.nats.clientUrl, user: t.opts.user, pass: t.opts.password, name: "ebs-test" });
    // A small "AMI": known bytes at 0 and at 32 MiB, zeros elsewhere.
    mkdirSync(join(dir.path, "images"));
    imageFile = join(dir.path, "images", "ami-test.raw");
    await run("qemu-img", ["create", "-q", "-f", "raw", imageFile, "64M"]);
    await qemuIo(["-f", "raw", "-c", "write -P 0x5a 0 1M", "-c", "write -P 0xc3 32M 512k", imageFile]);
  });

  after(async () => {
    await service?.shutdown().catch(() => undefined);
    for (const pid of pids) if (pidAlive(pid)) process.kill(pid, "SIGKILL");
    await bus?.close();
    store?.close();
    await t?.close();
    dir?.remove();
  });

  test("starts a detached qemu-storage-daemon in its own session", async () => {
    const t0 = performance.now();
    service = await start();
    const ms = Math.round(performance.now() - t0);
    const pid = service.daemon.pid as number;
    assert.equal(service.daemon.reattached, false);
    assert.equal(readFileSync(join(dir.path, "ebs", "qsd.pid"), "utf8").trim(), String(pid));
    // /proc/<pid>/stat field 6 is the session id: a session leader's is its own pid.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const session = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
    assert.equal(session, pid);
    // The sockets live in the runtime directory; the data directory keeps none.
    assert.ok(existsSync(ebsPaths(dir.path).nbdSocket));
    assert.ok(ebsPaths(dir.path).nbdSocket.startsWith(runtimeDir(dir.path)));
    assert.equal(existsSync(join(dir.path, "ebs", "nbd.sock")), false);
    console.log(`# qsd start → ready: ${ms}ms (pid ${pid})`);
  });

  test("creates a blank volume and a root overlay no smaller than its image", async () => {
    const svc = service as BlockService;
    blank = await svc.createVolume({ sizeGiB: 1 });
    assert.match(blank.id, /^vol-[0-9a-f]{17}$/);
    assert.equal(blank.file, join("volumes", `${blank.id}.qcow2`));
    const blankInfo = await volumeInfo(blank.path);
    assert.equal(blankInfo.format, "qcow2");
    assert.equal(blankInfo.virtualSizeBytes, GiB);
    assert.equal(blankInfo.backingFile, undefined);

    root = await svc.createRootVolume({ imageFile, sizeGiB: 1 });
    const rootInfo = await volumeInfo(root.path);
    assert.equal(rootInfo.virtualSizeBytes, GiB);
    assert.equal(rootInfo.backingFile, "../images/ami-test.raw");
    assert.equal(rootInfo.backingFormat, "raw");

    // An image bigger than the asked size wins, rounded up to whole GiB.
    const big = join(dir.path, "images", "big.raw");
    await run("qemu-img", ["create", "-q", "-f", "raw", big, "1536M"]);
    const grown = await svc.createRootVolume({ imageFile: big, sizeGiB: 1 });
    assert.equal(grown.sizeGiB, 2);
    assert.equal((await volumeInfo(grown.path)).virtualSizeBytes, 2 * GiB);
    await svc.deleteVolume(grown.id);
    assert.equal(existsSync(grown.path), false);

    await assert.rejects(svc.createVolume({ id: blank.id, sizeGiB: 1 }), expectHiveError("Conflict", "volume"));
    await assert.rejects(svc.createVolume({ sizeGiB: 0 }), expectHiveError("InvalidParameter"));
    await assert.rejects(svc.createRootVolume({ imageFile: join(dir.path, "nope.raw"), sizeGiB: 1 }), expectHiveError("NotFound", "image"));
    store.volumes.insert(row(blank));
    store.volumes.insert(row(root, { imageId: "ami-0123456789abcdef0" }));
  });

  test("mounts over NATS and serves the image's bytes through the overlay", async () => {
    const t0 = performance.now();
    const m = await requestMount(bus, NODE, root.id);
    const exportMs = Math.round(performance.now() - t0);
    const nbdSocket = ebsPaths(dir.path).nbdSocket;
    assert.deepEqual(m, { uri: `nbd+unix:///${root.id}?socket=${nbdSocket}`, socket: nbdSocket, exportName: root.id });
    await expectPattern(nbd(m.uri), 0x5a, "0", "1M");
    const readableMs = Math.round(performance.now() - t0);
    await expectPattern(nbd(m.uri), 0xc3, "32M", "512k");
    // Past the image's end the overlay reads zeros.
    await expectPattern(nbd(m.uri), 0, "512M", "1M");
    console.log(`# mount (export) over NATS: ${exportMs}ms; mount → first 1 MiB read back: ${readableMs}ms`);
    // Mounting again is a no-op answering the same place.
    assert.deepEqual(await requestMount(bus, NODE, root.id), m);
    assert.deepEqual(service?.exported(), [root.id]);
  });

  test("writes through NBD land in the overlay and leave the image alone", async () => {
    const { uri } = await requestMount(bus, NODE, root.id);
    await qemuIo([...nbd(uri), "-c", "write -P 0x77 4M 1M", "-c", "write -P 0x99 0 64k"]);
    await requestUnmount(bus, NODE, root.id);
    assert.deepEqual(service?.exported(), []);
    // Unexported means closed: qemu-io can open the qcow2 itself.
    const overlay = ["-f", "qcow2", "-r", root.path];
    await expectPattern(overlay, 0x99, "0", "64k");
    await expectPattern(overlay, 0x5a, "64k", "960k");
    await expectPattern(overlay, 0x77, "4M", "1M");
    await expectPattern(["-f", "raw", "-r", imageFile], 0x5a, "0", "1M");
    await expectPattern(["-f", "raw", "-r", imageFile], 0, "4M", "1M");
    // Unmounting again is fine.
    await requestUnmount(bus, NODE, root.id);
  });

  test("a safe unmount refuses while a client is connected; force drops it", async () => {
    const { uri } = await requestMount(bus, NODE, blank.id);
    // qemu-io keeps its NBD connection while it waits for commands on stdin; a first read proves it is connected.
    const client = spawn("qemu-io", nbd(uri), { stdio: ["pipe", "pipe", "ignore"] });
    const exited = new Promise((resolve) => client.once("exit", resolve));
    try {
      let out = "";
      client.stdout.on("data", (d: Buffer) => (out += d.toString()));
      client.stdin.write("read 0 512\n");
      await eventually("the client reads", async () => assert.match(out, /read 512\/512 bytes/));
      await assert.rejects(requestUnmount(bus, NODE, blank.id), expectHiveError("Conflict", "volume"));
      assert.deepEqual(service?.exported(), [blank.id]);
      await requestUnmount(bus, NODE, blank.id, { force: true });
      assert.deepEqual(service?.exported(), []);
    } finally {
      client.stdin.end();
      await exited;
    }
  });

  test("an unknown or malformed volume is refused", async () => {
    await assert.rejects(requestMount(bus, NODE, "vol-0123456789abcdef0"), expectHiveError("NotFound", "volume"));
    await assert.rejects(requestMount(bus, NODE, "../../etc/passwd"), expectHiveError("InvalidParameter", "volume"));
    await assert.rejects(requestUnmount(bus, NODE, "vol-x"), expectHiveError("InvalidParameter", "volume"));
  });

  test("a new hive process reattaches to the same daemon with its exports intact", async () => {
    const { uri } = await requestMount(bus, NODE, blank.id);
    await qemuIo([...nbd(uri), "-c", "write -P 0x42 0 1M"]);
    const pid = service?.daemon.pid as number;
    // What a killed hive leaves: the daemon, its exports, and nobody watching.
    await service?.close();
    service = undefined;
    assert.ok(pidAlive(pid));
    await expectPattern(nbd(uri), 0x42, "0", "1M");

    const t0 = performance.now();
    service = await start();
    console.log(`# reattach: ${Math.round(performance.now() - t0)}ms`);
    assert.equal(service.daemon.reattached, true);
    assert.equal(service.daemon.pid, pid);
    assert.deepEqual(service.exported(), [blank.id]);
    await expectPattern(nbd(uri), 0x42, "0", "1M");
  });

  test("the daemon and its exports survive kill -9 of the hive process that started them", async () => {
    // Hand the daemon over to a separate "hive" process: the monitor takes one client at a time.
    await service?.close();
    service = undefined;
    const ebs = new URL("../../src/ebs/index.ts", import.meta.url).href;
    const hive = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { startBlockService } = await import(${JSON.stringify(ebs)});
         const { openStore } = await import(${JSON.stringify(new URL("../../src/store/index.ts", import.meta.url).href)});
         const { connectBus } = await import(${JSON.stringify(new URL("../../src/bus/index.ts", import.meta.url).href)});
         const [dataDir, servers, user, pass, node, volumeId] = process.argv.slice(1);
         const store = await openStore(dataDir + "/hive.db");
         const bus = await connectBus({ servers, user, pass, name: "doomed-hive" });
         const s = await startBlockService({ bus, node, dataDir, store, log: () => {} });
         const m = await s.mount(volumeId);
         process.stdout.write(JSON.stringify({ pid: s.daemon.pid, uri: m.uri }) + "\\n");
         setInterval(() => {}, 1000);`,
        dir.path,
        t.nats.clientUrl,
        t.opts.user,
        t.opts.password,
        `${NODE}-doomed`,
        root.id,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise((resolve) => hive.once("exit", resolve));
    let out = "";
    hive.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const { pid, uri } = await eventually("the child hive mounts", async () => JSON.parse(out) as { pid: number; uri: string }, 20_000);
    pids.add(pid);
    hive.kill("SIGKILL");
    await exited;
    assert.ok(pidAlive(pid), "the storage daemon died with the hive process");
    await expectPattern(nbd(uri), 0x77, "4M", "1M");
    service = await start();
    assert.equal(service.daemon.reattached, true);
    assert.equal(service.daemon.pid, pid);
    assert.deepEqual(service.exported(), [blank.id, root.id].sort());
    await requestUnmount(bus, NODE, root.id);
  });

  test("a killed daemon is restarted and re-exports what was exported", async () => {
    const svc = service as BlockService;
    const old = svc.daemon.pid as number;
    const { uri } = await requestMount(bus, NODE, blank.id);
    const t0 = performance.now();
    process.kill(old, "SIGKILL");
    const fresh = await eventually("a new storage daemon", async () => {
      const pid = svc.daemon.pid;
      assert.ok(pid !== undefined && pid !== old, "not restarted yet");
      return pid;
    });
    pids.add(fresh);
    await eventually("the export is back", () => expectPattern(nbd(uri), 0x42, "0", "1M"));
    console.log(`# kill -9 → restarted and re-exported: ${Math.round(performance.now() - t0)}ms`);
    assert.equal(svc.daemon.restartCount, 1);
    assert.ok(!pidAlive(old));
    // Mounting more works on the new daemon.
    const m = await requestMount(bus, NODE, root.id);
    await expectPattern(nbd(m.uri), 0x77, "4M", "1M");
    assert.deepEqual(svc.exported(), [blank.id, root.id].sort());
  });

  test("shutdown quits the daemon and leaves no process behind", async () => {
    const svc = service as BlockService;
    await requestUnmount(bus, NODE, root.id, { force: true });
    await requestUnmount(bus, NODE, blank.id, { force: true });
    await svc.shutdown();
    service = undefined;
    for (const pid of pids) assert.ok(!pidAlive(pid), `pid ${pid} still alive`);
    assert.equal(existsSync(join(dir.path, "ebs", "qsd.pid")), false);
    assert.equal(existsSync(ebsPaths(dir.path).qmpSocket), false);
    // The volume files stay: only the service stopped.
    assert.ok(existsSync(blank.path) && existsSync(root.path));
  });
});

test("a storage daemon an earlier Hive started with its sockets in the data directory is refused, never replaced", async () => {
  const dir = tempDir("ebs-earlier");
  const ebsDir = join(dir.path, "ebs");
  mkdirSync(ebsDir);
  // The layout before the runtime directory: the monitor socket beside the pid file.
  const qmp = join(ebsDir, "qsd-qmp.sock");
  const child = spawn(
    "qemu-storage-daemon",
    ["--chardev", `socket,path=${qmp},server=on,wait=off,id=qmp0`, "--monitor", "chardev=qmp0", "--pidfile", join(ebsDir, "qsd.pid")],
    { stdio: "ignore" },
  );
  try {
    await eventually("the earlier daemon's pid file", async () => assert.ok(existsSync(join(ebsDir, "qsd.pid"))));
    const daemon = new StorageDaemon(dir.path, () => {});
    await assert.rejects(daemon.start(), new RegExp(`qemu-storage-daemon \\(pid ${child.pid}\\) was started by an earlier Hive`));
    assert.ok(pidAlive(child.pid!), "the earlier daemon was ended");
  } finally {
    child.kill("SIGKILL");
    dir.remove();
  }
});
