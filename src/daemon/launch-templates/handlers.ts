// The launch template actions bound to their declarations, over the region's store.
import type { Ec2Actions, Handlers } from "../../actions/index.ts";
import type { TemplateStore } from "./lookup.ts";
import { createLaunchTemplate, deleteLaunchTemplate, describeLaunchTemplates, modifyLaunchTemplate } from "./templates.ts";
import { createLaunchTemplateVersion, deleteLaunchTemplateVersions, describeLaunchTemplateVersions } from "./versions.ts";

export const launchTemplateHandlers = (store: TemplateStore) =>
  ({
    CreateLaunchTemplate: (req) => createLaunchTemplate(req, store),
    CreateLaunchTemplateVersion: (req) => createLaunchTemplateVersion(req, store),
    ModifyLaunchTemplate: (req) => modifyLaunchTemplate(req, store),
    DeleteLaunchTemplate: (req) => deleteLaunchTemplate(req, store),
    DeleteLaunchTemplateVersions: (req) => deleteLaunchTemplateVersions(req, store),
    DescribeLaunchTemplates: (req) => describeLaunchTemplates(req, store),
    DescribeLaunchTemplateVersions: (req) => describeLaunchTemplateVersions(req, store),
  }) satisfies Partial<Handlers<Ec2Actions>>;
