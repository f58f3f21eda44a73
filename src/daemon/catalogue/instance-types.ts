// DescribeInstanceTypes: the catalog types that fit this host, narrowed by name and filters; the gateway paginates.

import type { DescribeInstanceTypesRequest, DescribeInstanceTypesResult, InstanceTypeInfo } from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { applyFilters, type FilterFields } from "../shared/index.ts";
import { findInstanceType, instanceTypesFor } from "./instance-catalog.ts";

const fields: FilterFields<InstanceTypeInfo> = {
  "instance-type": (t) => t.InstanceType,
  "current-generation": (t) => t.CurrentGeneration,
  "free-tier-eligible": (t) => t.FreeTierEligible,
  "burstable-performance-supported": (t) => t.BurstablePerformanceSupported,
  "bare-metal": (t) => t.BareMetal,
  hypervisor: (t) => t.Hypervisor,
  "instance-storage-supported": (t) => t.InstanceStorageSupported,
  "hibernation-supported": (t) => t.HibernationSupported,
  "dedicated-hosts-supported": (t) => t.DedicatedHostsSupported,
  "auto-recovery-supported": (t) => t.AutoRecoverySupported,
  "supported-boot-mode": (t) => t.SupportedBootModes,
  "supported-usage-class": (t) => t.SupportedUsageClasses,
  "supported-root-device-type": (t) => t.SupportedRootDeviceTypes,
  "supported-virtualization-type": (t) => t.SupportedVirtualizationTypes,
  "nitro-enclaves-support": (t) => t.NitroEnclavesSupport,
  "nitro-tpm-support": (t) => t.NitroTpmSupport,
  "nitro-tpm-info.supported-versions": (t) => t.NitroTpmInfo?.SupportedVersions,
  "vcpu-info.default-vcpus": (t) => t.VCpuInfo?.DefaultVCpus,
  "vcpu-info.default-cores": (t) => t.VCpuInfo?.DefaultCores,
  "vcpu-info.default-threads-per-core": (t) => t.VCpuInfo?.DefaultThreadsPerCore,
  "vcpu-info.valid-cores": (t) => t.VCpuInfo?.ValidCores,
  "vcpu-info.valid-threads-per-core": (t) => t.VCpuInfo?.ValidThreadsPerCore,
  "memory-info.size-in-mib": (t) => t.MemoryInfo?.SizeInMiB,
  "processor-info.supported-architecture": (t) => t.ProcessorInfo?.SupportedArchitectures,
  "processor-info.sustained-clock-speed-in-ghz": (t) => t.ProcessorInfo?.SustainedClockSpeedInGhz,
  "processor-info.manufacturer": (t) => t.ProcessorInfo?.Manufacturer,
  "processor-info.supported-features": (t) => t.ProcessorInfo?.SupportedFeatures,
  "ebs-info.ebs-optimized-support": (t) => t.EbsInfo?.EbsOptimizedSupport,
  "ebs-info.encryption-support": (t) => t.EbsInfo?.EncryptionSupport,
  "ebs-info.nvme-support": (t) => t.EbsInfo?.NvmeSupport,
  "network-info.ena-support": (t) => t.NetworkInfo?.EnaSupport,
  "network-info.efa-supported": (t) => t.NetworkInfo?.EfaSupported,
  "network-info.encryption-in-transit-supported": (t) => t.NetworkInfo?.EncryptionInTransitSupported,
  "network-info.ipv4-addresses-per-interface": (t) => t.NetworkInfo?.Ipv4AddressesPerInterface,
  "network-info.ipv6-addresses-per-interface": (t) => t.NetworkInfo?.Ipv6AddressesPerInterface,
  "network-info.ipv6-supported": (t) => t.NetworkInfo?.Ipv6Supported,
  "network-info.maximum-network-cards": (t) => t.NetworkInfo?.MaximumNetworkCards,
  "network-info.maximum-network-interfaces": (t) => t.NetworkInfo?.MaximumNetworkInterfaces,
  "network-info.network-performance": (t) => t.NetworkInfo?.NetworkPerformance,
  "placement-group-info.supported-strategies": (t) => t.PlacementGroupInfo?.SupportedStrategies,
};

/** Filter names DescribeInstanceTypes accepts. */
export const instanceTypeFilterNames = (): string[] => Object.keys(fields);

export const describeInstanceTypes = (
  input: DescribeInstanceTypesRequest,
  ctx: DaemonContext,
): DescribeInstanceTypesResult => {
  const requested: string[] = input.InstanceTypes ?? [];
  // Existence is judged against the whole catalog: a real type this host cannot hold may live on another node.
  const unknown = requested.filter((n) => !findInstanceType(n));
  if (unknown.length > 0)
    throw invalidParameter(
      "InstanceTypes",
      `The following supplied instance types do not exist: [${unknown.join(", ")}]`,
      "instance-type",
    );
  const wanted = new Set(requested);
  const candidates = instanceTypesFor(ctx.host).filter((t) => wanted.size === 0 || wanted.has(t.InstanceType!));
  // MaxResults and NextToken are the gateway's business: it merges every node's answer before paging.
  return { InstanceTypes: applyFilters(candidates, input.Filters, fields) };
};
