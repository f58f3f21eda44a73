// One appliance per data directory: the lock refuses a second holder, names the first, and never outlives a killed one.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, test } from "node:test";
import { liveDataDirOwner, processIdentity, readDataDirOwner } from "../../src/runtime/index.ts";
import { DataDirInUse, lockDataDir } from "../../src/store/index.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const HOLDER = path.join(ROOT, "test", "helpers", "lock-holder.ts");

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "hive-lock-"));
  dirs.push(d);
  return d;
}

/** Starts a lock-holder process and resolves with its first line: "locked <pid>" or "refused <pid>". */
function holder(dir: string, holdMs = 600_000): { child: ChildProcess; said: Promise<string>; exited: Promise<void> } {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, dir, String(holdMs)], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const said = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0]!);
    });
    void exited.then(() => reject(new Error(`lock holder exited without a word: ${out}`)));
  });
  return { child, said, exited };
}

function writeRecord(dir: string, pid: number, procStart: string): void {
  const record = { pid, procStart, hostname: os.hostname(), startedAt: "2020-01-01T00:00:00.000Z" };
  fs.writeFileSync(path.join(dir, "hive.lock.json"), JSON.stringify(record));
}

test("a second holder is refused at once, naming the first; after kill -9 of the first the next lock goes through", async () => {
  const dir = tempDir();
  const first = holder(dir);
  assert.equal(await first.said, `locked ${first.child.pid}`);

  const started = performance.now();
  const err = await lockDataDir(dir).then(
    () => assert.fail("the lock was taken twice"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DataDirInUse);
  assert.equal(err.owner?.pid, first.child.pid);
  assert.match(err.message, new RegExp(`^the data directory ${dir} is in use by hive pid ${first.child.pid} \\(started .+\\); stop it first$`));
  assert.ok(performance.now() - started < 1_000, "the refusal waited");
  assert.equal(liveDataDirOwner(dir)?.pid, first.child.pid);

  first.child.kill("SIGKILL");
  await first.exited;
  // The record still names the dead holder: it informs, it never blocks.
  assert.equal(readDataDirOwner(dir)?.pid, first.child.pid);
  assert.equal(liveDataDirOwner(dir), undefined);
  const lock = await lockDataDir(dir);
  assert.equal(readDataDirOwner(dir)?.pid, process.pid);
  lock.release();
});

test("a record left by a dead pid does not block, and is replaced by ours", async () => {
  const dir = tempDir();
  const gone = spawnSync("true");
  writeRecord(dir, gone.pid!, "1");
  const lock = await lockDataDir(dir);
  assert.deepEqual(readDataDirOwner(dir), lock.owner);
  assert.equal(lock.owner.pid, process.pid);
  assert.equal(lock.owner.procStart, processIdentity(process.pid));
  lock.release();
  assert.equal(readDataDirOwner(dir), undefined, "release leaves the record behind");
});

test("a record naming a recycled pid (alive, but started at another time) does not block and names no owner", async () => {
  const dir = tempDir();
  const sleeper = spawn("sleep", ["60"]);
  children.push(sleeper);
  writeRecord(dir, sleeper.pid!, "1");
  assert.equal(liveDataDirOwner(dir), undefined);
  // The same pid with its real start time is a live owner (as far as the record goes).
  writeRecord(dir, sleeper.pid!, processIdentity(sleeper.pid!)!);
  assert.equal(liveDataDirOwner(dir)?.pid, sleeper.pid);
  // The record never decides: the OS lock is free, so the lock is ours.
  const lock = await lockDataDir(dir);
  assert.equal(readDataDirOwner(dir)?.pid, process.pid);
  assert.equal(liveDataDirOwner(dir), undefined, "this process is never its own other owner");
  lock.release();
});

test("concurrent starters: exactly one takes the lock and the others name it", async () => {
  const dir = tempDir();
  const all = Array.from({ length: 6 }, () => holder(dir));
  const said = await Promise.all(all.map((h) => h.said));
  const winners = all.filter((h, i) => said[i] === `locked ${h.child.pid}`);
  assert.equal(winners.length, 1, said.join(", "));
  const winner = winners[0]!.child.pid;
  for (const line of said) if (!line.startsWith("locked")) assert.equal(line, `refused ${winner}`);
});

test("in one process a second lock is refused too, and released locks can be taken again", async () => {
  const dir = tempDir();
  const results = await Promise.allSettled([lockDataDir(dir), lockDataDir(dir)]);
  const held = results.filter((r) => r.status === "fulfilled");
  assert.equal(held.length, 1);
  const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
  assert.ok(refused.reason instanceof DataDirInUse);
  (held[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof lockDataDir>>>).value.release();
  const again = await lockDataDir(dir);
  again.release();
  again.release();
});

test("discard removes a directory the lock created if nothing else was written, and keeps one in use", async () => {
  const parent = tempDir();
  const fresh = path.join(parent, "new");
  const lock = await lockDataDir(fresh);
  assert.equal(lock.createdDir, true);
  assert.equal(fs.statSync(fresh).mode & 0o777, 0o700);
  lock.discard();
  assert.equal(fs.existsSync(fresh), false);

  const used = path.join(parent, "used");
  const second = await lockDataDir(used);
  fs.writeFileSync(path.join(used, "config.json"), "{}");
  second.discard();
  assert.equal(fs.existsSync(path.join(used, "config.json")), true);
});
