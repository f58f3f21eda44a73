// Supervisors' shared pieces: restart back-off and the restart loop, and what /proc says about a process.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { pidRunning, processArgv, processIdentity, RestartBackoff, RestartLoop } from "../../src/runtime/index.ts";

test("back-off doubles from 200 ms to a 5 s cap and starts over after a stable run", () => {
  const b = new RestartBackoff();
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [200, 400, 800, 1600, 3200, 5000, 5000]);
  assert.equal(b.exited(500), 5000);
  assert.equal(b.exited(RestartBackoff.STABLE_AFTER_MS), 200);
  assert.equal(b.next(), 200);
});

test("restart loop: failed attempts are handled and retried with back-off until one succeeds", async () => {
  const failures: string[] = [];
  let succeeded!: () => void;
  const done = new Promise<void>((resolve) => (succeeded = resolve));
  const started = performance.now();
  const loop = new RestartLoop({
    attempt: async () => {
      if (loop.attempts < 3) throw new Error(`attempt ${loop.attempts}`);
      succeeded();
    },
    stopped: () => false,
    failed: (err) => void failures.push(err.message),
  });
  assert.equal(loop.exited(0), 200);
  await done;
  assert.equal(loop.attempts, 3);
  assert.deepEqual(failures, ["attempt 1", "attempt 2"]);
  assert.ok(performance.now() - started >= 200 + 400 + 800 - 20, "waits 200, 400 and 800 ms");
});

test("restart loop: nothing is attempted once the owner stops or cancels, and a failure then is not retried", async () => {
  let stopped = false;
  const loop = new RestartLoop({ attempt: async () => { stopped = true; throw new Error("no"); }, stopped: () => stopped, failed: () => assert.fail("not retried") });
  loop.exited(0);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(loop.attempts, 1, "one attempt; its failure after the stop is dropped");
  const cancelled = new RestartLoop({ attempt: async () => assert.fail("cancelled"), stopped: () => false, failed: () => {} });
  cancelled.exited(0);
  cancelled.cancel();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(cancelled.attempts, 0);
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
