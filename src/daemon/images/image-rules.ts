// EC2's rules for what a caller names an AMI and how it describes it, shared by the import and the image actions.
import type { Tag, TagSpecification } from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";
import { checkTags } from "../shared/index.ts";

/** 3 to 128 of these characters. */
export const IMAGE_NAME = /^[A-Za-z0-9()[\] ./\-'@_]{3,128}$/;
export const MAX_IMAGE_DESCRIPTION = 255;

export function checkImageName(name: unknown, param = "Name"): string {
  if (typeof name !== "string" || !IMAGE_NAME.test(name)) {
    throw invalidParameter(
      param,
      `AMI names must be 3-128 characters: letters, digits, spaces and ( ) [ ] . / - ' @ _ (got ${JSON.stringify(String(name ?? "").slice(0, 140))})`,
      "image-name",
    );
  }
  return name;
}

export function checkImageDescription(description: unknown, param = "Description"): string | undefined {
  if (description === undefined) return undefined;
  if (typeof description !== "string" || description.length > MAX_IMAGE_DESCRIPTION) {
    throw invalidParameter(param, `The description must be a string of at most ${MAX_IMAGE_DESCRIPTION} characters`);
  }
  return description;
}

/**
 * The tags TagSpecifications put on the new image. `ignored` lists resource types the call accepts but Hive has no
 * resource for (CreateImage's snapshots): their tags are dropped rather than refused, so existing templates work.
 */
export function imageTagsOf(specs: TagSpecification[] | undefined, ignored: string[] = []): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const spec of specs ?? []) {
    const type = spec.ResourceType ?? "";
    const tags = checkTags(spec.Tags as Tag[] | undefined, "TagSpecification");
    if (type === "image") out.push(...tags);
    else if (!ignored.includes(type)) throw invalidParameter("TagSpecification", `'${type}' is not a valid taggable resource type for this operation.`);
  }
  // Checked once more together: two specifications for "image" must not pass 50 between them.
  return checkTags(out.map((t) => ({ Key: t.key, Value: t.value })), "TagSpecification");
}
