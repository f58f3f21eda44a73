// readConsole: the latest 64 KiB, or the current boot's output from where QEMU last started.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readConsole } from "../../src/vm/index.ts";

const dir = mkdtempSync(join(tmpdir(), "hive-console-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("no console.log yet: empty, no timestamp", () => {
  const out = readConsole(join(dir, "nothing"), { latest: true });
  assert.equal(out.data.length, 0);
  assert.equal(out.timestamp, undefined);
});

test("latest: the last maxBytes; default cap is 64 KiB", () => {
  const run = join(dir, "latest");
  const big = Buffer.alloc(100 * 1024, "a");
  big.write("END", big.length - 3);
  mkdirSync(run);
  writeFileSync(join(run, "console.log"), big);
  const out = readConsole(run, { latest: true });
  assert.equal(out.data.length, 64 * 1024);
  assert.equal(out.data.subarray(-3).toString(), "END");
  assert.ok(out.timestamp instanceof Date);
  assert.equal(readConsole(run, { latest: true, maxBytes: 3 }).data.toString(), "END");
});

test("not latest: from the offset recorded at the last start, capped", () => {
  const run = join(dir, "boot");
  mkdirSync(run);
  writeFileSync(join(run, "console.log"), "old boot\nnew boot line 1\nnew boot line 2\n");
  writeFileSync(join(run, "console.start"), "9\n");
  assert.equal(readConsole(run).data.toString(), "new boot line 1\nnew boot line 2\n");
  assert.equal(readConsole(run, { maxBytes: 8 }).data.toString(), "new boot");
  rmSync(join(run, "console.start"));
  assert.equal(readConsole(run).data.toString(), "old boot\nnew boot line 1\nnew boot line 2\n");
});
