// CreateLaunchTemplateVersion (SourceVersion with overrides), DescribeLaunchTemplateVersions and
// DeleteLaunchTemplateVersions.
import type {
  CreateLaunchTemplateVersionRequest,
  CreateLaunchTemplateVersionResult,
  DeleteLaunchTemplateVersionsRequest,
  DeleteLaunchTemplateVersionsResponseErrorItem,
  DeleteLaunchTemplateVersionsResponseSuccessItem,
  DeleteLaunchTemplateVersionsResult,
  DescribeLaunchTemplateVersionsRequest,
  DescribeLaunchTemplateVersionsResult,
  LaunchTemplateVersion,
  RequestLaunchTemplateData,
} from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { invalidParameter, unsupported } from "../../errors/index.ts";
import type { LaunchTemplateRecord, LaunchTemplateVersionRecord } from "../../store/index.ts";
import { applyFilters, page, type FilterFields } from "../shared/index.ts";
import { findTemplate, findVersion, noSuchId, versionNotFound, versionNumberOf, type TemplateStore } from "./lookup.ts";
import { checkTemplateData, overlayData, parseData, storedData } from "./template-data.ts";
import { checkDescription } from "./templates.ts";
import { versionView } from "./views.ts";

export function createLaunchTemplateVersion(req: ActionRequest<CreateLaunchTemplateVersionRequest>, store: TemplateStore): CreateLaunchTemplateVersionResult {
  const input = req.input;
  const template = findTemplate(store, input);
  if (input.ClientToken) {
    const earlier = store.launchTemplates.versionByClientToken(template.id, input.ClientToken);
    if (earlier) return { LaunchTemplateVersion: versionView(template, earlier) };
  }
  let data = checkTemplateData(input.LaunchTemplateData, input.SourceVersion !== undefined);
  if (input.SourceVersion !== undefined) {
    const source = findVersion(store, template, input.SourceVersion, "SourceVersion");
    data = overlayData(parseData(source.data), data);
  }
  if (input.ResolveAlias === true && data.ImageId?.startsWith("resolve:ssm:")) {
    throw unsupported("CreateLaunchTemplateVersion: ResolveAlias is not supported by Hive; the parameter is resolved at launch.");
  }
  const description = checkDescription(input.VersionDescription);
  const version = store.transaction((): LaunchTemplateVersionRecord => {
    // Numbered inside the transaction: two calls at once get two numbers.
    const current = store.launchTemplates.get(template.id);
    if (!current) throw noSuchId(template.id);
    const rec: LaunchTemplateVersionRecord = {
      templateId: template.id,
      version: current.lastVersion + 1,
      description,
      data: storedData(data),
      createdAt: new Date().toISOString(),
      createdBy: req.caller.arn,
      clientToken: input.ClientToken || undefined,
    };
    store.launchTemplates.addVersion(rec);
    return rec;
  });
  return { LaunchTemplateVersion: versionView(template, version) };
}

const data = (v: LaunchTemplateVersion): RequestLaunchTemplateData => (v.LaunchTemplateData ?? {}) as RequestLaunchTemplateData;

/** EC2's filters for DescribeLaunchTemplateVersions. */
const fields: FilterFields<LaunchTemplateVersion> = {
  "create-time": (v) => v.CreateTime?.toISOString(),
  "ebs-optimized": (v) => data(v).EbsOptimized,
  "http-endpoint": (v) => data(v).MetadataOptions?.HttpEndpoint,
  "http-protocol-ipv4": (v) => (data(v).MetadataOptions as { HttpProtocolIpv4?: string } | undefined)?.HttpProtocolIpv4,
  "host-resource-group-arn": (v) => data(v).Placement?.HostResourceGroupArn,
  "http-tokens": (v) => data(v).MetadataOptions?.HttpTokens,
  "iam-instance-profile": (v) => [data(v).IamInstanceProfile?.Arn, data(v).IamInstanceProfile?.Name],
  "image-id": (v) => data(v).ImageId,
  "instance-type": (v) => data(v).InstanceType,
  "is-default-version": (v) => v.DefaultVersion,
  "kernel-id": (v) => data(v).KernelId,
  "license-configuration-arn": (v) => (data(v).LicenseSpecifications ?? []).map((l) => l.LicenseConfigurationArn),
  "network-card-index": (v) => (data(v).NetworkInterfaces ?? []).map((n) => n.NetworkCardIndex),
  "ram-disk-id": (v) => data(v).RamDiskId,
};

const ALL_TEMPLATES_RULE =
  "To describe the latest or default versions of all your launch templates, give Versions as $Latest, $Default or both, with no launch template ID or name; to describe versions of one launch template, give its ID or name.";

/** Sorts and pages by template, then version number (zero-padded so that text order is number order). */
const versionKey = (v: LaunchTemplateVersion): string => `${v.LaunchTemplateId}/${String(v.VersionNumber).padStart(10, "0")}`;

function bound(value: string | undefined, param: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value.trim())) throw invalidParameter(param, `Value (${value}) for parameter ${param} is invalid. Expecting a version number.`);
  return Number(value.trim());
}

export function describeLaunchTemplateVersions(req: ActionRequest<DescribeLaunchTemplateVersionsRequest>, store: TemplateStore): DescribeLaunchTemplateVersionsResult {
  const input = req.input;
  const asked = input.Versions ?? [];
  const min = bound(input.MinVersion, "MinVersion");
  const max = bound(input.MaxVersion, "MaxVersion");
  const picked: Array<[LaunchTemplateRecord, LaunchTemplateVersionRecord]> = [];
  if (input.LaunchTemplateId || input.LaunchTemplateName) {
    const template = findTemplate(store, input);
    const versions = asked.length > 0 ? asked.map((v) => findVersion(store, template, v, "LaunchTemplateVersion")) : store.launchTemplates.versions(template.id);
    for (const v of versions) {
      if ((min === undefined || v.version >= min) && (max === undefined || v.version <= max)) picked.push([template, v]);
    }
  } else {
    // Without a template, only the latest and default versions of every template can be asked for.
    if (asked.length === 0) throw invalidParameter("LaunchTemplateVersion", ALL_TEMPLATES_RULE, "missing-parameter");
    if (asked.some((v) => !["$latest", "$default"].includes(v.trim().toLowerCase())) || min !== undefined || max !== undefined) {
      throw invalidParameter("LaunchTemplateVersion", ALL_TEMPLATES_RULE);
    }
    for (const t of store.launchTemplates.list()) {
      for (const v of asked) {
        const n = versionNumberOf(store, t, v);
        const found = n === undefined ? undefined : store.launchTemplates.version(t.id, n);
        if (found) picked.push([t, found]);
      }
    }
  }
  const views = new Map<string, LaunchTemplateVersion>();
  for (const [t, v] of picked) {
    const view = versionView(t, v);
    views.set(versionKey(view), view);
  }
  const { items, NextToken } = page(applyFilters([...views.values()], input.Filters, fields), versionKey, input, { min: 1, max: 200 });
  return { LaunchTemplateVersions: items, ...(NextToken ? { NextToken } : {}) };
}

/** Deletes each version it can, answering per version; the default version stays (EC2 refuses it in the list). */
export function deleteLaunchTemplateVersions(req: ActionRequest<DeleteLaunchTemplateVersionsRequest>, store: TemplateStore): DeleteLaunchTemplateVersionsResult {
  const template = findTemplate(store, req.input);
  const asked = req.input.Versions ?? [];
  if (asked.length === 0) throw invalidParameter("LaunchTemplateVersion", "The request must contain the parameter LaunchTemplateVersion", "missing-parameter");
  if (asked.length > 200) throw invalidParameter("LaunchTemplateVersion", "You can delete up to 200 launch template versions in one request.");
  const ref = { LaunchTemplateId: template.id, LaunchTemplateName: template.name };
  const failed: DeleteLaunchTemplateVersionsResponseErrorItem[] = [];
  const wanted: number[] = [];
  for (const v of asked) {
    const n = /^[0-9]{1,9}$/.test(v.trim()) ? Number(v.trim()) : undefined;
    if (n === undefined || !store.launchTemplates.version(template.id, n)) {
      failed.push({ ...ref, ...(n !== undefined ? { VersionNumber: n } : {}), ResponseError: { Code: "launchTemplateVersionDoesNotExist", Message: versionNotFound(template, v).message } });
    } else if (n === template.defaultVersion) {
      failed.push({ ...ref, VersionNumber: n, ResponseError: { Code: "unexpectedError", Message: "Cannot delete the default version of a launch template. Set another version as the default, then delete this one." } });
    } else if (!wanted.includes(n)) {
      wanted.push(n);
    }
  }
  const deleted = store.launchTemplates.deleteVersions(template.id, wanted);
  const done: DeleteLaunchTemplateVersionsResponseSuccessItem[] = deleted.map((n) => ({ ...ref, VersionNumber: n }));
  return { SuccessfullyDeletedLaunchTemplateVersions: done, UnsuccessfullyDeletedLaunchTemplateVersions: failed };
}
