// SSM Parameter Store: the region's parameters (versions, labels, tags; SecureStrings encrypted at rest with the
// region's key), the public parameters naming Hive's images, and `resolve:ssm:` image ids for launches.

export { parameterHandlers } from "./handlers.ts";
export type { ParameterDeps } from "./parameter-view.ts";
export { parameterCipher, DEFAULT_KEY_ID, type ParameterCipher } from "./secure-string.ts";
export { checkPublishNames, publishImage, unpublishImage } from "./public-parameters.ts";
export { resolveImageId, RESOLVE_PREFIX } from "./resolve-image.ts";
