// A QEMU process Hive manages, launched or re-adopted: stop, reboot, and notice when and why it ended.

import type { ChildProcess } from "node:child_process";
import type { QmpClient, QmpShutdownData } from "../qmp/index.ts";
import { pidRunning, signal } from "../runtime/index.ts";
import { qemuOutputSinceLaunch, runPaths } from "./run-dir.ts";

export type VmLog = (line: string) => void;

/** Lines Hive itself writes into qemu.log start with this, to tell them from QEMU's own. */
export const LOG_MARK = "hive:";

/** guest-shutdown: the guest powered off; killed: Hive or an operator ended QEMU; crashed: it died on its own. */
export type VmExitReason = "guest-shutdown" | "killed" | "crashed";

export interface VmExitInfo {
  reason: VmExitReason;
  detail?: string;
}

export interface VmStopOptions {
  /** Skip the ACPI power-off and end QEMU at once. */
  force?: boolean;
  /** How long the guest may take to power off before QEMU is ended; default 60 s. */
  timeoutMs?: number;
}

export interface RunningVm {
  readonly instanceId: string;
  readonly pid: number;
  readonly qmp: QmpClient;
  readonly runDir: string;
  /** Set once QEMU has gone. */
  readonly exitInfo: VmExitInfo | undefined;
  /** ACPI power-off, then quit/SIGKILL after timeoutMs (at once with force); resolves when QEMU is gone. */
  stop(opts?: VmStopOptions): Promise<void>;
  /** system_reset: the guest reboots in the same QEMU process. */
  reboot(): Promise<void>;
  /** Called once when QEMU ends (at once if it has ended already). */
  onExit(cb: (info: VmExitInfo) => void): void;
  /** Stops watching and closes QMP, leaving QEMU running for a later reattachVm (a hive restart). */
  detach(): Promise<void>;
}

export interface QemuVmInit {
  instanceId: string;
  pid: number;
  /** From processIdentity(): tells our QEMU from a later process given the same pid. */
  identity: string;
  qmp: QmpClient;
  runDir: string;
  log: VmLog;
  /** Only when we spawned it in this process: its exit event is a faster signal than polling. */
  child?: ChildProcess;
}

const POLL_MS = 500;
// After the monitor closes QEMU is on its way out; look closely until it is gone.
const FAST_POLL_MS = 50;
const FAST_POLL_FOR_MS = 10_000;
const QUIT_TIMEOUT_MS = 2_000;
const KILL_WAIT_MS = 5_000;

export class QemuVm implements RunningVm {
  readonly instanceId: string;
  readonly pid: number;
  readonly qmp: QmpClient;
  readonly runDir: string;
  private readonly identity: string;
  private readonly log: VmLog;
  private readonly listeners: ((info: VmExitInfo) => void)[] = [];
  private readonly exited: Promise<VmExitInfo>;
  private resolveExited!: (info: VmExitInfo) => void;
  private info?: VmExitInfo;
  private shutdownEvent?: QmpShutdownData;
  private hostAction?: string;
  private childExit?: string;
  private poll?: ReturnType<typeof setInterval>;
  private fastPoll?: ReturnType<typeof setInterval>;
  private fastPollSince?: number;
  private stopping?: Promise<void>;
  private detached = false;

  constructor(init: QemuVmInit) {
    this.instanceId = init.instanceId;
    this.pid = init.pid;
    this.qmp = init.qmp;
    this.runDir = init.runDir;
    this.identity = init.identity;
    this.log = init.log;
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.qmp.on("event", (name, data) => {
      if (name === "SHUTDOWN") this.shutdownEvent = data as unknown as QmpShutdownData;
    });
    this.qmp.on("close", () => this.check());
    init.child?.once("exit", (code, sig) => {
      this.childExit = sig ? `signal ${sig}` : `exit code ${code}`;
      this.check();
    });
    this.poll = setInterval(() => this.check(), POLL_MS);
    this.poll.unref?.();
  }

  get exitInfo(): VmExitInfo | undefined {
    return this.info;
  }

  stop(opts: VmStopOptions = {}): Promise<void> {
    if (this.info) return Promise.resolve();
    // A second graceful stop joins the first; a forced one ends QEMU now whatever is pending.
    if (opts.force) return this.kill("forced stop");
    this.stopping ??= this.powerOff(opts.timeoutMs ?? 60_000).finally(() => (this.stopping = undefined));
    return this.stopping;
  }

  private async powerOff(timeoutMs: number): Promise<void> {
    this.log(`vm ${this.instanceId} stop: ACPI power-off, waiting up to ${timeoutMs} ms`);
    try {
      await this.qmp.powerdown();
    } catch (err) {
      // A monitor that cannot deliver the power button leaves only the hard way.
      this.log(`vm ${this.instanceId} stop: system_powerdown failed (${(err as Error).message}), ending QEMU`);
      return this.kill("stop: power button failed");
    }
    if (await this.waitExit(timeoutMs)) return;
    this.log(`vm ${this.instanceId} stop: guest did not power off within ${timeoutMs} ms, ending QEMU`);
    await this.kill("stop timed out");
  }

  async reboot(): Promise<void> {
    if (this.info) throw new Error(`vm ${this.instanceId}: not running (${this.info.reason})`);
    await this.qmp.reset();
  }

  onExit(cb: (info: VmExitInfo) => void): void {
    const info = this.info;
    if (info) queueMicrotask(() => cb(info));
    else this.listeners.push(cb);
  }

  async detach(): Promise<void> {
    this.detached = true;
    this.clearPolls();
    await this.qmp.close();
  }

  /** quit over QMP (QEMU flushes and closes its disks), then SIGKILL if it lingers. */
  private async kill(why: string): Promise<void> {
    this.hostAction = why;
    if (!this.qmp.closed) {
      try {
        await this.qmp.quit({ timeoutMs: QUIT_TIMEOUT_MS });
      } catch {
        // A hung monitor is what SIGKILL is for.
      }
      if (await this.waitExit(QUIT_TIMEOUT_MS)) return;
    }
    if (!pidRunning(this.pid, this.identity)) {
      this.check();
      return;
    }
    this.log(`vm ${this.instanceId} stop: SIGKILL ${this.pid}`);
    signal(this.pid, "SIGKILL");
    if (!(await this.waitExit(KILL_WAIT_MS))) throw new Error(`vm ${this.instanceId}: QEMU pid ${this.pid} survived SIGKILL`);
  }

  /** True if QEMU ended within timeoutMs. */
  private waitExit(timeoutMs: number): Promise<boolean> {
    if (this.info) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private check(): void {
    if (this.info || this.detached) return;
    if (pidRunning(this.pid, this.identity)) {
      if (this.qmp.closed && this.fastPollSince === undefined) {
        // Kept referenced: it ends within moments, and whoever awaits the exit must not see the loop drain first.
        this.fastPollSince = Date.now();
        this.fastPoll = setInterval(() => this.check(), FAST_POLL_MS);
      } else if (this.fastPoll && Date.now() - (this.fastPollSince ?? 0) > FAST_POLL_FOR_MS) {
        // QEMU closed its monitor but lives on: back to the slow poll rather than spin.
        clearInterval(this.fastPoll);
        this.fastPoll = undefined;
        this.log(`vm ${this.instanceId} QMP closed but pid ${this.pid} is still running`);
      }
      return;
    }
    this.finish(this.classify());
  }

  /** The SHUTDOWN event says who asked: the guest (guest: true) or the host; no event at all means QEMU died. */
  private classify(): VmExitInfo {
    const ev = this.shutdownEvent;
    if (ev?.guest) return ev.reason === "guest-panic" ? { reason: "crashed", detail: "guest-panic" } : { reason: "guest-shutdown", detail: ev.reason };
    if (ev) return { reason: "killed", detail: this.hostAction ? `${this.hostAction} (${ev.reason})` : ev.reason };
    if (this.hostAction) return { reason: "killed", detail: this.hostAction };
    const lastLog = qemuOutputSinceLaunch(runPaths(this.runDir).qemuLog, LOG_MARK).split("\n").pop();
    const detail = [this.childExit ?? "QEMU ended without a SHUTDOWN event", lastLog].filter(Boolean).join("; ");
    return { reason: "crashed", detail };
  }

  private finish(info: VmExitInfo): void {
    this.info = info;
    this.clearPolls();
    void this.qmp.close();
    this.log(`vm ${this.instanceId} exited: ${info.reason}${info.detail ? ` (${info.detail})` : ""}`);
    this.resolveExited(info);
    for (const cb of this.listeners.splice(0)) {
      try {
        cb(info);
      } catch (err) {
        this.log(`vm ${this.instanceId} onExit callback threw: ${(err as Error).message}`);
      }
    }
  }

  private clearPolls(): void {
    if (this.poll) clearInterval(this.poll);
    if (this.fastPoll) clearInterval(this.fastPoll);
    this.poll = this.fastPoll = undefined;
  }
}
