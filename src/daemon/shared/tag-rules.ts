// EC2's rules for tags a caller sets: key and value lengths, the reserved aws: prefix, 50 per resource.
import type { Tag, TagSpecification } from "@aws-sdk/client-ec2";
import { isReservedTagKey } from "../../actions/index.ts";
import { HiveError, invalidParameter } from "../../errors/index.ts";
import type { TagRecord } from "../../store/index.ts";

export const MAX_TAGS_PER_RESOURCE = 50;

export function checkTags(tags: Tag[] | undefined, param: string): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const t of tags ?? []) {
    const key = t.Key ?? "";
    const value = t.Value ?? "";
    if (key.length === 0 || key.length > 128) throw invalidParameter(param, `Tag keys must be 1 to 128 characters; got '${key.slice(0, 140)}'`);
    if (value.length > 256) throw invalidParameter(param, `Tag values must be at most 256 characters (key '${key}')`);
    if (isReservedTagKey(key)) throw invalidParameter(param, `Tag keys starting with 'aws:' are reserved for internal use`);
    out.push({ key, value });
  }
  if (out.length > MAX_TAGS_PER_RESOURCE) {
    throw new HiveError({ kind: "InvalidParameter", resource: "tag-limit", param, message: `The maximum number of tags per resource is ${MAX_TAGS_PER_RESOURCE}` });
  }
  return out;
}

/** The tags TagSpecifications put on a new `resourceType` as records of `resourceId`; any other type is refused as EC2 does. */
export function specTags(specs: TagSpecification[] | undefined, resourceType: string, resourceId: string): TagRecord[] {
  const tags = new Map<string, string>();
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType) {
      throw invalidParameter("TagSpecification", `'${spec.ResourceType ?? ""}' is not a valid taggable resource type for this operation.`);
    }
    for (const t of checkTags(spec.Tags, "TagSpecification")) tags.set(t.key, t.value);
  }
  const out = [...tags].map(([key, value]) => ({ resourceId, resourceType, key, value }));
  if (out.length > MAX_TAGS_PER_RESOURCE) checkTags(out.map((t) => ({ Key: t.key, Value: t.value })), "TagSpecification");
  return out;
}
