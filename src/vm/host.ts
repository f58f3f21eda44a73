// What this machine offers to VMs: CPUs, memory, CPU vendor, architecture and KVM access, probed once.

import { accessSync, constants, readFileSync } from "node:fs";
import os from "node:os";

export type CpuVendor = "intel" | "amd" | "other";
export type HostArch = "x86_64" | "arm64" | "other";

export interface HostFacts {
  vcpus: number;
  memoryMiB: number;
  cpuVendor: CpuVendor;
  arch: HostArch;
  /** /dev/kvm exists and this process may open it read-write. */
  kvm: boolean;
}

/** Reads the vendor from /proc/cpuinfo text; anything not Intel or AMD (including ARM, which has no vendor_id) is "other". */
export const cpuVendorFrom = (cpuinfo: string): CpuVendor => {
  const m = /^vendor_id\s*:\s*(\S+)/m.exec(cpuinfo);
  if (m?.[1] === "GenuineIntel") return "intel";
  if (m?.[1] === "AuthenticAMD") return "amd";
  return "other";
};

/** Maps Node's process.arch to the names EC2 uses. */
export const archFrom = (nodeArch: string): HostArch =>
  nodeArch === "x64" ? "x86_64" : nodeArch === "arm64" ? "arm64" : "other";

const readCpuinfo = (): string => {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
};

/** The CPU advertises hardware virtualisation (Intel VT-x or AMD-V). */
export const hasVirtFlags = (cpuinfo: string): boolean => /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);

/**
 * KVM is used when /dev/kvm is open to us AND the CPU shows VT-x/AMD-V: a /dev/kvm without them (some nested
 * sandboxes) makes QEMU stop with "KVM internal error". HIVE_ACCEL=kvm|tcg overrides the probe.
 */
export const kvmUsable = (cpuinfo: string, env = process.env.HIVE_ACCEL): boolean => {
  if (env === "tcg") return false;
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  return env === "kvm" || hasVirtFlags(cpuinfo);
};

/** Probes the host now, without the cache. */
export const probeHostFacts = (): HostFacts => {
  const cpuinfo = readCpuinfo();
  return {
    vcpus: typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length,
    memoryMiB: Math.floor(os.totalmem() / (1024 * 1024)),
    cpuVendor: cpuVendorFrom(cpuinfo),
    arch: archFrom(process.arch),
    kvm: kvmUsable(cpuinfo),
  };
};

let cached: HostFacts | undefined;

/** The host's facts, probed on first call; they do not change while the daemon runs. */
export const hostFacts = (): HostFacts => (cached ??= Object.freeze(probeHostFacts()));
