// After a power cut: telling a host failure from hive ending alone, how a guest's QEMU ended from what it left behind,
// and what recover() makes of each guest that was running (restarted, stopped saying why, or settled as before).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Bus } from "../../src/bus/index.ts";
import type { BlockService } from "../../src/ebs/index.ts";
import { hostFactsAtStart, hostFailure, InstanceManager, recordHostBoot } from "../../src/daemon/instances/index.ts";
import type { MetadataService } from "../../src/metadata/index.ts";
import { hostBootId } from "../../src/runtime/index.ts";
import { openStore, type InstanceRecord } from "../../src/store/index.ts";
import { qemuEnding } from "../../src/vm/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hive-unit-host-failure-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A pid that surely names no process now: a child that has ended and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await new Promise((r) => child.once("exit", r));
  return child.pid!;
}

/** A run directory as a QEMU leaves it: its log (hive's launch line, then QEMU's own), and its pidfile if it kept it. */
function runDir(dataDir: string, id: string, opts: { pid?: number; qemuSaid?: string }): string {
  const dir = path.join(dataDir, "instances", id);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "qemu.log"), `hive: 2026-12-02T10:00:00.000Z qemu-system-x86_64 -name guest=${id}\n${opts.qemuSaid ?? ""}`);
  if (opts.pid !== undefined) fs.writeFileSync(path.join(dir, "qemu.pid"), `${opts.pid}\n`);
  return dir;
}

test("a host failure: another boot id, or the storage daemon gone with everything else; hive ending alone is none", () => {
  assert.match(hostFailure({ lastBootId: "a", bootId: "b", storageDaemonFound: true }) ?? "", /host restarted/);
  assert.match(hostFailure({ lastBootId: "a", bootId: "a", storageDaemonFound: false }) ?? "", /every process of the appliance ended/);
  assert.equal(hostFailure({ lastBootId: "a", bootId: "a", storageDaemonFound: true }), undefined);
  assert.equal(hostFailure({ bootId: "a", storageDaemonFound: true }), undefined, "nothing recorded yet: no comparison");
});

test("the boot id is read from the kernel and remembered for the next start", async () => {
  const id = hostBootId();
  assert.match(id ?? "", /^[0-9a-f-]{36}$/);
  assert.equal(hostBootId(path.join(tmp, "missing")), undefined);
  const store = await openStore(":memory:");
  try {
    const first = hostFactsAtStart(store, true);
    assert.deepEqual(first, { lastBootId: undefined, bootId: id, storageDaemonFound: true });
    recordHostBoot(store, first);
    assert.equal(hostFactsAtStart(store, false).lastBootId, id);
  } finally {
    store.close();
  }
});

test("how QEMU ended: a pidfile left naming no process (killed, crashed, power lost), removed (it exited), after a signal", async () => {
  const id = "i-00000000000000001";
  const dir = (name: string, opts: { pid?: number; qemuSaid?: string }) => runDir(path.join(tmp, name), id, opts);
  assert.equal(qemuEnding(id, dir("killed", { pid: await deadPid() })), "vanished");
  assert.equal(qemuEnding(id, dir("other", { pid: process.pid })), "vanished", "a pid reused by another process");
  assert.equal(qemuEnding(id, dir("powered-off", {})), "exited");
  assert.equal(qemuEnding(id, dir("sigterm", { qemuSaid: "qemu-system-x86_64: terminating on signal 15 from pid 1 (systemd)\n" })), "signalled");
  // Something that looks like this instance's QEMU (argv[0] and -name) and still runs.
  const fake = spawn("sh", ["-c", "sleep 30; :", "x", "-name", `guest=${id},debug-threads=on`], { argv0: "qemu-system-x86_64" });
  try {
    assert.equal(qemuEnding(id, dir("alive", { pid: fake.pid! })), "alive");
  } finally {
    fake.kill("SIGKILL");
  }
});

/** recover() over guests left as a power cut (or something less) leaves them; only what needs no QEMU is done. */
async function recoverAfter(hostFailureWhy: string | undefined, restartInstances: boolean, guests: Record<string, { pid?: number; qemuSaid?: string; behavior?: "stop" | "terminate"; state?: InstanceRecord["state"] }>) {
  const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
  const store = await openStore(":memory:");
  const at = "2026-12-02T10:00:00.000Z";
  const instances: InstanceRecord[] = Object.entries(guests).map(([id, g]) => ({
    id, reservationId: "r-00000000000000001", ownerId: "123456789012", imageId: "ami-00000000000000001", instanceType: "t3.micro",
    state: g.state ?? "running", launchTime: at, az: "us-east-1a", node: "node-1", vcpus: 1, memoryMiB: 512,
    shutdownBehavior: g.behavior ?? "stop", disableApiTermination: false, rootDeviceName: "/dev/xvda", amiLaunchIndex: 0, updatedAt: at,
    ...(g.state === "stopped" ? {} : { pid: g.pid ?? 4242 }),
  }));
  store.instances.insertLaunch({ instances, volumes: [], tags: [] });
  for (const [id, g] of Object.entries(guests)) runDir(dataDir, id, g);
  const lines: string[] = [];
  const manager = new InstanceManager({
    ctx: testContext({ dataDir }),
    store,
    blocks: {} as BlockService,
    bus: { request: async () => { throw new Error("no block service in this test"); } } as unknown as Bus,
    metadata: { attach: async () => {}, detach: async () => {}, close: async () => {} } as unknown as MetadataService,
    log: (l) => lines.push(l),
    restartInstances,
  });
  await manager.recover({ hostFailure: hostFailureWhy });
  await manager.settled();
  await manager.close();
  return { store, lines, reason: (id: string) => store.instances.get(id)!, done: () => store.close() };
}

test("after a host failure with --no-restart-instances: a guest killed under it is stopped, saying it was not restarted", async () => {
  const pid = await deadPid();
  const r = await recoverAfter("every process of the appliance ended at once", false, {
    "i-0000000000000000a": { pid },
    "i-0000000000000000b": { state: "stopped" },
  });
  try {
    const a = r.reason("i-0000000000000000a");
    assert.equal(a.state, "stopped");
    assert.equal(a.stateReasonCode, "Server.InternalError");
    assert.match(a.stateReasonMessage ?? "", /host failure and was not restarted/);
    assert.equal(r.reason("i-0000000000000000b").state, "stopped", "a stopped instance stays stopped");
    assert.equal(r.reason("i-0000000000000000b").stateReasonCode ?? null, null, "and keeps its reason");
    assert.equal(r.lines.filter((l) => /host failure/.test(l)).length, 1, r.lines.join("\n"));
  } finally {
    r.done();
  }
});

test("a guest that powered off while hive was down is stopped as its own shutdown, or terminated per its shutdown behaviour, even after a host failure", async () => {
  const r = await recoverAfter("the host restarted since hive last ran", true, {
    "i-0000000000000000c": {},
    "i-0000000000000000d": { behavior: "terminate" },
  });
  try {
    const c = r.reason("i-0000000000000000c");
    assert.deepEqual([c.state, c.stateReasonCode], ["stopped", "Client.InstanceInitiatedShutdown"]);
    const d = r.reason("i-0000000000000000d");
    assert.deepEqual([d.state, d.stateReasonCode], ["terminated", "Client.InstanceInitiatedShutdown"]);
    assert.ok(!r.lines.some((l) => /restarting/.test(l)), r.lines.join("\n"));
  } finally {
    r.done();
  }
});

test("without a host failure a guest whose QEMU was killed while hive was down is stopped as before, not restarted", async () => {
  const r = await recoverAfter(undefined, true, { "i-0000000000000000e": { pid: await deadPid() } });
  try {
    const e = r.reason("i-0000000000000000e");
    assert.deepEqual([e.state, e.stateReasonCode], ["stopped", "Server.InternalError"]);
    assert.match(e.stateReasonMessage ?? "", /while hive was down/);
  } finally {
    r.done();
  }
});

test("after a host failure a guest killed under it is launched again, with one log line saying why", async () => {
  // No volumes here, so the launch itself fails at its first step: what counts is that it was attempted.
  const r = await recoverAfter("every process of the appliance ended at once", true, { "i-0000000000000000f": { pid: await deadPid() } });
  try {
    assert.ok(r.lines.some((l) => /i-0000000000000000f: taken down by a host failure \(every process.*\); restarting it/.test(l)), r.lines.join("\n"));
    assert.ok(r.lines.some((l) => /i-0000000000000000f: launch failed: .*volume\.mount/.test(l)), r.lines.join("\n"));
  } finally {
    r.done();
  }
});
