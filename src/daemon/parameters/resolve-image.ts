// `resolve:ssm:<name>` image ids (also `name:version`, `name:label`, a parameter ARN): the AMI a parameter names,
// read when RunInstances (or a launch template) is given one.
import { HiveError, invalidParameter } from "../../errors/index.ts";
import type { Store } from "../../store/index.ts";
import { isId, type DaemonContext } from "../shared/index.ts";
import { find } from "./lookup.ts";
import { parameterCipher } from "./secure-string.ts";

export const RESOLVE_PREFIX = "resolve:ssm:";

const refuse = (imageId: string, why: string): HiveError => invalidParameter("ImageId", `Value (${imageId}) for parameter imageId is invalid. ${why}`);

/**
 * The AMI id `imageId` stands for: itself, or the value of the parameter a `resolve:ssm:` id names. A parameter that
 * does not exist, or whose value is not an AMI id, is InvalidParameterValue naming it, as EC2 answers.
 */
export function resolveImageId(store: Store, imageId: string, ctx: Pick<DaemonContext, "region" | "accountId"> = { region: "", accountId: "" }): string {
  if (!imageId.startsWith(RESOLVE_PREFIX)) return imageId;
  const name = imageId.slice(RESOLVE_PREFIX.length);
  // No key: a SecureString is refused for what it is, not opened.
  const deps = { ctx, store, cipher: parameterCipher(undefined) };
  let found: ReturnType<typeof find>;
  try {
    found = find(deps, name);
  } catch (err) {
    if (err instanceof HiveError && err.kind === "NotFound") throw refuse(imageId, err.message);
    throw err;
  }
  if (!found) throw refuse(imageId, `The Systems Manager parameter ${name} does not exist.`);
  if (found.kind === "public") return found.rec.imageId;
  if (found.rec.type !== "String") throw refuse(imageId, `The Systems Manager parameter ${name} is a ${found.rec.type}; an image id is read from a String parameter.`);
  if (!isId("ami", found.rec.value)) throw refuse(imageId, `The Systems Manager parameter ${name} does not hold an AMI ID: ${found.rec.value.slice(0, 64)}`);
  return found.rec.value;
}
