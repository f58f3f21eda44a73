// An AMI held by one member reaches another over the bus: two daemons (nodes a and b, each with its data directory
// and store) on two nats-servers joined as leaf and hub through a link that can be slowed and cut. b fetches a's
// file: verified, once, shared by concurrent callers, refused when it does not match its digest, resumed after a
// broken link and after a restart; and a launch whose AMI cannot be fetched fails at its image.fetch step.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { connectBus, subjects, type Bus, type Envelope, type ImageChunkRequest } from "../../src/bus/index.ts";
import { startDaemon, type DaemonContext, type RunningDaemon } from "../../src/daemon/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { newId } from "../../src/runtime/index.ts";
import { openStore, type ImageRecord, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";
import { startHub, startLeafServer, type Hub, type ShapedLink, type TestServer } from "./leaf-link.ts";
import { eventually, tempDir } from "./nats-harness.ts";
import { expectPattern } from "./qemu-io.ts";

const MiB = 1024 * 1024;
const caller = { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/admin", userId: "AIDATEST", accessKeyId: "AKIATEST" };
const sha256 = (file: string): string => createHash("sha256").update(fs.readFileSync(file)).digest("hex");

interface Member {
  node: string;
  dir: { path: string; remove: () => void };
  store: Store;
  bus: Bus;
  daemon: RunningDaemon;
  logs: string[];
}

describe("image transfer between members", () => {
  let hub: Hub;
  let link: ShapedLink;
  let leaf: TestServer;
  let a: Member;
  let b: Member;
  let source: string; // a qcow2 with a known pattern, copied for each image
  let sourceDir: { path: string; remove: () => void };
  /** Chunk requests for a's files, as the hub sees them. */
  const chunks: Array<ImageChunkRequest & { at: number }> = [];
  let stopCounting = (): void => {};

  const ctxOf = (node: string, dataDir: string): DaemonContext => testContext({ node, dataDir, host: { vcpus: 2, memoryMiB: 4096, cpuVendor: "intel", arch: "x86_64", kvm: false } });

  const start = async (node: string, servers: string, dir = tempDir(`xfer-${node}`), store?: Store): Promise<Member> => {
    store ??= await openStore(path.join(dir.path, "hive.db"));
    const bus = await connectBus({ servers, user: hub.opts.user, pass: hub.opts.password, name: `daemon ${node}` });
    const logs: string[] = [];
    const daemon = await startDaemon(bus, ctxOf(node, dir.path), store, {
      log: (l) => {
        logs.push(l);
        if (process.env.HIVE_TEST_LOGS) process.stderr.write(`${node}: ${l}\n`);
      },
      // A broken link is noticed within a second or two, and retried a few times; the window starts small, to be seen
      // growing to what a slow far link needs.
      imageTransfer: { minChunkTimeoutMs: 1_500, maxAttempts: 6, window: { initial: 2, min: 2 } },
    });
    await daemon.ready;
    return { node, dir, store, bus, daemon, logs };
  };

  const stop = async (m: Member): Promise<void> => {
    await m.daemon.stop();
    await m.bus.close();
  };

  /** An available image of a's, its file a copy of `source`; its row copied into b's store as replication would. */
  const imageOfA = (): ImageRecord => {
    const id = newId("ami");
    const file = `images/${id}.qcow2`;
    fs.mkdirSync(path.join(a.dir.path, "images"), { recursive: true });
    fs.copyFileSync(source, path.join(a.dir.path, file));
    const rec: ImageRecord = {
      id,
      name: `transfer-${id}`,
      state: "available",
      architecture: "x86_64",
      rootDeviceName: "/dev/xvda",
      sizeBytes: 64 * MiB,
      file,
      node: "a",
      ownerId: "123456789012",
      createdAt: new Date().toISOString(),
    };
    a.store.images.insert(rec);
    b.store.images.insert(rec);
    return rec;
  };

  const at = (m: Member, rec: ImageRecord): string => path.join(m.dir.path, rec.file);
  const chunksOf = (rec: ImageRecord) => chunks.filter((c) => c.imageId === rec.id);
  const tmpOf = (m: Member): string[] => fs.readdirSync(path.join(m.dir.path, "images", "tmp"));

  before(async () => {
    sourceDir = tempDir("xfer-src");
    source = path.join(sourceDir.path, "disk.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", source, "64M"]);
    // 24 MiB of data: a file of about that size, in 24 chunks and a bit.
    execFileSync("qemu-io", ["-f", "qcow2", source, "-c", "write -P 0xab 0 16M", "-c", "write -P 0xcd 40M 8M"], { stdio: "ignore" });
    hub = await startHub();
    link = hub.link;
    leaf = await startLeafServer({
      remote: `nats-leaf://${hub.opts.leafUser}:${hub.opts.leafPassword}@127.0.0.1:${link.port}`,
      user: hub.opts.user,
      pass: hub.opts.password,
    });
    a = await start("a", hub.clientUrl);
    b = await start("b", leaf.clientUrl);
    // The hub's view of a's chunk subject, beside a's own subscription (no queue group: both get each request).
    stopCounting = a.bus.listen<Envelope<ImageChunkRequest>>(subjects.imageChunk("a"), (env) => chunks.push({ ...env.input, at: performance.now() }));
    await a.bus.flush();
    // b reaches a once the leaf has joined and learnt a's subscriptions.
    await eventually("b reaches a over the leaf link", () => b.bus.request(subjects.nodeStatus("a"), { requestId: "r", input: {} }, 1_000), 15_000);
  });

  after(async () => {
    stopCounting();
    for (const m of [b, a]) if (m) await stop(m).catch(() => undefined);
    for (const m of [b, a]) {
      m?.store.close();
      m?.dir.remove();
    }
    await leaf?.stop();
    await hub?.stop();
    sourceDir?.remove();
  });

  test("b fetches a's file: the same bytes and sha256, in 1 MiB chunks, with its digest recorded and no scratch left", async () => {
    const rec = imageOfA();
    assert.equal(fs.existsSync(at(b, rec)), false);
    await b.daemon.ensureImageFile(rec.id);
    assert.equal(sha256(at(b, rec)), sha256(at(a, rec)));
    await expectPattern(["-f", "qcow2", at(b, rec)], 0xab, "0", "16M");
    await expectPattern(["-f", "qcow2", at(b, rec)], 0xcd, "40M", "8M");
    const size = fs.statSync(at(a, rec)).size;
    assert.equal(chunksOf(rec).length, Math.ceil(size / MiB));
    assert.ok(chunksOf(rec).every((c) => c.length <= MiB));
    assert.equal(JSON.parse(fs.readFileSync(`${at(b, rec)}.sha256`, "utf8")).sha256, sha256(at(a, rec)));
    assert.deepEqual(tmpOf(b), []);
    assert.ok(b.logs.some((l) => l.includes(`image ${rec.id}: fetched`) && l.includes("sha256 verified")), b.logs.join("\n"));
    assert.ok(b.logs.some((l) => new RegExp(`image ${rec.id}: \\d0% from a`).test(l)), "progress is logged by tenths");

    // A second call finds the file and asks for nothing.
    const before = chunks.length;
    await b.daemon.ensureImageFile(rec.id);
    assert.equal(chunks.length, before);
    // a's own image is there at once too.
    await a.daemon.ensureImageFile(rec.id);
  });

  test("two callers at once share one transfer, which hive status shows while it runs", async () => {
    const rec = imageOfA();
    const first = b.daemon.ensureImageFile(rec.id);
    const second = b.daemon.ensureImageFile(rec.id);
    const shown = b.daemon.status().transfers ?? [];
    assert.deepEqual(shown.map((t) => [t.imageId, t.from]), [[rec.id, "a"]]);
    await Promise.all([first, second]);
    assert.equal(chunksOf(rec).length, Math.ceil(fs.statSync(at(a, rec)).size / MiB));
    assert.equal(sha256(at(b, rec)), sha256(at(a, rec)));
    assert.equal(b.daemon.status().transfers, undefined);
  });

  test("bytes that do not match the digest a announced fail verification and leave no file", async () => {
    const rec = imageOfA();
    // a's recorded digest no longer describes its file (size and mtime still match, so a trusts it).
    const st = fs.statSync(at(a, rec));
    fs.writeFileSync(`${at(a, rec)}.sha256`, JSON.stringify({ sha256: "0".repeat(64), size: st.size, mtimeMs: st.mtimeMs }));
    await assert.rejects(b.daemon.ensureImageFile(rec.id), (err: unknown) => {
      assert.ok(err instanceof HiveError, String(err));
      assert.equal(err.kind, "Internal");
      assert.match(err.message, /failed verification: its sha256 is [0-9a-f]{64}, a announced 0{64}; it was discarded/);
      return true;
    });
    assert.equal(fs.existsSync(at(b, rec)), false);
    assert.deepEqual(tmpOf(b), []);
  });

  test("a's files are served from their rows only: not another node's image, not a pending one, not past a length cap", async () => {
    const ask = (input: unknown) => b.bus.request(subjects.imageInfo("a"), { requestId: randomUUID(), input }, 5_000);
    const kind = (k: string, re?: RegExp) => (err: unknown) => err instanceof HiveError && err.kind === k && (!re || re.test(err.message));
    await assert.rejects(ask({ imageId: "../../etc/passwd" }), kind("Malformed"));
    await assert.rejects(ask({ imageId: newId("ami") }), kind("NotFound"));
    const foreign = { ...imageOfA(), id: newId("ami"), name: `foreign-${randomUUID()}`, node: "b" };
    a.store.images.insert(foreign);
    await assert.rejects(ask({ imageId: foreign.id }), kind("NotFound", /b does/));
    const pending = { ...imageOfA(), id: newId("ami"), name: `pending-${randomUUID()}`, state: "pending" as const };
    a.store.images.insert(pending);
    await assert.rejects(ask({ imageId: pending.id }), kind("InvalidState"));
    const rec = imageOfA();
    const chunk = (length: number) => b.bus.requestBytes(subjects.imageChunk("a"), { requestId: randomUUID(), input: { imageId: rec.id, offset: 0, length } }, 5_000);
    await assert.rejects(chunk(64 * MiB), kind("InvalidParameter", /length/));
    assert.deepEqual(Buffer.from(await chunk(4)), fs.readFileSync(at(a, rec)).subarray(0, 4));
  });

  test("a link cut mid-transfer: the fetch resumes from its part and asks again only for what it lacks", async () => {
    const rec = imageOfA();
    const size = fs.statSync(at(a, rec)).size;
    // 300 ms round trip, 8 MiB/s: about 3 s for the file.
    link.shape = { delayMs: 150, bytesPerSecond: 8 * MiB };
    try {
      const done = b.daemon.ensureImageFile(rec.id);
      const progress = () => b.daemon.status().transfers?.find((t) => t.imageId === rec.id);
      await eventually("a third of the file has come", async () => assert.ok((progress()?.doneBytes ?? 0) >= size / 3, "not yet"), 20_000);
      const window = progress()!.window;
      // 2 × (8 MiB/s × ~0.4 s) + 1 ≈ 8 chunks.
      assert.ok(window > 4, `the window grew from 2 to fill the link (${window})`);
      link.down = true;
      link.cut();
      const cutAt = performance.now();
      const partAtCut = fs.statSync(path.join(b.dir.path, "images", "tmp", `${rec.id}.part`)).size;
      assert.ok(partAtCut > 0 && partAtCut < size, `the part holds ${partAtCut} of ${size} bytes`);
      await new Promise((r) => setTimeout(r, 1_500));
      link.down = false;
      await done;
      assert.equal(sha256(at(b, rec)), sha256(at(a, rec)));
      const after = chunksOf(rec).filter((c) => c.at > cutAt);
      assert.ok(after.length > 0, "chunks were asked for after the cut");
      assert.ok(Math.min(...after.map((c) => c.offset)) >= partAtCut, "nothing the part held was asked for again");
      assert.ok(b.logs.some((l) => l.includes(`image ${rec.id}: the fetch from a broke at`)), b.logs.join("\n"));
    } finally {
      link.shape = { delayMs: 0 };
    }
  });

  test("a transfer stopped by a restart of b resumes from its part at the next start", async () => {
    const rec = imageOfA();
    const size = fs.statSync(at(a, rec)).size;
    link.shape = { delayMs: 50, bytesPerSecond: 8 * MiB };
    let partAtStop = 0;
    try {
      const done = b.daemon.ensureImageFile(rec.id);
      await eventually("some of the file has come", async () => assert.ok((b.daemon.status().transfers?.[0]?.doneBytes ?? 0) >= 4 * MiB, "not yet"), 20_000);
      await stop(b);
      await assert.rejects(done, (err: unknown) => err instanceof HiveError && err.kind === "Unavailable" && /shutting down/.test(err.message));
      partAtStop = fs.statSync(path.join(b.dir.path, "images", "tmp", `${rec.id}.part`)).size;
      assert.ok(partAtStop > 0 && partAtStop < size, `the part holds ${partAtStop} of ${size} bytes`);
    } finally {
      link.shape = { delayMs: 0 };
    }
    b = await start("b", leaf.clientUrl, b.dir, b.store);
    assert.ok(fs.existsSync(path.join(b.dir.path, "images", "tmp", `${rec.id}.part`)), "start-up recovery keeps the part");
    const since = performance.now();
    await b.daemon.ensureImageFile(rec.id);
    assert.equal(sha256(at(b, rec)), sha256(at(a, rec)));
    const again = chunksOf(rec).filter((c) => c.at > since);
    assert.ok(again.length > 0 && Math.min(...again.map((c) => c.offset)) >= partAtStop, "nothing the part held was asked for again");
    assert.ok(b.logs.some((l) => l.includes(`resuming at`)), b.logs.join("\n"));
  });

  test("a launch whose AMI's holder cannot be reached stops with a reason naming image.fetch", async () => {
    const id = newId("ami");
    const rec: ImageRecord = {
      id,
      name: `unreachable-${id}`,
      state: "available",
      architecture: "x86_64",
      rootDeviceName: "/dev/xvda",
      sizeBytes: 64 * MiB,
      file: `images/${id}.qcow2`,
      node: "c",
      ownerId: "123456789012",
      createdAt: new Date().toISOString(),
    };
    // Both members know the image (replicated); neither holds it, and no member c answers.
    a.store.images.insert(rec);
    b.store.images.insert(rec);
    const env = { requestId: randomUUID(), caller, region: "us-east-1", input: { ImageId: id, InstanceType: "t3.micro", MinCount: 1, MaxCount: 1 } };
    const out = await b.bus.request<{ Instances: Array<{ InstanceId: string }> }>(subjects.placedAction("b", "ec2", "RunInstances"), env, 10_000);
    const instanceId = out.Instances[0]!.InstanceId;
    const row = await eventually(
      "the launch fails",
      async () => {
        const r = a.store.instances.get(instanceId) ?? b.store.instances.get(instanceId);
        assert.equal(r?.state, "stopped");
        return r!;
      },
      20_000,
    );
    assert.equal(row.stateReasonCode, "Server.InternalError");
    assert.match(row.stateReasonMessage ?? "", /the instance failed to launch: .*step image\.fetch failed: could not fetch ami-[0-9a-f]+'s file from c: 6 attempts/);
  });
});
