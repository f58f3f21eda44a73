// RunInstances from a launch template: the version's data turned into RunInstances' parameters, with the call's own
// parameters laid over them as EC2 does. One function, used by the launch and by placement's room query alike.
import type { BlockDeviceMapping, InstanceNetworkInterfaceSpecification, RequestLaunchTemplateData, RunInstancesRequest, TagSpecification } from "@aws-sdk/client-ec2";
import { unsupported } from "../../errors/index.ts";
import { findTemplate, findVersion, type TemplateStore } from "./lookup.ts";
import { parseData } from "./template-data.ts";

/** What a launch runs with: the merged parameters, and the template version they came from, if any. */
export interface TemplateLaunch {
  input: RunInstancesRequest;
  /** Instances launched from it carry `aws:ec2launchtemplate:id` and `aws:ec2launchtemplate:version`. */
  template?: { id: string; version: number };
}

/** A launch template's data as RunInstances parameters: the same members, two of them under other names. */
function launchParams(data: RequestLaunchTemplateData): Partial<RunInstancesRequest> {
  const { RamDiskId, ElasticGpuSpecifications, InstanceRequirements, Monitoring, SecondaryInterfaces, ...same } = data;
  // Attribute-based instance type selection belongs to EC2 Fleet and Auto Scaling; a launch needs a type.
  if (InstanceRequirements !== undefined) {
    throw unsupported("RunInstances: the launch template's InstanceRequirements (attribute-based instance type selection) is not supported by Hive; give an InstanceType.");
  }
  if (SecondaryInterfaces !== undefined) {
    throw unsupported("RunInstances: the launch template's SecondaryInterfaces are not supported by Hive; an instance has one network interface.");
  }
  return {
    ...same,
    ...(RamDiskId !== undefined ? { RamdiskId: RamDiskId } : {}),
    ...(ElasticGpuSpecifications !== undefined ? { ElasticGpuSpecification: ElasticGpuSpecifications } : {}),
    // RunInstances' Monitoring requires Enabled; a template may leave it out, meaning off.
    ...(Monitoring !== undefined ? { Monitoring: { Enabled: Monitoring.Enabled ?? false } } : {}),
  };
}

const isStructure = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** A structure given in the call adds to the template's: its members win, the template's others stay. */
function layStructure(base: unknown, top: unknown): unknown {
  if (top === undefined) return base;
  if (!isStructure(base) || !isStructure(top)) return top;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(top)) out[k] = layStructure(base[k], v);
  return out;
}

/** A list of entries keyed by `key`: the call's entry replaces the template's of the same key; the others stay. */
function layEntries<T>(base: T[] | undefined, top: T[] | undefined, key: (entry: T) => string): T[] | undefined {
  if (!top) return base;
  if (!base) return top;
  const keys = new Set(top.map(key));
  return [...base.filter((e) => !keys.has(key(e))), ...top];
}

/** Tags by resource type, then by key: the call's value of a key wins, the template's other tags stay. */
function layTags(base: TagSpecification[] | undefined, top: TagSpecification[] | undefined): TagSpecification[] | undefined {
  if (!top) return base;
  if (!base) return top;
  const byType = new Map<string, Map<string, string>>();
  for (const spec of [...base, ...top]) {
    const type = spec.ResourceType ?? "";
    const tags = byType.get(type) ?? new Map<string, string>();
    for (const t of spec.Tags ?? []) tags.set(t.Key ?? "", t.Value ?? "");
    byType.set(type, tags);
  }
  return [...byType].map(([type, tags]) => ({ ResourceType: type as TagSpecification["ResourceType"], Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) }));
}

/**
 * The call's parameters over the template's, as EC2 merges them ("the call wins"):
 * - a plain value (ImageId, InstanceType, UserData, KeyName, …) given in the call replaces the template's;
 * - a structure (Placement, MetadataOptions, Monitoring, CpuOptions, …) is laid member by member: the call's members
 *   win and the template's others stay (EC2: "the complex structure as specified in the launch template plus any
 *   additional nested parameters that you specify");
 * - TagSpecifications are joined by resource type and tag key, the call's value winning for a key both give;
 * - BlockDeviceMappings are joined by DeviceName and NetworkInterfaces by DeviceIndex, the call's entry replacing the
 *   template's for the same device;
 * - any other list (SecurityGroupIds, SecurityGroups, LicenseSpecifications, …) given in the call replaces the template's.
 * Nothing given in the template can be removed by the call. RunInstances then checks the merged parameters as its own,
 * so combinations EC2 refuses (the template's NetworkInterfaces with the call's SubnetId or SecurityGroupIds) and
 * parameters Hive does not honour are refused with the same errors as when the call gives them.
 */
export function mergeLaunch(template: Partial<RunInstancesRequest>, call: RunInstancesRequest): RunInstancesRequest {
  const out: Record<string, unknown> = { ...template };
  for (const [k, v] of Object.entries(call)) if (v !== undefined) out[k] = layStructure(out[k], v);
  const merged = out as unknown as RunInstancesRequest;
  merged.TagSpecifications = layTags(template.TagSpecifications, call.TagSpecifications);
  merged.BlockDeviceMappings = layEntries<BlockDeviceMapping>(template.BlockDeviceMappings, call.BlockDeviceMappings, (m) => m.DeviceName ?? "");
  merged.NetworkInterfaces = layEntries<InstanceNetworkInterfaceSpecification>(template.NetworkInterfaces, call.NetworkInterfaces, (n) => String(n.DeviceIndex ?? ""));
  for (const k of ["TagSpecifications", "BlockDeviceMappings", "NetworkInterfaces"] as const) if (merged[k] === undefined) delete merged[k];
  return merged;
}

/**
 * RunInstances' parameters with its LaunchTemplate applied: the template named by id or name, at `Version` (`$Default`
 * when none is given), merged with the call's parameters by `mergeLaunch`. Without LaunchTemplate the input is as it
 * came. The merged input names no template, so applying this twice changes nothing.
 */
export function withLaunchTemplate(input: RunInstancesRequest, store: TemplateStore): TemplateLaunch {
  const spec = input.LaunchTemplate;
  if (spec === undefined) return { input };
  const template = findTemplate(store, spec, "LaunchTemplate.");
  const version = findVersion(store, template, spec.Version ?? "$Default", "LaunchTemplate.Version");
  const { LaunchTemplate: _applied, ...call } = input;
  return { input: mergeLaunch(launchParams(parseData(version.data)), call as RunInstancesRequest), template: { id: template.id, version: version.version } };
}
