// Leftover detection never ends what a live appliance owns: with another live hive holding the data directory,
// the nats supervisor and the storage daemon refuse to start on it and leave that hive's processes alone.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, test } from "node:test";
import { StorageDaemon } from "../../src/ebs/index.ts";
import { NatsSupervisor, startNats } from "../../src/embedded-nats/index.ts";
import { natsOptions, pidAlive, tempDir } from "./nats-harness.ts";

const HOLDER = resolve(import.meta.dirname, "..", "helpers", "lock-holder.ts");
const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

/** Another process takes the data directory's lock, as a running `hive up` would. */
async function otherHive(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, dir], { cwd: resolve(import.meta.dirname, "..", ".."), stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => void child.kill("SIGKILL"));
  const line = await new Promise<string>((done) => child.stdout!.once("data", (d: Buffer) => done(d.toString().trim())));
  assert.equal(line, `locked ${child.pid}`);
  return child;
}

test("a nats supervisor on a data directory a live hive holds refuses, and neither ends nor reconfigures that hive's nats-server", async () => {
  const dir = tempDir("lock-nats");
  cleanups.push(dir.remove);
  const pidFile = join(dir.path, "nats", "nats-server.pid");
  // The running appliance's server (the holder stands in for its hive process).
  const running = await startNats(await natsOptions(dir.path, { pidFile }));
  cleanups.push(() => running.stop());
  const holder = await otherHive(dir.path);
  const serverPid = running.pid!;
  const confBefore = readFileSync(running.confPath, "utf8");

  const second = new NatsSupervisor(await natsOptions(dir.path, { pidFile }));
  await assert.rejects(second.start(), new RegExp(`belongs to the running hive pid ${holder.pid}`));
  assert.ok(pidAlive(serverPid), "the live appliance's nats-server was ended");
  assert.equal(running.pid, serverPid);
  assert.equal(readFileSync(running.confPath, "utf8"), confBefore, "the live appliance's config was rewritten");
});

test("a storage daemon on a data directory a live hive holds refuses before reattaching or spawning", async () => {
  const dir = tempDir("lock-ebs");
  cleanups.push(dir.remove);
  const holder = await otherHive(dir.path);
  const ebs = new StorageDaemon(dir.path, () => {});
  await assert.rejects(ebs.start(), new RegExp(`belongs to the running hive pid ${holder.pid}`));
  assert.equal(existsSync(join(dir.path, "ebs", "qsd.pid")), false);
  assert.equal(ebs.running, false);
});
