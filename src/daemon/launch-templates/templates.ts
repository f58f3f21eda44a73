// CreateLaunchTemplate, ModifyLaunchTemplate (the default version), DeleteLaunchTemplate and DescribeLaunchTemplates.
import type {
  CreateLaunchTemplateRequest,
  CreateLaunchTemplateResult,
  DeleteLaunchTemplateRequest,
  DeleteLaunchTemplateResult,
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplatesResult,
  LaunchTemplate,
  ModifyLaunchTemplateRequest,
  ModifyLaunchTemplateResult,
  TagSpecification,
} from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { conflict, invalidParameter, notFound, unsupported } from "../../errors/index.ts";
import type { LaunchTemplateRecord, TagRecord } from "../../store/index.ts";
import { applyFilters, newId, page, specTags, tagFilters, type FilterFields } from "../shared/index.ts";
import { checkTemplateId, checkTemplateName, findTemplate, versionNotFound, type TemplateStore } from "./lookup.ts";
import { checkTemplateData, storedData } from "./template-data.ts";
import { templateView } from "./views.ts";

const RESOURCE_TYPE = "launch-template";

/** EC2's limit on a version's description. */
export function checkDescription(description: string | undefined): string | undefined {
  if (description !== undefined && description.length > 255) {
    throw invalidParameter("VersionDescription", `Value (${description.slice(0, 64)}…) for parameter VersionDescription is invalid. Length exceeds maximum of 255.`);
  }
  return description;
}

function templateTags(specs: TagSpecification[] | undefined, id: string): TagRecord[] {
  const wrong = specs?.find((s) => s.ResourceType !== RESOURCE_TYPE);
  if (wrong) {
    throw invalidParameter(
      "TagSpecification",
      `The value for the ResourceType member of the TagSpecification request parameter must be '${RESOURCE_TYPE}'. Verify the ResourceType and try again.`,
    );
  }
  return specTags(specs, RESOURCE_TYPE, id);
}

export function createLaunchTemplate(req: ActionRequest<CreateLaunchTemplateRequest>, store: TemplateStore): CreateLaunchTemplateResult {
  const input = req.input;
  if (input.Operator !== undefined) throw unsupported("CreateLaunchTemplate: Operator (a template managed by another AWS service) is not supported by Hive.");
  const name = checkTemplateName(input.LaunchTemplateName);
  if (input.ClientToken) {
    const earlier = store.launchTemplates.byClientToken(input.ClientToken);
    if (earlier) {
      if (earlier.name !== name) throw conflict("client-token", `The client token '${input.ClientToken}' was used to create the launch template ${earlier.id} with other parameters.`, "ClientToken");
      return { LaunchTemplate: templateView(store, earlier) };
    }
  }
  const data = checkTemplateData(input.LaunchTemplateData, false);
  const description = checkDescription(input.VersionDescription);
  const id = newId("lt");
  const tags = templateTags(input.TagSpecifications, id);
  const at = new Date().toISOString();
  const template: LaunchTemplateRecord = { id, name, defaultVersion: 1, lastVersion: 1, createdAt: at, createdBy: req.caller.arn, clientToken: input.ClientToken || undefined };
  // Checked and written with nothing awaited in between: two calls cannot both take the name.
  store.transaction(() => {
    if (store.launchTemplates.byName(name)) throw conflict("launch-template-name", "Launch template name already in use.", "LaunchTemplateName");
    store.launchTemplates.insert(template, { templateId: id, version: 1, description, data: storedData(data), createdAt: at, createdBy: req.caller.arn }, tags);
  });
  return { LaunchTemplate: templateView(store, template, tags) };
}

export function modifyLaunchTemplate(req: ActionRequest<ModifyLaunchTemplateRequest>, store: TemplateStore): ModifyLaunchTemplateResult {
  const template = findTemplate(store, req.input);
  const wanted = req.input.DefaultVersion;
  if (wanted !== undefined) {
    const n = /^[1-9][0-9]{0,8}$/.test(wanted.trim()) ? Number(wanted.trim()) : undefined;
    if (n === undefined || !store.launchTemplates.version(template.id, n)) throw versionNotFound(template, wanted, "DefaultVersion");
    store.launchTemplates.update(template.id, { defaultVersion: n });
    template.defaultVersion = n;
  }
  return { LaunchTemplate: templateView(store, template) };
}

/** Deletes the template with every version and its tags; answers the template as it was. */
export function deleteLaunchTemplate(req: ActionRequest<DeleteLaunchTemplateRequest>, store: TemplateStore): DeleteLaunchTemplateResult {
  const template = findTemplate(store, req.input);
  const view = templateView(store, template);
  store.launchTemplates.delete(template.id);
  return { LaunchTemplate: view };
}

const tagFields = tagFilters<LaunchTemplate>((t) => t.Tags);

const fields: FilterFields<LaunchTemplate> = {
  "create-time": (t) => t.CreateTime?.toISOString(),
  "launch-template-name": (t) => t.LaunchTemplateName,
  ...tagFields.fields,
};

const NONE_SUCH = "At least one of the launch templates specified in the request does not exist.";

export function describeLaunchTemplates(req: ActionRequest<DescribeLaunchTemplatesRequest>, store: TemplateStore): DescribeLaunchTemplatesResult {
  const input = req.input;
  const ids = input.LaunchTemplateIds ?? [];
  const names = input.LaunchTemplateNames ?? [];
  for (const id of ids) checkTemplateId(id, "LaunchTemplateId");
  for (const name of names) checkTemplateName(name, "LaunchTemplateName");
  let records = store.launchTemplates.list();
  if (ids.length > 0 || names.length > 0) {
    const byId = new Map(records.map((r) => [r.id, r]));
    const byName = new Map(records.map((r) => [r.name, r]));
    if (ids.some((id) => !byId.has(id))) throw notFound("launch-template", NONE_SUCH, "LaunchTemplateId");
    if (names.some((n) => !byName.has(n))) throw notFound("launch-template-name", NONE_SUCH, "LaunchTemplateName");
    const wanted = new Set([...ids, ...names.map((n) => byName.get(n)!.id)]);
    records = records.filter((r) => wanted.has(r.id));
  }
  const tags = store.tags.forResources(records.map((r) => r.id));
  const views = records.map((r) => templateView(store, r, tags.get(r.id)));
  const { items, NextToken } = page(applyFilters(views, input.Filters, fields, tagFields.dynamic), (t) => t.LaunchTemplateId!, input, { min: 1, max: 200 });
  return { LaunchTemplates: items, ...(NextToken ? { NextToken } : {}) };
}
