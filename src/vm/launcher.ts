// Starts QEMU for a VM as a detached process that outlives Hive, in named steps, and hands back a RunningVm.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { QmpClient } from "../qmp/index.ts";
import { qemuArgs, type VmSpec } from "./qemu-args.ts";
import { pidRunning, processIdentity, readPidFile, signal, waitForExit } from "../runtime/index.ts";
import { isQemuFor } from "./qemu-process.ts";
import { prepareRunDir, runPaths, vmSockets } from "./run-dir.ts";
import { LOG_MARK, QemuVm, type RunningVm, type VmLog } from "./running-vm.ts";
import { StepRunner } from "./steps.ts";

export interface LaunchOptions {
  log: VmLog;
  /** The QEMU binary; default $HIVE_QEMU or qemu-system-x86_64 from PATH. */
  qemuBinary?: string;
  /** Budget for pidfile + QMP + first query-status; default 30 s. */
  readyTimeoutMs?: number;
  /** The runner of the launch's earlier steps, so QEMU's steps continue it; default a new one. */
  steps?: StepRunner;
  /** A command that runs QEMU in another network namespace (`nsenter --net=… --`): it execs QEMU, so the pid is QEMU's. */
  netnsPrefix?: string[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function launchVm(spec: VmSpec, opts: LaunchOptions): Promise<RunningVm> {
  const { log } = opts;
  const id = spec.instanceId;
  const paths = runPaths(spec.runDir);
  const sockets = vmSockets(spec.socketDir);
  const steps = opts.steps ?? new StepRunner(id, log);
  const binary = opts.qemuBinary ?? process.env.HIVE_QEMU ?? "qemu-system-x86_64";
  const readyBy = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  let child: ChildProcess | undefined;
  let qmp: QmpClient | undefined;
  try {
    await steps.run("rundir.prepare", () => {
      const old = readPidFile(paths.pidFile);
      if (old !== undefined && pidRunning(old) && isQemuFor(old, id)) throw new Error(`QEMU for ${id} is already running as pid ${old}`);
      prepareRunDir(spec.runDir, spec.socketDir);
      writeFileSync(paths.consoleStart, `${fileSize(paths.consoleLog)}\n`);
    });

    const args = qemuArgs(spec);
    const [cmd, ...argv] = [...(opts.netnsPrefix ?? []), binary, ...args];
    child = await steps.run("qemu.spawn", () => spawnDetached(cmd!, argv, paths.qemuLog));
    const spawned = child;
    // Rejects when QEMU exits during start-up, so no later step waits for a process that is gone.
    const died = new Promise<never>((_, reject) => {
      spawned.once("exit", (code, sig) => reject(new Error(`QEMU exited during start-up (${sig ? `signal ${sig}` : `exit code ${code}`})`)));
    });
    died.catch(() => {});

    const pid = await steps.run("qemu.pidfile", () => Promise.race([waitForPidFile(paths.pidFile, spawned.pid!, readyBy), died]));
    qmp = await steps.run("qmp.connect", () =>
      Promise.race([QmpClient.connect(sockets.qmp, { timeoutMs: Math.max(1, readyBy - Date.now()) }), died]),
    );
    const monitor = qmp;
    await steps.run("qemu.verify", async () => {
      const status = await Promise.race([monitor.queryStatus(), died]);
      if (!status.running) throw new Error(`QEMU is ${status.status}, not running`);
    });
    const identity = processIdentity(pid);
    if (identity === undefined) throw new Error("QEMU exited during start-up");
    return new QemuVm({ instanceId: id, pid, identity, qmp, runDir: spec.runDir, log, child });
  } catch (err) {
    const error = steps.fail(err, paths.qemuLog);
    await qmp?.close();
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      signal(child.pid, "SIGKILL");
      await waitForExit(child.pid, 2_000);
    }
    throw error;
  }
}

/** Spawns QEMU in its own session with output to qemu.log, and lets go of it so it survives us. */
function spawnDetached(binary: string, args: string[], logPath: string): Promise<ChildProcess> {
  const fd = openSync(logPath, "a", 0o600);
  try {
    writeSync(fd, `${LOG_MARK} ${new Date().toISOString()} ${binary} ${args.join(" ")}\n`);
    const child = spawn(binary, args, { detached: true, stdio: ["ignore", fd, fd] });
    return new Promise<ChildProcess>((resolve, reject) => {
      child.once("error", reject);
      child.once("spawn", () => {
        child.unref();
        resolve(child);
      });
    });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(fd);
  }
}

/** QEMU writes its pidfile early in start-up; it must name the process we spawned. */
async function waitForPidFile(path: string, expected: number, readyBy: number): Promise<number> {
  for (;;) {
    const pid = readPidFile(path);
    if (pid === expected) return pid;
    if (Date.now() > readyBy) throw new Error(pid === undefined ? "no pidfile" : `pidfile names ${pid}, we started ${expected}`);
    await sleep(10);
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
