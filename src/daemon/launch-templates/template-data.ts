// A launch template version's data: kept as the request sent it (RequestLaunchTemplateData), checked when written,
// laid over a source version, and shown in the response's shape.
import type { LaunchTemplateTagSpecificationRequest, RequestLaunchTemplateData, ResponseLaunchTemplateData } from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";
import { checkTags } from "../shared/index.ts";

/** What a template may tag at launch (AWS's list for LaunchTemplateData.TagSpecifications). */
const LAUNCH_TAGGABLE = new Set(["instance", "volume", "network-interface", "spot-instances-request"]);

/** The members that carry a value: the codec leaves absent members undefined, and JSON drops them. */
const defined = (data: RequestLaunchTemplateData): RequestLaunchTemplateData =>
  Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined)) as RequestLaunchTemplateData;

function checkTagSpecs(specs: LaunchTemplateTagSpecificationRequest[] | undefined): void {
  for (const spec of specs ?? []) {
    const type = spec.ResourceType ?? "";
    if (!LAUNCH_TAGGABLE.has(type)) {
      throw invalidParameter(
        "LaunchTemplateData.TagSpecification",
        `'${type}' is not a valid taggable resource type for a launch template's TagSpecifications: use instance, volume, network-interface or spot-instances-request.`,
      );
    }
    checkTags(spec.Tags, "LaunchTemplateData.TagSpecification");
  }
}

/**
 * The data of a new version, checked as EC2 checks it when written: something must be given (or inherited from a
 * source version), and its tags must be settable. The rest is checked at launch, as on EC2, where RunInstances
 * refuses what Hive does not honour.
 */
export function checkTemplateData(data: RequestLaunchTemplateData | undefined, inherited: boolean): RequestLaunchTemplateData {
  const given = defined(data ?? {});
  if (!inherited && Object.keys(given).length === 0) {
    throw invalidParameter("LaunchTemplateData", "No launch template data was provided. Launch template data is required to create a launch template.", "missing-parameter");
  }
  checkTagSpecs(given.TagSpecifications);
  return given;
}

/**
 * A version made from a source version: the source's parameters with each parameter the call gives in its place, as
 * EC2's SourceVersion does. Snapshots in inherited block device mappings are dropped, as EC2 documents: a new version
 * keeps a snapshot only when its own mappings name it.
 */
export function overlayData(source: RequestLaunchTemplateData, given: RequestLaunchTemplateData): RequestLaunchTemplateData {
  const inherited = { ...source };
  if (given.BlockDeviceMappings === undefined && inherited.BlockDeviceMappings) {
    inherited.BlockDeviceMappings = inherited.BlockDeviceMappings.map((m) => {
      if (m.Ebs?.SnapshotId === undefined) return m;
      const { SnapshotId: _dropped, ...ebs } = m.Ebs;
      return { ...m, Ebs: ebs };
    });
  }
  return { ...inherited, ...defined(given) };
}

/** The data as stored: JSON of the request's shape. */
export const storedData = (data: RequestLaunchTemplateData): string => JSON.stringify(data);

export const parseData = (json: string): RequestLaunchTemplateData => JSON.parse(json) as RequestLaunchTemplateData;

/**
 * The data in the response's shape (DescribeLaunchTemplateVersions, GetLaunchTemplateData). The two shapes carry the
 * same members under the same names, so the data passes as it is; this is the one place that says so.
 */
export const responseData = (data: RequestLaunchTemplateData): ResponseLaunchTemplateData => data;
