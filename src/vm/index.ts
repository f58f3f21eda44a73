// Virtual machines on this host; for now only the facts about the host itself.

export { hostFacts, probeHostFacts, cpuVendorFrom, archFrom, type HostFacts, type CpuVendor, type HostArch } from "./host.ts";
