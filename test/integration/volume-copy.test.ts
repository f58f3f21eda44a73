// Flattening a root volume (an overlay on its AMI) into one standalone qcow2, with real qemu-img, qemu-io and
// qemu-storage-daemon: offline through qemu-img, and live through a backup job that fixes the content when it starts.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import {
  clearStaleCopies,
  createVolumeFile,
  ensureStorageDaemon,
  exportVolume,
  startVolumeCopy,
  unexportVolume,
  volumeInfo,
  type StorageDaemon,
} from "../../src/ebs/index.ts";
import { tempDir } from "./nats-harness.ts";

const run = promisify(execFile);
const MiB = 1024 * 1024;

async function qemuIo(args: string[]): Promise<string> {
  const { stdout, stderr } = await run("qemu-io", args);
  return stdout + stderr;
}

/** Fails unless `len` bytes at `offset` of the image all read as `pattern`. */
async function expectPattern(target: string[], pattern: number, offset: number, len: number): Promise<void> {
  const out = await qemuIo([...target, "-c", `read -P 0x${pattern.toString(16)} ${offset} ${len}`]);
  assert.doesNotMatch(out, /verification failed|error|failed/i, out);
  assert.match(out, /^read \d+\/\d+ bytes/m, out);
}

const file = (path: string): string[] => ["-f", "qcow2", "-r", path];

describe("volume copy (CreateImage's flatten)", () => {
  let dir: { path: string; remove: () => void };
  let daemon: StorageDaemon;
  let base: string;

  before(async () => {
    dir = tempDir("vcopy");
    mkdirSync(join(dir.path, "images"));
    base = join(dir.path, "images", "ami-0123456789abcdef0.qcow2");
    // The AMI: 0xaa in its first MiB.
    await run("qemu-img", ["create", "-q", "-f", "qcow2", base, "64M"]);
    await qemuIo(["-f", "qcow2", base, "-c", `write -P 0xaa 0 ${MiB}`]);
    daemon = await ensureStorageDaemon(dir.path, () => undefined);
  });
  after(async () => {
    await daemon?.shutdown();
    dir?.remove();
  });

  /** A root volume over the AMI with 0xbb written in its second MiB. */
  async function rootVolume(id: string): Promise<string> {
    const vol = await createVolumeFile(dir.path, { id, sizeGiB: 1, backingFile: base });
    await qemuIo(["-f", "qcow2", vol.path, "-c", `write -P 0xbb ${MiB} ${MiB}`]);
    return vol.path;
  }

  test("a volume no one has open is flattened by qemu-img: the copy holds the AMI's and the overlay's data, and no backing file", async () => {
    const volFile = await rootVolume("vol-00000000000000001");
    const dest = join(dir.path, "offline.qcow2");
    const copy = await startVolumeCopy(daemon, "vol-00000000000000001", volFile, dest);
    await copy.done;
    const info = await volumeInfo(dest);
    assert.equal(info.format, "qcow2");
    assert.equal(info.backingFile, undefined);
    assert.equal(info.virtualSizeBytes, 1024 ** 3);
    await expectPattern(file(dest), 0xaa, 0, MiB);
    await expectPattern(file(dest), 0xbb, MiB, MiB);
    await expectPattern(file(dest), 0x00, 2 * MiB, 62 * MiB);
  });

  test("an exported volume is copied as it was when the copy started, while its client goes on writing", async () => {
    const id = "vol-00000000000000002";
    const volFile = await rootVolume(id);
    const nbd = await daemon.use((qmp) => exportVolume(qmp, id, volFile, daemon.paths.nbdSocket));
    const client = ["-f", "raw", nbd.uri];
    await qemuIo([...client, "-c", `write -P 0xcc ${2 * MiB} ${MiB}`]);
    const dest = join(dir.path, "live.qcow2");
    const copy = await startVolumeCopy(daemon, id, volFile, dest);
    // After the point in time: must not be in the copy.
    await qemuIo([...client, "-c", `write -P 0xdd 0 ${MiB}`]);
    await copy.done;

    await expectPattern(file(dest), 0xaa, 0, MiB);
    await expectPattern(file(dest), 0xbb, MiB, MiB);
    await expectPattern(file(dest), 0xcc, 2 * MiB, MiB);
    assert.equal((await volumeInfo(dest)).backingFile, undefined);
    // The volume itself has the later write, still takes writes, and the copy left no job or node behind.
    await expectPattern(client, 0xdd, 0, MiB);
    await qemuIo([...client, "-c", `write -P 0xee ${3 * MiB} ${MiB}`]);
    await expectPattern(client, 0xee, 3 * MiB, MiB);
    const { jobs, nodes } = await daemon.use(async (qmp) => ({
      jobs: await qmp.execute<unknown[]>("query-jobs"),
      nodes: (await qmp.execute<Array<{ "node-name": string }>>("query-named-block-nodes", { flat: true })).map((n) => n["node-name"]),
    }));
    assert.deepEqual(jobs, []);
    assert.ok(!nodes.some((n) => n.startsWith("copy-")), nodes.join(", "));
    await daemon.use((qmp) => unexportVolume(qmp, id, { mode: "hard" }));
  });

  test("an aborted copy removes its file and leaves the storage daemon clean", async () => {
    const id = "vol-00000000000000003";
    const volFile = await rootVolume(id);
    await daemon.use((qmp) => exportVolume(qmp, id, volFile, daemon.paths.nbdSocket));
    const dest = join(dir.path, "aborted.qcow2");
    const abort = new AbortController();
    const copy = await startVolumeCopy(daemon, id, volFile, dest, { signal: abort.signal });
    abort.abort();
    // It may have finished already (64 MiB of data is quick); either way nothing is left behind on failure.
    const outcome = await copy.done.then(() => "done", (err: Error) => err.message);
    if (outcome !== "done") {
      assert.match(outcome, /cancelled/);
      assert.equal(existsSync(dest), false);
    }
    const jobs = await daemon.use((qmp) => qmp.execute<unknown[]>("query-jobs"));
    assert.deepEqual(jobs, []);
    await daemon.use((qmp) => unexportVolume(qmp, id, { mode: "hard" }));
  });

  test("a copy an earlier hive process left in the storage daemon is cleared on reattach", async () => {
    const id = "vol-00000000000000004";
    const volFile = await rootVolume(id);
    await daemon.use((qmp) => exportVolume(qmp, id, volFile, daemon.paths.nbdSocket));
    const dest = join(dir.path, "stale.qcow2");
    await run("qemu-img", ["create", "-q", "-f", "qcow2", dest, String(1024 ** 3)]);
    // As a dead hive would leave it: target nodes and a job (paused, so it is still there to clear).
    await daemon.use(async (q) => {
      await q.blockdevAdd({ driver: "file", "node-name": "copy-deadbeef-f", filename: dest });
      await q.blockdevAdd({ driver: "qcow2", "node-name": "copy-deadbeef", file: "copy-deadbeef-f" });
      await q.execute("blockdev-backup", { "job-id": "copy-deadbeef", device: id, target: "copy-deadbeef", sync: "full", "auto-dismiss": false, speed: 1 });
    });
    const cleared = await daemon.use((q) => clearStaleCopies(q));
    assert.deepEqual(cleared, ["copy-deadbeef"]);
    const nodes = await daemon.use(async (q) => (await q.execute<Array<{ "node-name": string }>>("query-named-block-nodes", { flat: true })).map((n) => n["node-name"]));
    assert.ok(!nodes.some((n) => n.startsWith("copy-")), nodes.join(", "));
    await daemon.use((q) => unexportVolume(q, id, { mode: "hard" }));
  });
});
