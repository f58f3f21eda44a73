// What every resource room of the daemon shares: the node's context, the Filters engine, tags and their rules, resource ids.

export type { DaemonContext, NetworkMode } from "./context.ts";
export { applyFilters, tagFilters, wildcardPattern, escapeRegExp, type FilterFields, type DynamicFilterField } from "./filters.ts";
export { assertIds, isId, newId, resourceTypeOf } from "./ids.ts";
export { listingPage, page, type ListingPage } from "./listing-page.ts";
export { checkTags, specTags, MAX_TAGS_PER_RESOURCE } from "./tag-rules.ts";
export { createTags, deleteTags, describeTags, tagsView } from "./tags.ts";
export { tagHandlers } from "./tag-handlers.ts";
export { noNetworkChanges, type NetworkChanges } from "./network-changes.ts";
