// AddTagsToResource, RemoveTagsFromResource and ListTagsForResource for parameters (ResourceType Parameter, the
// parameter's name as ResourceId), kept in the parameters' own tags table.
import type {
  AddTagsToResourceRequest,
  AddTagsToResourceResult,
  ListTagsForResourceRequest,
  ListTagsForResourceResult,
  RemoveTagsFromResourceRequest,
  RemoveTagsFromResourceResult,
  Tag,
} from "@aws-sdk/client-ssm";
import type { ParameterTag } from "../../store/index.ts";
import { constraint, invalidResourceId, invalidResourceType, tooManyTags, validation } from "./errors.ts";
import type { ParameterDeps } from "./parameter-view.ts";

export const MAX_TAGS = 50;
// SSM's resource types; Hive holds parameters only, so an id of any other type names nothing.
const RESOURCE_TYPES = ["Document", "ManagedInstance", "MaintenanceWindow", "Parameter", "PatchBaseline", "OpsItem", "OpsMetadata", "Automation", "Association"];
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Checks tags as SSM does (keys 1-128, values 0-256 characters, no aws: keys, at most 50); the last of a key wins. */
export function checkParameterTags(tags: Tag[] | undefined): ParameterTag[] {
  const out = new Map<string, ParameterTag>();
  for (const [i, t] of (tags ?? []).entries()) {
    const key = t.Key ?? "";
    const value = t.Value ?? "";
    const at = `tags.${i + 1}.member`;
    if (key.length < 1 || key.length > 128) throw constraint(`${at}.key`, key, "Member must have length between 1 and 128");
    if (value.length > 256) throw constraint(`${at}.value`, value, "Member must have length less than or equal to 256");
    if (!TAG_TEXT.test(key)) throw constraint(`${at}.key`, key, "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$");
    if (!TAG_TEXT.test(value)) throw constraint(`${at}.value`, value, "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$");
    if (key.toLowerCase().startsWith("aws:")) throw validation("Tags", `Tag keys beginning with aws: are reserved for AWS use: ${key}`);
    out.set(key, { key, value });
  }
  if (out.size > MAX_TAGS) throw tooManyTags();
  return [...out.values()];
}

/** The parameter the call names; any other resource type names nothing Hive holds. */
function taggedName(deps: ParameterDeps, input: { ResourceType?: string; ResourceId?: string }): string {
  const type = input.ResourceType ?? "";
  if (!RESOURCE_TYPES.includes(type)) throw invalidResourceType(type);
  const name = input.ResourceId ?? "";
  if (type !== "Parameter" || !deps.store.parameters.latest(name)) throw invalidResourceId();
  return name;
}

const awsTags = (tags: ParameterTag[]): Tag[] => tags.map((t) => ({ Key: t.key, Value: t.value }));

export function addTagsToResource(deps: ParameterDeps, input: AddTagsToResourceRequest): AddTagsToResourceResult {
  const tags = checkParameterTags(input.Tags);
  if (tags.length === 0) throw constraint("Tags", "[]", "Member must have length greater than or equal to 1");
  deps.store.transaction(() => {
    const name = taggedName(deps, input);
    const keys = new Set([...deps.store.parameters.tags(name).map((t) => t.key), ...tags.map((t) => t.key)]);
    if (keys.size > MAX_TAGS) throw tooManyTags();
    deps.store.parameters.putTags(name, tags);
  });
  return {};
}

export function removeTagsFromResource(deps: ParameterDeps, input: RemoveTagsFromResourceRequest): RemoveTagsFromResourceResult {
  const keys = input.TagKeys ?? [];
  deps.store.transaction(() => deps.store.parameters.deleteTags(taggedName(deps, input), keys));
  return {};
}

export function listTagsForResource(deps: ParameterDeps, input: ListTagsForResourceRequest): ListTagsForResourceResult {
  return { TagList: awsTags(deps.store.parameters.tags(taggedName(deps, input))) };
}
