// The launch_templates and launch_template_versions tables behind LaunchTemplateRepo: the region's launch templates,
// their numbered versions (the launch data as JSON text, which the store does not read) and their tags.

import type { Driver } from "./driver.ts";
import type { Patch, TagRecord } from "./records.ts";
import { defineTable } from "./table.ts";
import { tagRepo } from "./tags.ts";

export interface LaunchTemplateRecord {
  id: string; // lt-<17 hex>
  name: string; // unique in the region
  defaultVersion: number;
  /** The highest version number ever given: a deleted version's number is not given again. */
  lastVersion: number;
  createdAt: string;
  /** The ARN of the caller who made it. */
  createdBy: string;
  clientToken?: string;
}

export interface LaunchTemplateVersionRecord {
  templateId: string;
  version: number;
  description?: string;
  /** RequestLaunchTemplateData as JSON. */
  data: string;
  createdAt: string;
  createdBy: string;
  clientToken?: string;
}

export interface LaunchTemplateRepo {
  /** The template, its first version and its tags, in one transaction; a name already taken throws (UNIQUE). */
  insert(template: LaunchTemplateRecord, first: LaunchTemplateVersionRecord, tags?: TagRecord[]): void;
  get(id: string): LaunchTemplateRecord | undefined;
  byName(name: string): LaunchTemplateRecord | undefined;
  byClientToken(token: string): LaunchTemplateRecord | undefined;
  /** Every template, ordered by id. */
  list(): LaunchTemplateRecord[];
  update(id: string, patch: Patch<Omit<LaunchTemplateRecord, "id">>): boolean;
  /** The template with its versions and tags; false when there is none. */
  delete(id: string): boolean;
  /** Versions of one template (or of every template), by template id and number. */
  versions(templateId?: string): LaunchTemplateVersionRecord[];
  version(templateId: string, version: number): LaunchTemplateVersionRecord | undefined;
  versionByClientToken(templateId: string, token: string): LaunchTemplateVersionRecord | undefined;
  /** The highest number among the versions that remain (0 when none). */
  latestVersion(templateId: string): number;
  /** Adds the version and raises the template's lastVersion to its number, in one transaction. */
  addVersion(version: LaunchTemplateVersionRecord): void;
  /** Deletes these versions of the template; answers the numbers that were there. */
  deleteVersions(templateId: string, versions: number[]): number[];
}

const templates = defineTable<LaunchTemplateRecord>("launch_templates", {
  id: "id",
  name: "name",
  defaultVersion: "default_version",
  lastVersion: "last_version",
  createdAt: "created_at",
  createdBy: "created_by",
  clientToken: "client_token",
});

const versions = defineTable<LaunchTemplateVersionRecord>("launch_template_versions", {
  templateId: "template_id",
  version: "version",
  description: "description",
  data: "data",
  createdAt: "created_at",
  createdBy: "created_by",
  clientToken: "client_token",
});

const GET = `${templates.select} WHERE id = ?`;
const VERSION = `${versions.select} WHERE template_id = ? AND version = ?`;

export const launchTemplateRepo = (db: Driver): LaunchTemplateRepo => {
  const tags = tagRepo(db);
  return {
    insert: (template, first, templateTags = []) =>
      db.transaction(() => {
        db.run(templates.insert, ...templates.params(template));
        db.run(versions.insert, ...versions.params(first));
        tags.put(templateTags);
      }),
    get: (id) => templates.one(db, GET, id),
    byName: (name) => templates.one(db, `${templates.select} WHERE name = ?`, name),
    byClientToken: (token) => templates.one(db, `${templates.select} WHERE client_token = ?`, token),
    list: () => templates.many(db, `${templates.select} ORDER BY id`),
    update: (id, patch) => {
      const u = templates.update(id, patch);
      if (!u) return templates.one(db, GET, id) !== undefined;
      return db.run(u.sql, ...u.params).changes > 0;
    },
    delete: (id) =>
      db.transaction(() => {
        db.run("DELETE FROM tags WHERE resource_id = ?", id);
        db.run("DELETE FROM launch_template_versions WHERE template_id = ?", id);
        return db.run("DELETE FROM launch_templates WHERE id = ?", id).changes > 0;
      }),
    versions: (templateId) =>
      templateId === undefined
        ? versions.many(db, `${versions.select} ORDER BY template_id, version`)
        : versions.many(db, `${versions.select} WHERE template_id = ? ORDER BY version`, templateId),
    version: (templateId, version) => versions.one(db, VERSION, templateId, version),
    versionByClientToken: (templateId, token) => versions.one(db, `${versions.select} WHERE template_id = ? AND client_token = ?`, templateId, token),
    latestVersion: (templateId) =>
      db.get<{ n: number | null }>("SELECT max(version) AS n FROM launch_template_versions WHERE template_id = ?", templateId)?.n ?? 0,
    addVersion: (version) =>
      db.transaction(() => {
        db.run(versions.insert, ...versions.params(version));
        db.run("UPDATE launch_templates SET last_version = max(last_version, ?) WHERE id = ?", version.version, version.templateId);
      }),
    deleteVersions: (templateId, numbers) =>
      db.transaction(() => numbers.filter((n) => db.run("DELETE FROM launch_template_versions WHERE template_id = ? AND version = ?", templateId, n).changes > 0)),
  };
};
