// Re-adopts a QEMU that kept running while Hive restarted (pidfile, process identity, then QMP), or tells how it ended.

import { QmpClient } from "../qmp/index.ts";
import { pidRunning, processIdentity, readPidFile } from "../runtime/index.ts";
import { isQemuFor } from "./qemu-process.ts";
import { qemuOutputSinceLaunch, runPaths, vmSockets } from "./run-dir.ts";
import { LOG_MARK, QemuVm, type RunningVm, type VmLog } from "./running-vm.ts";
import { StepRunner } from "./steps.ts";

export interface ReattachOptions {
  log: VmLog;
  /** How long to try the QMP socket; default 5 s. */
  qmpTimeoutMs?: number;
}

/**
 * The running VM, or undefined when its QEMU is gone (or the pid now belongs to something else). `socketDir` is the
 * one it was launched with: its QMP socket is found there again.
 */
export async function reattachVm(instanceId: string, runDir: string, socketDir: string, opts: ReattachOptions): Promise<RunningVm | undefined> {
  const { log } = opts;
  const paths = runPaths(runDir);
  const steps = new StepRunner(instanceId, log);
  let qmp: QmpClient | undefined;
  try {
    const pid = await steps.run("pidfile.read", () => readPidFile(paths.pidFile));
    if (pid === undefined) {
      log(`vm ${instanceId} reattach: no pidfile, not running`);
      return undefined;
    }
    const identity = await steps.run("process.check", () => (pidRunning(pid) && isQemuFor(pid, instanceId) ? processIdentity(pid) : undefined));
    if (identity === undefined) {
      log(`vm ${instanceId} reattach: pid ${pid} is not this instance's QEMU, not running`);
      return undefined;
    }
    qmp = await steps.run("qmp.connect", () => QmpClient.connect(vmSockets(socketDir).qmp, { timeoutMs: opts.qmpTimeoutMs ?? 5_000 }));
    const monitor = qmp;
    const status = await steps.run("qemu.verify", () => monitor.queryStatus());
    log(`vm ${instanceId} reattached to pid ${pid} (${status.status})`);
    return new QemuVm({ instanceId, pid, identity, qmp, runDir, log });
  } catch (err) {
    await qmp?.close();
    throw steps.fail(err, paths.qemuLog);
  }
}

/**
 * How a QEMU that was not re-adopted ended, from what it left behind. alive: it still runs (its monitor did not
 * answer); exited: it removed its pidfile, as QEMU does whenever it exits on its own (the guest powered off, or a
 * quit); signalled: likewise, after SIGTERM/SIGINT (a host shutting down says so in qemu.log); vanished: its pidfile
 * names a process that is gone, so it never got to clean up: SIGKILL, a crash, or the host lost power.
 */
export type QemuEnding = "alive" | "exited" | "signalled" | "vanished";

export function qemuEnding(instanceId: string, runDir: string): QemuEnding {
  const paths = runPaths(runDir);
  const pid = readPidFile(paths.pidFile);
  if (pid !== undefined) return pidRunning(pid) && isQemuFor(pid, instanceId) ? "alive" : "vanished";
  return /terminating on signal/.test(qemuOutputSinceLaunch(paths.qemuLog, LOG_MARK)) ? "signalled" : "exited";
}
