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
  /** Why KVM is not used, when it is not: no device, no permission, no VT-x/AMD-V, or HIVE_ACCEL=tcg. */
  kvmWhyNot?: string;
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

export interface KvmProbe {
  usable: boolean;
  /** Why not, in words an operator can act on; absent when usable. */
  whyNot?: string;
}

/**
 * KVM is used when /dev/kvm is open to us AND the CPU shows VT-x/AMD-V: a /dev/kvm without them (some nested
 * sandboxes) makes QEMU stop with "KVM internal error". HIVE_ACCEL=kvm|tcg overrides the probe.
 */
export const probeKvm = (cpuinfo: string, env = process.env.HIVE_ACCEL, device = "/dev/kvm"): KvmProbe => {
  if (env === "tcg") return { usable: false, whyNot: "HIVE_ACCEL=tcg asks for software emulation" };
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      return { usable: false, whyNot: `there is no ${device} (the kvm module is not loaded, virtualisation is off in the firmware, or this is a VM without nested virtualisation)` };
    }
    const user = os.userInfo().username;
    return { usable: false, whyNot: `${user} may not open ${device} (${code}): add ${user} to its group (usually kvm: usermod -aG kvm ${user}) and log in again` };
  }
  if (env === "kvm" || hasVirtFlags(cpuinfo)) return { usable: true };
  return { usable: false, whyNot: `${device} is there but the CPU shows no vmx or svm flag (VT-x/AMD-V), as in some nested sandboxes, where QEMU would stop with "KVM internal error"; HIVE_ACCEL=kvm forces it` };
};

export const kvmUsable = (cpuinfo: string, env = process.env.HIVE_ACCEL): boolean => probeKvm(cpuinfo, env).usable;

/** Probes the host now, without the cache. */
export const probeHostFacts = (): HostFacts => {
  const cpuinfo = readCpuinfo();
  const kvm = probeKvm(cpuinfo);
  return {
    vcpus: typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length,
    memoryMiB: Math.floor(os.totalmem() / (1024 * 1024)),
    cpuVendor: cpuVendorFrom(cpuinfo),
    arch: archFrom(process.arch),
    kvm: kvm.usable,
    ...(kvm.whyNot ? { kvmWhyNot: kvm.whyNot } : {}),
  };
};

let cached: HostFacts | undefined;

/** The host's facts, probed on first call; they do not change while the daemon runs. */
export const hostFacts = (): HostFacts => (cached ??= Object.freeze(probeHostFacts()));
