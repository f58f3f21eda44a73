// Named, timed steps for bringing a VM up: each is logged with its duration, and a failure names its step.

import { tailFile } from "../runtime/index.ts";
import type { VmLog } from "./running-vm.ts";

/** A launch or reattach failed at `step`; `qemuLogTail` is what QEMU said last. */
export class VmStepError extends Error {
  readonly instanceId: string;
  readonly step: string;
  readonly qemuLogTail: string;

  constructor(instanceId: string, step: string, cause: unknown, qemuLogTail: string) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`vm ${instanceId}: step ${step} failed: ${why}${qemuLogTail ? `\nqemu.log:\n${qemuLogTail}` : ""}`, { cause });
    this.name = "VmStepError";
    this.instanceId = instanceId;
    this.step = step;
    this.qemuLogTail = qemuLogTail;
  }
}

/** Runs a VM's start-up as named steps; the daemon's steps (volume, seed, network) and QEMU's share one runner. */
export class StepRunner {
  /** The step running now, or the last one started. */
  current = "";

  constructor(
    private readonly instanceId: string,
    private readonly log: VmLog,
  ) {}

  async run<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    this.current = name;
    const t0 = performance.now();
    try {
      const result = await fn();
      this.log(`vm ${this.instanceId} step ${name} ${Math.round(performance.now() - t0)} ms`);
      return result;
    } catch (err) {
      this.log(`vm ${this.instanceId} step ${name} failed after ${Math.round(performance.now() - t0)} ms: ${(err as Error).message}`);
      throw err;
    }
  }

  /** The error to throw for a failure in the current step, with the end of qemu.log once QEMU has one to say. */
  fail(err: unknown, qemuLog?: string): VmStepError {
    if (err instanceof VmStepError) return err;
    return new VmStepError(this.instanceId, this.current, err, qemuLog ? tailFile(qemuLog, 2048).toString("utf8").trim() : "");
  }
}
