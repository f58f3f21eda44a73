// Finding a launch template by id or name and one of its versions by number, `$Latest` or `$Default`, with EC2's
// errors for each way that fails.
import { HiveError, invalidParameter, malformed, notFound } from "../../errors/index.ts";
import type { LaunchTemplateRecord, LaunchTemplateVersionRecord, Store } from "../../store/index.ts";
import { isId } from "../shared/index.ts";

export type TemplateStore = Pick<Store, "launchTemplates" | "tags" | "transaction">;

const NAME_RE = /^[a-zA-Z0-9().\-/_]{3,128}$/;

/** EC2's rule for launch template names: 3 to 128 of letters, digits and - ( ) . / _ */
export function checkTemplateName(name: string | undefined, param = "LaunchTemplateName"): string {
  if (name === undefined || name === "") throw invalidParameter(param, `The request must contain the parameter ${param}`, "missing-parameter");
  if (!NAME_RE.test(name)) {
    throw invalidParameter(param, "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.", "launch-template-name");
  }
  return name;
}

export function checkTemplateId(id: string, param = "LaunchTemplateId"): string {
  if (!isId("lt", id)) {
    throw malformed("launch-template", `The specified ID for the launch template, ${id.slice(0, 64)}, is malformed. Ensure that you specify the launch template ID in the form lt-xxxxxxxxxxxxxxxxx.`, param);
  }
  return id;
}

export const noSuchId = (id: string, param = "LaunchTemplateId"): HiveError =>
  notFound("launch-template", `The specified launch template, with template ID ${id}, does not exist.`, param);

export const noSuchName = (name: string, param = "LaunchTemplateName"): HiveError =>
  notFound("launch-template-name", `The specified launch template, with template name ${name}, does not exist.`, param);

/** The parameters naming a template: `LaunchTemplateId` and `LaunchTemplateName`, or (in RunInstances) under a prefix. */
export interface TemplateRef {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
}

/** The template the call names by id or by name: exactly one of them must be given. */
export function findTemplate(store: TemplateStore, ref: TemplateRef, prefix = ""): LaunchTemplateRecord {
  const id = ref.LaunchTemplateId || undefined;
  const name = ref.LaunchTemplateName || undefined;
  if (id !== undefined && name !== undefined) {
    throw invalidParameter(`${prefix}LaunchTemplateId`, "Specify either the launch template ID or the launch template name in the request, but not both.", "parameter-combination");
  }
  if (id !== undefined) {
    checkTemplateId(id, `${prefix}LaunchTemplateId`);
    const found = store.launchTemplates.get(id);
    if (!found) throw noSuchId(id, `${prefix}LaunchTemplateId`);
    return found;
  }
  if (name !== undefined) {
    checkTemplateName(name, `${prefix}LaunchTemplateName`);
    const found = store.launchTemplates.byName(name);
    if (!found) throw noSuchName(name, `${prefix}LaunchTemplateName`);
    return found;
  }
  throw invalidParameter(`${prefix}LaunchTemplateId`, "The request must contain the parameter launchTemplateName or launchTemplateId", "missing-parameter");
}

export const versionNotFound = (template: LaunchTemplateRecord, version: string, param = "Version"): HiveError =>
  notFound("launch-template-version", `Could not find the specified version ${version} for the launch template with ID ${template.id}.`, param);

/** `$Latest`, `$Default` (any case, as EC2 takes them) or a version number; undefined for anything else. */
export function versionNumberOf(store: TemplateStore, template: LaunchTemplateRecord, version: string): number | undefined {
  const v = version.trim();
  if (v.toLowerCase() === "$latest") return store.launchTemplates.latestVersion(template.id);
  if (v.toLowerCase() === "$default") return template.defaultVersion;
  return /^[1-9][0-9]{0,8}$/.test(v) ? Number(v) : undefined;
}

/** The version named by number, `$Latest` or `$Default`; InvalidLaunchTemplateId.VersionNotFound when there is none. */
export function findVersion(store: TemplateStore, template: LaunchTemplateRecord, version: string, param = "Version"): LaunchTemplateVersionRecord {
  const n = versionNumberOf(store, template, version);
  const found = n === undefined ? undefined : store.launchTemplates.version(template.id, n);
  if (!found) throw versionNotFound(template, version, param);
  return found;
}
