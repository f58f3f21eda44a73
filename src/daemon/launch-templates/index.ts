// Launch templates: the region's templates and their numbered versions, and RunInstances' merge of a template version
// with the call's own parameters.

export { launchTemplateHandlers } from "./handlers.ts";
export { mergeLaunch, withLaunchTemplate, type TemplateLaunch } from "./launch-merge.ts";
export { responseData } from "./template-data.ts";
export { createLaunchTemplate, deleteLaunchTemplate, describeLaunchTemplates, modifyLaunchTemplate } from "./templates.ts";
export { createLaunchTemplateVersion, deleteLaunchTemplateVersions, describeLaunchTemplateVersions } from "./versions.ts";
