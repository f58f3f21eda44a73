// Virtual machines on this host: host facts, the QEMU command line, launching, re-adopting and watching QEMU, the console.

export { hostFacts, probeHostFacts, cpuVendorFrom, archFrom, type HostFacts, type CpuVendor, type HostArch } from "./host.ts";
export { qemuArgs, qemuValue, USER_NET, type SystemIdentity, type VmSpec } from "./qemu-args.ts";
export {
  attachDisk,
  detachDisk,
  resizeDisk,
  setDiskThrottle,
  diskThrottle,
  pluggedDisks,
} from "./disks.ts";
export { diskNames, nbdNode, volumeSerial, HOTPLUG_PORTS, type DataDisk, type DiskThrottle, type DiskNames, type NbdSource } from "./disk-layout.ts";
export { writeSeedIso, type SeedFiles } from "./seed-iso.ts";
export { launchVm, type LaunchOptions } from "./launcher.ts";
export { qemuEnding, reattachVm, type QemuEnding, type ReattachOptions } from "./reattach.ts";
export { readConsole, type ConsoleOutput, type ReadConsoleOptions } from "./console.ts";
export { runPaths, vmSockets, type RunPaths, type VmSockets } from "./run-dir.ts";
export { StepRunner, VmStepError } from "./steps.ts";
export type { RunningVm, VmExitInfo, VmExitReason, VmStopOptions, VmLog } from "./running-vm.ts";
