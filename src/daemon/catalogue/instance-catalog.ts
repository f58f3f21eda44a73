// The EC2 instance types Hive offers, with AWS's published figures, built into the InstanceTypeInfo shape EC2 returns.

import type { InstanceTypeInfo, _InstanceType } from "@aws-sdk/client-ec2";
import type { CpuVendor, HostFacts } from "../../vm/index.ts";

/** One size row: [size, vCPUs, memory GiB, network performance, max ENIs, IPv4 addresses per ENI]. */
type SizeRow = readonly [size: string, vcpus: number, memGiB: number, network: string, enis: number, ipsPerEni: number];

interface FamilySpec {
  family: string;
  vendor: "intel" | "amd";
  burstable: boolean;
  /** All-core sustained turbo as EC2 reports it; a function where sizes run on different processor generations. */
  clockGhz: number | ((size: string) => number);
  /** Default false. */
  encryptionInTransit?: boolean;
  sizes: readonly SizeRow[];
}

const UP5 = "Up to 5 Gigabit";
const UP10 = "Up to 10 Gigabit";

const burstableSizes = (smallEnis: number, smallIps: number): SizeRow[] => [
  ["nano", 2, 0.5, UP5, 2, 2],
  ["micro", 2, 1, UP5, 2, 2],
  ["small", 2, 2, UP5, smallEnis, smallIps],
  ["medium", 2, 4, UP5, 3, 6],
  ["large", 2, 8, UP5, 3, 12],
  ["xlarge", 4, 16, UP5, 4, 15],
  ["2xlarge", 8, 32, UP5, 4, 15],
];

// General-purpose (1 vCPU : 4 GiB) and memory-optimised (1 : 8) share sizes and network rows; ratio scales memory.
const standardSizes = (gibPerVcpu: number, net: readonly [string, string, string, string, string]): SizeRow[] => [
  ["large", 2, 2 * gibPerVcpu, net[0], 3, 10],
  ["xlarge", 4, 4 * gibPerVcpu, net[0], 4, 15],
  ["2xlarge", 8, 8 * gibPerVcpu, net[0], 4, 15],
  ["4xlarge", 16, 16 * gibPerVcpu, net[0], 8, 30],
  ["8xlarge", 32, 32 * gibPerVcpu, net[1], 8, 30],
  ["12xlarge", 48, 48 * gibPerVcpu, net[2], 8, 30],
  ["16xlarge", 64, 64 * gibPerVcpu, net[3], 15, 50],
  ["24xlarge", 96, 96 * gibPerVcpu, net[4], 15, 50],
];

const INTEL_NET = [UP10, "10 Gigabit", "12 Gigabit", "20 Gigabit", "25 Gigabit"] as const;
const AMD_NET = [UP10, UP10, "10 Gigabit", "12 Gigabit", "20 Gigabit"] as const;

const families: readonly FamilySpec[] = [
  { family: "t3", vendor: "intel", burstable: true, clockGhz: 2.5, sizes: burstableSizes(3, 4) },
  { family: "m5", vendor: "intel", burstable: false, clockGhz: 3.1, sizes: standardSizes(4, INTEL_NET) },
  {
    family: "c5",
    vendor: "intel",
    burstable: false,
    // c5.12xlarge and c5.24xlarge run on 2nd-generation Xeon at 3.6 GHz; the rest on 1st-generation at 3.4.
    clockGhz: (size) => (size === "12xlarge" || size === "24xlarge" ? 3.6 : 3.4),
    sizes: [
      ["large", 2, 4, UP10, 3, 10],
      ["xlarge", 4, 8, UP10, 4, 15],
      ["2xlarge", 8, 16, UP10, 4, 15],
      ["4xlarge", 16, 32, UP10, 8, 30],
      ["9xlarge", 36, 72, "12 Gigabit", 8, 30],
      ["12xlarge", 48, 96, "12 Gigabit", 8, 30],
      ["18xlarge", 72, 144, "25 Gigabit", 15, 50],
      ["24xlarge", 96, 192, "25 Gigabit", 15, 50],
    ],
  },
  { family: "r5", vendor: "intel", burstable: false, clockGhz: 3.1, sizes: standardSizes(8, INTEL_NET) },
  { family: "t3a", vendor: "amd", burstable: true, clockGhz: 2.2, sizes: burstableSizes(2, 4) },
  { family: "m5a", vendor: "amd", burstable: false, clockGhz: 2.5, sizes: standardSizes(4, AMD_NET) },
  {
    family: "c5a",
    vendor: "amd",
    burstable: false,
    clockGhz: 3.3,
    encryptionInTransit: true,
    sizes: [
      ["large", 2, 4, UP10, 3, 10],
      ["xlarge", 4, 8, UP10, 4, 15],
      ["2xlarge", 8, 16, UP10, 4, 15],
      ["4xlarge", 16, 32, UP10, 8, 30],
      ["8xlarge", 32, 64, "10 Gigabit", 8, 30],
      ["12xlarge", 48, 96, "12 Gigabit", 8, 30],
      ["16xlarge", 64, 128, "20 Gigabit", 15, 50],
      ["24xlarge", 96, 192, "20 Gigabit", 15, 50],
    ],
  },
  { family: "r5a", vendor: "amd", burstable: false, clockGhz: 2.5, sizes: standardSizes(8, AMD_NET) },
];

// EC2 lets a type run with fewer cores: one-core types allow only 1, larger ones even counts from 2 (4 at 48+ cores).
const validCores = (cores: number): number[] => {
  if (cores <= 1) return [1];
  const out: number[] = [];
  for (let c = cores >= 48 ? 4 : 2; c <= cores; c += 2) out.push(c);
  return out;
};

// Hibernation needs the RAM image to fit the root volume; EC2 allows it below 150 GiB of memory.
const HIBERNATION_LIMIT_MIB = 150 * 1024;

const FREE_TIER = new Set(["t3.micro"]);

const deepFreeze = <T>(value: T): T => {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};

const build = (f: FamilySpec, [size, vcpus, memGiB, network, enis, ips]: SizeRow): InstanceTypeInfo => {
  const name = `${f.family}.${size}`;
  const memoryMiB = memGiB * 1024;
  const cores = vcpus / 2;
  return {
    InstanceType: name as _InstanceType,
    CurrentGeneration: true,
    FreeTierEligible: FREE_TIER.has(name),
    SupportedUsageClasses: ["on-demand", "spot"],
    SupportedRootDeviceTypes: ["ebs"],
    SupportedVirtualizationTypes: ["hvm"],
    BareMetal: false,
    Hypervisor: "nitro",
    ProcessorInfo: {
      SupportedArchitectures: ["x86_64"],
      SustainedClockSpeedInGhz: typeof f.clockGhz === "number" ? f.clockGhz : f.clockGhz(size),
      Manufacturer: f.vendor === "amd" ? "AMD" : "Intel",
    },
    VCpuInfo: {
      DefaultVCpus: vcpus,
      DefaultCores: cores,
      DefaultThreadsPerCore: 2,
      ValidCores: validCores(cores),
      ValidThreadsPerCore: [1, 2],
    },
    MemoryInfo: { SizeInMiB: memoryMiB },
    InstanceStorageSupported: false,
    EbsInfo: { EbsOptimizedSupport: "default", EncryptionSupport: "supported", NvmeSupport: "required" },
    NetworkInfo: {
      NetworkPerformance: network,
      MaximumNetworkInterfaces: enis,
      MaximumNetworkCards: 1,
      DefaultNetworkCardIndex: 0,
      NetworkCards: [{ NetworkCardIndex: 0, NetworkPerformance: network, MaximumNetworkInterfaces: enis }],
      Ipv4AddressesPerInterface: ips,
      Ipv6AddressesPerInterface: ips,
      Ipv6Supported: true,
      EnaSupport: "required",
      EfaSupported: false,
      EncryptionInTransitSupported: f.encryptionInTransit ?? false,
      EnaSrdSupported: false,
    },
    PlacementGroupInfo: {
      // Burstable types cannot join cluster placement groups.
      SupportedStrategies: f.burstable ? ["partition", "spread"] : ["cluster", "partition", "spread"],
    },
    HibernationSupported: memoryMiB < HIBERNATION_LIMIT_MIB,
    BurstablePerformanceSupported: f.burstable,
    DedicatedHostsSupported: true,
    AutoRecoverySupported: true,
    SupportedBootModes: ["legacy-bios", "uefi"],
    // Enclaves need at least 4 vCPUs and are not offered on burstable types.
    NitroEnclavesSupport: !f.burstable && vcpus >= 4 ? "supported" : "unsupported",
    NitroTpmSupport: "supported",
    NitroTpmInfo: { SupportedVersions: ["2.0"] },
  };
};

const byVendor: Record<"intel" | "amd", readonly InstanceTypeInfo[]> = { intel: [], amd: [] };
const byName = new Map<string, InstanceTypeInfo>();
for (const f of families) {
  const built = f.sizes.map((row) => deepFreeze(build(f, row)));
  byVendor[f.vendor] = [...byVendor[f.vendor], ...built];
  for (const t of built) byName.set(t.InstanceType!, t);
}

/** Every instance type Hive knows, whatever the host. */
export const allInstanceTypes = (): InstanceTypeInfo[] => [...byName.values()];

/** A type by name, from the whole catalog; undefined if Hive does not know it. */
export const findInstanceType = (name: string): InstanceTypeInfo | undefined => byName.get(name);

/** The families a host of this CPU vendor runs: AMD hosts the "a" families, everyone else the Intel ones. */
export const catalogFor = (vendor: CpuVendor): InstanceTypeInfo[] => [...byVendor[vendor === "amd" ? "amd" : "intel"]];

/** Whether one instance of this type fits this host at all: vCPUs and memory both within the host's. */
export const fitsHost = (type: InstanceTypeInfo, host: HostFacts): boolean =>
  (type.VCpuInfo?.DefaultVCpus ?? Infinity) <= host.vcpus && (type.MemoryInfo?.SizeInMiB ?? Infinity) <= host.memoryMiB;

/** The types this host can run, sorted by name. */
export const instanceTypesFor = (host: HostFacts): InstanceTypeInfo[] =>
  catalogFor(host.cpuVendor)
    .filter((t) => fitsHost(t, host))
    .sort((a, b) => compareNames(a.InstanceType!, b.InstanceType!));

/** Plain code-unit order, identical on every node, so the gateway's merge is stable. */
export const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
