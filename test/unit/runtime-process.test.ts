// Supervisors' shared pieces: restart back-off, and what /proc says about a process.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { pidRunning, processArgv, processIdentity, RestartBackoff } from "../../src/runtime/index.ts";

test("back-off doubles from 200 ms to a 5 s cap and starts over after a stable run", () => {
  const b = new RestartBackoff();
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [200, 400, 800, 1600, 3200, 5000, 5000]);
  assert.equal(b.exited(500), 5000);
  assert.equal(b.exited(RestartBackoff.STABLE_AFTER_MS), 200);
  assert.equal(b.next(), 200);
});

test("a live process is running with its argv and identity; once ended and reaped it is not", async () => {
  const child = spawn("sleep", ["30"]);
  const pid = child.pid!;
  assert.equal(pidRunning(pid), true);
  assert.deepEqual(processArgv(pid), ["sleep", "30"]);
  const identity = processIdentity(pid)!;
  assert.equal(pidRunning(pid, identity), true);
  assert.equal(pidRunning(pid, `${identity}0`), false, "another start time is another process");
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  assert.equal(pidRunning(pid), false);
});
