// Real QEMU launched from a VmSpec with its root disk over NBD: launch, reboot, reattach, stop, crash, and a real guest.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { launchVm, reattachVm, readConsole, VmStepError, type RunningVm, type VmExitInfo, type VmSpec } from "../../src/vm/index.ts";
import { killAll, pidAlive, qemuPidsFor, serveNbd, tempDir, waitFor, type NbdDisk } from "./qemu-harness.ts";

const dir = tempDir("vm");
const lines: string[] = [];
const log = (line: string) => lines.push(line);
const vms = new Set<number>();
let disk: NbdDisk;
let serial = 0;

before(async () => {
  disk = await serveNbd(dir.path);
});
after(async () => {
  await killAll(vms);
  await disk?.stop();
  dir.remove();
});

const spec = (extra: Partial<VmSpec> = {}): VmSpec => {
  const instanceId = `i-${(0x1000 + ++serial).toString(16).padStart(17, "0")}`;
  return {
    instanceId,
    vcpus: 1,
    memoryMiB: 128,
    kvm: false,
    rootDisk: { volumeId: "vol-root", nbdSocket: disk.socket, exportName: disk.exportName },
    runDir: join(dir.path, instanceId),
    socketDir: join(dir.path, `${instanceId}-sockets`),
    ...extra,
  };
};

async function launch(s: VmSpec): Promise<RunningVm> {
  const vm = await launchVm(s, { log });
  vms.add(vm.pid);
  return vm;
}

const exitOf = (vm: RunningVm) => new Promise<VmExitInfo>((resolve) => vm.onExit(resolve));

describe("blank disk over NBD (SeaBIOS finds nothing to boot; QEMU runs)", () => {
  test("launch → running; reboot keeps the pid; reattach after a 'restart'; force stop → killed", async () => {
    const s = spec();
    const t0 = performance.now();
    const vm = await launch(s);
    const readyMs = Math.round(performance.now() - t0);
    log(`spawn → QMP ready: ${readyMs} ms`);
    for (const step of ["rundir.prepare", "qemu.spawn", "qemu.pidfile", "qmp.connect", "qemu.verify"]) {
      assert.ok(lines.some((l) => new RegExp(`^vm ${s.instanceId} step ${step.replace(".", "\\.")} \\d+ ms$`).test(l)), `step ${step} logged`);
    }
    assert.deepEqual(await vm.qmp.queryStatus(), { status: "running", running: true });
    assert.equal(Number(readFileSync(join(s.runDir, "qemu.pid"), "utf8")), vm.pid);
    assert.ok(readFileSync(`/proc/${vm.pid}/cmdline`, "utf8").split("\0").includes(`guest=${s.instanceId}`));
    const blocks = await vm.qmp.queryBlock();
    assert.equal(blocks[0].inserted?.["node-name"], "vol-root");
    assert.equal(blocks[0].inserted?.drv, "throttle");
    // QEMU runs in its own session, so it outlives a hive that is killed with its process group.
    assert.equal(readFileSync(`/proc/${vm.pid}/stat`, "utf8").split(") ")[1].split(" ")[3], String(vm.pid));

    const reset = vm.qmp.waitForEvent("RESET", { timeoutMs: 5_000 });
    await vm.reboot();
    await reset;
    assert.equal((await vm.qmp.queryStatus()).running, true);
    assert.ok(pidAlive(vm.pid));
    assert.equal(Number(readFileSync(join(s.runDir, "qemu.pid"), "utf8")), vm.pid);

    await assert.rejects(launchVm(s, { log }), (err: unknown) => err instanceof VmStepError && err.step === "rundir.prepare");

    // A hive restart: the first hive lets go without stopping QEMU, a fresh one re-adopts it.
    let firstSawExit = false;
    vm.onExit(() => (firstSawExit = true));
    await vm.detach();
    assert.ok(pidAlive(vm.pid));
    const again = await reattachVm(s.instanceId, s.runDir, s.socketDir, { log });
    assert.ok(again);
    assert.equal(again.pid, vm.pid);
    assert.deepEqual(await again.qmp.queryStatus(), { status: "running", running: true });
    const exited = exitOf(again);
    await again.stop({ force: true });
    assert.equal((await exited).reason, "killed");
    assert.equal(again.exitInfo?.reason, "killed");
    assert.ok(!pidAlive(vm.pid));
    assert.equal(firstSawExit, false);
    assert.equal(await reattachVm(s.instanceId, s.runDir, s.socketDir, { log }), undefined);
    // onExit after the fact still reports.
    assert.equal((await exitOf(again)).reason, "killed");
  });

  test("a QEMU SIGKILLed from outside → crashed", async () => {
    const vm = await launch(spec());
    const exited = exitOf(vm);
    process.kill(vm.pid, "SIGKILL");
    const info = await exited;
    assert.equal(info.reason, "crashed");
    assert.match(info.detail ?? "", /SIGKILL|without a SHUTDOWN/);
  });

  test("a re-adopted QEMU (not our child) SIGKILLed from outside → crashed", async () => {
    const s = spec();
    const first = await launch(s);
    await first.detach();
    const vm = (await reattachVm(s.instanceId, s.runDir, s.socketDir, { log }))!;
    const exited = exitOf(vm);
    const t0 = Date.now();
    process.kill(vm.pid, "SIGKILL");
    assert.equal((await exited).reason, "crashed");
    assert.ok(Date.now() - t0 < 2_000);
  });

  test("stop() on a guest that ignores ACPI falls back to ending QEMU after timeoutMs", async () => {
    const vm = await launch(spec());
    const exited = exitOf(vm);
    const t0 = Date.now();
    await vm.stop({ timeoutMs: 2_000 });
    const took = Date.now() - t0;
    assert.ok(took >= 2_000 && took < 8_000, `took ${took} ms`);
    const info = await exited;
    assert.equal(info.reason, "killed");
    assert.ok(!pidAlive(vm.pid));
  });

  test("reattach: no pidfile, a pid that is not this instance's QEMU → undefined", async () => {
    const s = spec();
    assert.equal(await reattachVm(s.instanceId, s.runDir, s.socketDir, { log }), undefined);
    execFileSync("mkdir", ["-p", s.runDir]);
    writeFileSync(join(s.runDir, "qemu.pid"), `${process.pid}\n`);
    assert.equal(await reattachVm(s.instanceId, s.runDir, s.socketDir, { log }), undefined);
  });

  test("a failed step names itself, carries qemu.log's tail, and leaves no QEMU behind", async () => {
    const s = spec({ rootDisk: { volumeId: "vol-root", nbdSocket: join(dir.path, "no-such-nbd.sock"), exportName: "vol" } });
    await assert.rejects(launchVm(s, { log }), (err: unknown) => {
      assert.ok(err instanceof VmStepError);
      assert.ok(["qemu.pidfile", "qmp.connect"].includes(err.step), err.step);
      assert.match(err.message, new RegExp(`step ${err.step.replace(".", "\\.")} failed`));
      assert.match(err.qemuLogTail, /no-such-nbd\.sock|Failed to connect/);
      return true;
    });
    assert.deepEqual(qemuPidsFor(s.instanceId), []);

    const missing = spec();
    await assert.rejects(launchVm(missing, { log, qemuBinary: "/nonexistent/qemu-system-x86_64" }), (err: unknown) => {
      assert.ok(err instanceof VmStepError);
      assert.equal(err.step, "qemu.spawn");
      assert.match(err.message, /ENOENT/);
      return true;
    });
  });
});

const GUEST_IMAGE = resolve(import.meta.dirname, "../../build/test-guest/hive-test-guest.raw");

describe("the Debian test guest over NBD", () => {
  test(
    "boots to HIVE-GUEST-READY on the serial console and powers off cleanly on ACPI",
    { skip: existsSync(GUEST_IMAGE) ? false : `no test guest image at ${GUEST_IMAGE} yet (being built separately)`, timeout: 600_000 },
    async () => {
      const gdir = tempDir("vm-guest");
      // A qcow2 overlay keeps the shared image untouched.
      const overlay = join(gdir.path, "root.qcow2");
      execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", GUEST_IMAGE, overlay]);
      const gdisk = await serveNbd(gdir.path, { image: overlay });
      try {
        const s = spec({ vcpus: 2, memoryMiB: 512, rootDisk: { volumeId: "vol-root", nbdSocket: gdisk.socket, exportName: gdisk.exportName } });
        const t0 = Date.now();
        const vm = await launch(s);
        const exited = exitOf(vm);
        await waitFor("HIVE-GUEST-READY on the console", () => readConsole(s.runDir, { latest: true }).data.includes("HIVE-GUEST-READY uptime="), 300_000);
        log(`guest ready after ${Date.now() - t0} ms under ${s.kvm ? "KVM" : "TCG"}`);
        await vm.stop({ timeoutMs: 120_000 });
        assert.equal((await exited).reason, "guest-shutdown");
      } finally {
        await gdisk.stop();
        gdir.remove();
      }
    },
  );
});

after(() => {
  if (process.env.HIVE_TEST_VERBOSE) console.error(lines.join("\n"));
});
