// How launch templates and their versions look to EC2 clients.
import type { LaunchTemplate, LaunchTemplateVersion } from "@aws-sdk/client-ec2";
import type { LaunchTemplateRecord, LaunchTemplateVersionRecord, TagRecord } from "../../store/index.ts";
import { tagsView } from "../shared/index.ts";
import type { TemplateStore } from "./lookup.ts";
import { parseData, responseData } from "./template-data.ts";

export function templateView(store: TemplateStore, t: LaunchTemplateRecord, tags?: TagRecord[]): LaunchTemplate {
  return {
    LaunchTemplateId: t.id,
    LaunchTemplateName: t.name,
    CreateTime: new Date(t.createdAt),
    CreatedBy: t.createdBy,
    DefaultVersionNumber: t.defaultVersion,
    LatestVersionNumber: store.launchTemplates.latestVersion(t.id),
    Tags: tagsView(tags ?? store.tags.forResource(t.id)),
  };
}

export function versionView(t: LaunchTemplateRecord, v: LaunchTemplateVersionRecord): LaunchTemplateVersion {
  return {
    LaunchTemplateId: t.id,
    LaunchTemplateName: t.name,
    VersionNumber: v.version,
    ...(v.description !== undefined ? { VersionDescription: v.description } : {}),
    CreateTime: new Date(v.createdAt),
    CreatedBy: v.createdBy,
    DefaultVersion: v.version === t.defaultVersion,
    LaunchTemplateData: responseData(parseData(v.data)),
  };
}
