// The image import pipeline against the real qemu-img, tar and xz: every accepted format, a URL, and clean failures.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  importImage,
  imageFile,
  imagesTmpDir,
  lastPercent,
  qemuImgInfo,
  type ImportProgress,
} from "../../src/images/index.ts";
import { isId, newId } from "../../src/runtime/index.ts";
import { HiveError } from "../../src/errors/index.ts";

const MiB = 1024 * 1024;
const SIZE = 16 * MiB;

const qemuImg = (...args: string[]): void => void execFileSync("qemu-img", args, { stdio: "ignore" });

describe("images: import pipeline", () => {
  let dir: string; // sources
  let dataDir: string;
  let server: http.Server;
  let base: string;
  let requests = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-img-src-"));
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-img-data-"));
    // A raw disk with recognisable data at the start and end, so the conversions carry real content.
    const raw = path.join(dir, "disk.raw");
    fs.writeFileSync(raw, Buffer.alloc(SIZE));
    const fd = fs.openSync(raw, "r+");
    fs.writeSync(fd, Buffer.from("HIVE-START"), 0, 10, 0);
    fs.writeSync(fd, Buffer.from("HIVE-END"), 0, 8, SIZE - 8);
    fs.closeSync(fd);
    for (const fmt of ["qcow2", "vmdk", "vhdx"]) qemuImg("convert", "-f", "raw", "-O", fmt, raw, path.join(dir, `disk.${fmt}`));
    fs.copyFileSync(raw, path.join(dir, "plain.img"));
    // Debian's cloud-image layout: disk.raw at the top of a .tar.xz.
    execFileSync("tar", ["-cJf", path.join(dir, "debian.tar.xz"), "-C", dir, "disk.raw"]);
    // A tarball without disk.raw, a truncated qcow2, a garbage file with a disk's name, a backing-file qcow2.
    fs.writeFileSync(path.join(dir, "other.txt"), "hello");
    execFileSync("tar", ["-cJf", path.join(dir, "nodisk.tar.xz"), "-C", dir, "other.txt"]);
    const q = fs.readFileSync(path.join(dir, "disk.qcow2"));
    fs.writeFileSync(path.join(dir, "truncated.qcow2"), q.subarray(0, 300));
    fs.writeFileSync(path.join(dir, "garbage.qcow2"), "this is not a disk\n");
    qemuImg("create", "-f", "qcow2", "-b", raw, "-F", "raw", path.join(dir, "overlay.qcow2"));

    server = http.createServer((req, res) => {
      requests++;
      const name = decodeURIComponent((req.url ?? "/").slice(1));
      const file = path.join(dir, name);
      if (!name || name.includes("/") || !fs.existsSync(file)) {
        res.writeHead(404).end("no");
        return;
      }
      res.writeHead(200, { "content-length": fs.statSync(file).size });
      fs.createReadStream(file).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const tmpLeft = (): string[] => (fs.existsSync(imagesTmpDir(dataDir)) ? fs.readdirSync(imagesTmpDir(dataDir)) : []);

  const run = async (source: string) => {
    const imageId = newId("ami");
    const progress: ImportProgress[] = [];
    const result = await importImage({ source, dataDir, imageId, onProgress: (p) => progress.push(p) });
    return { imageId, progress, result };
  };

  const assertStored = async (imageId: string) => {
    const file = imageFile(dataDir, imageId);
    const info = await qemuImgInfo(file);
    assert.equal(info.format, "qcow2");
    assert.equal(info.virtualSize, SIZE);
    // The content made it through: convert back to raw and look at both ends.
    const back = path.join(dir, `${imageId}.check.raw`);
    qemuImg("convert", "-O", "raw", file, back);
    const data = fs.readFileSync(back);
    fs.rmSync(back);
    assert.equal(data.subarray(0, 10).toString(), "HIVE-START");
    assert.equal(data.subarray(SIZE - 8).toString(), "HIVE-END");
    assert.deepEqual(tmpLeft(), []);
  };

  for (const [file, format] of [["disk.qcow2", "qcow2"], ["disk.vmdk", "vmdk"], ["disk.vhdx", "vhdx"], ["plain.img", "raw"]] as const) {
    test(`imports a local ${format} file as qcow2`, async () => {
      const { imageId, progress, result } = await run(path.join(dir, file));
      assert.equal(result.format, format);
      assert.equal(result.sizeBytes, SIZE);
      assert.equal(result.file, path.join("images", `${imageId}.qcow2`));
      assert.ok(progress.some((p) => p.phase === "convert" && p.percent === 100), JSON.stringify(progress));
      assert.ok(progress.every((p) => p.phase === "convert"));
      await assertStored(imageId);
    });
  }

  test("imports Debian's cloud-image .tar.xz (disk.raw inside), reporting extract then convert", async () => {
    const { imageId, progress, result } = await run(path.join(dir, "debian.tar.xz"));
    assert.equal(result.format, "raw");
    assert.equal(result.archive, "tar.xz");
    const phases = [...new Set(progress.map((p) => p.phase))];
    assert.deepEqual(phases, ["extract", "convert"]);
    assert.ok(progress.some((p) => p.phase === "extract" && p.percent === 100));
    await assertStored(imageId);
  });

  test("downloads an http URL with progress from Content-Length, then converts", async () => {
    const { imageId, progress, result } = await run(`${base}/disk.vmdk`);
    assert.equal(result.format, "vmdk");
    assert.deepEqual([...new Set(progress.map((p) => p.phase))], ["download", "convert"]);
    const dl = progress.filter((p) => p.phase === "download").map((p) => p.percent);
    assert.equal(dl.at(-1), 100);
    assert.deepEqual(dl, [...dl].sort((a, b) => a - b), "download percent never goes back");
    await assertStored(imageId);
  });

  test("downloads a tarball by URL: download, extract, convert", async () => {
    const { imageId, progress } = await run(`${base}/debian.tar.xz`);
    assert.deepEqual([...new Set(progress.map((p) => p.phase))], ["download", "extract", "convert"]);
    await assertStored(imageId);
  });

  const failures: Array<[string, () => string, RegExp]> = [
    ["a missing file", () => path.join(dir, "nope.qcow2"), /does not exist/],
    ["a directory", () => dir, /not a regular file/],
    ["a truncated qcow2", () => path.join(dir, "truncated.qcow2"), /not a usable qcow2 image: it is corrupt/],
    ["garbage named .qcow2", () => path.join(dir, "garbage.qcow2"), /no qcow2 header/],
    ["a qcow2 with a backing file", () => path.join(dir, "overlay.qcow2"), /backing file/],
    ["a tarball without disk.raw", () => path.join(dir, "nodisk.tar.xz"), /disk\.raw/],
    ["a 404 URL", () => `${base}/missing.qcow2`, /HTTP 404/],
    ["an unreachable URL", () => "http://127.0.0.1:1/x.qcow2", /cannot download/],
    ["an ftp URL", () => "ftp://127.0.0.1/x.qcow2", /not supported/],
  ];
  for (const [what, source, reason] of failures) {
    test(`fails cleanly on ${what}, leaving nothing behind`, async () => {
      const imageId = newId("ami");
      await assert.rejects(importImage({ source: source(), dataDir, imageId }), (err: Error) => {
        assert.ok(err instanceof HiveError, `a HiveError, got ${err.stack}`);
        assert.match(err.message, reason);
        return true;
      });
      assert.equal(fs.existsSync(imageFile(dataDir, imageId)), false);
      assert.deepEqual(tmpLeft(), []);
    });
  }

  test("a qcow2 with a damaged L1 table (the header still probes fine) fails cleanly and leaves nothing", async () => {
    const q = Buffer.from(fs.readFileSync(path.join(dir, "disk.qcow2")));
    const l1 = Number(q.readBigUInt64BE(40));
    q.writeBigUInt64BE((1n << 63n) | 0x12345n, l1); // an unaligned L2 table offset
    const bad = path.join(dir, "badl1.qcow2");
    fs.writeFileSync(bad, q);
    assert.equal((await qemuImgInfo(bad)).format, "qcow2");
    const imageId = newId("ami");
    await assert.rejects(importImage({ source: bad, dataDir, imageId }), /corrupt/);
    assert.equal(fs.existsSync(imageFile(dataDir, imageId)), false);
    assert.deepEqual(tmpLeft(), []);
  });

  test("AMI ids and qemu-img's progress lines", () => {
    for (let i = 0; i < 50; i++) assert.ok(isId("ami", newId("ami")));
    assert.ok(isId("ami", "ami-12345678"));
    assert.ok(!isId("ami", "ami-1234567"));
    assert.ok(!isId("ami", "ami-ABCDEF12"));
    assert.equal(lastPercent("    (0.00/100%)\r    (42.50/100%)\r"), 42.5);
    assert.equal(lastPercent("nothing"), undefined);
    assert.ok(requests > 0);
  });
});
