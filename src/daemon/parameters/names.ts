// Parameter names as Parameter Store reads them: the naming rules a write must follow, hierarchy paths, the
// `name:version` and `name:label` selectors of reads, parameter ARNs, and the public names under /aws/service/.
import { hierarchyTooDeep, reservedName, validation } from "./errors.ts";

export const MAX_NAME_LENGTH = 1011;
export const MAX_DEPTH = 15;
/** Where AWS keeps its public parameters; Hive's images are published below it. */
export const PUBLIC_PREFIX = "/aws/service/";

const NAME_RULES =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

const SEGMENT = /^[a-zA-Z0-9_.-]+$/;

/** The levels of a name: "/a/b/c" → [a, b, c]; "x" → [x]; undefined when a level is empty or has other characters. */
function levels(name: string): string[] | undefined {
  const parts = name.includes("/") ? (name.startsWith("/") ? name.slice(1).split("/") : undefined) : [name];
  return parts?.every((p) => SEGMENT.test(p)) ? parts : undefined;
}

/** True for names under /aws/ or /ssm/ (and aws…/ssm… at the top): AWS's own, read-only to callers. */
export const isReserved = (name: string): boolean => /^\/?(aws|ssm)/i.test(name);

export const isPublicName = (name: string): boolean => name.startsWith(PUBLIC_PREFIX);

/** Checks a name a caller may write, as PutParameter does: characters, hierarchy, length, AWS's reserved prefixes. */
export function checkWritableName(raw: string | undefined): string {
  // The service drops spaces around a name; spaces inside one are refused with the rest.
  const name = (raw ?? "").trim();
  if (name === "") throw validation("Name", "1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1.");
  const parts = levels(name);
  if (!parts) throw validation("Name", NAME_RULES);
  if (isReserved(name)) {
    if (/^\/aws\//i.test(name)) throw reservedName(name);
    throw validation("Name", 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).');
  }
  if (parts.length > MAX_DEPTH) throw hierarchyTooDeep();
  if (name.length > MAX_NAME_LENGTH) {
    throw validation("Name", `1 validation error detected: Value '${name.slice(0, 64)}…' at 'name' failed to satisfy constraint: Member must have length less than or equal to ${MAX_NAME_LENGTH}`);
  }
  return name;
}

/** Checks a name to publish under /aws/service/ for an image (the operator's, through the admin API). */
export function checkPublicName(raw: string | undefined): string {
  const name = (raw ?? "").trim();
  if (!isPublicName(name)) throw validation("Name", `a public parameter's name starts with ${PUBLIC_PREFIX}, not ${name || "''"}`);
  const parts = levels(name);
  if (!parts || parts.length < 3) throw validation("Name", `${name}: ${NAME_RULES}`);
  if (parts.length > MAX_DEPTH) throw hierarchyTooDeep();
  if (name.length > MAX_NAME_LENGTH) throw validation("Name", `${name.slice(0, 64)}…: a parameter name has at most ${MAX_NAME_LENGTH} characters`);
  return name;
}

/** The GetParametersByPath path as a name prefix ("/a/b" → "/a/b/"), checked as AWS checks it. */
export function pathPrefix(raw: string | undefined): string {
  const path = (raw ?? "").trim();
  const trimmed = path.replace(/\/+$/, "");
  if (path === "/") return "/";
  const parts = trimmed.startsWith("/") ? levels(trimmed) : undefined;
  if (!parts) {
    throw validation(
      "Path",
      'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.',
    );
  }
  if (parts.length > MAX_DEPTH) throw hierarchyTooDeep();
  return `${trimmed}/`;
}

/** A name as paths see it: a name outside any hierarchy ("x") sits at the root ("/x"). */
export const asPath = (name: string): string => (name.startsWith("/") ? name : `/${name}`);

/** Whether the name lies under the prefix ("/a/"), directly or (recursive) at any depth. */
export function underPath(name: string, prefix: string, recursive: boolean): boolean {
  const full = asPath(name);
  if (!full.startsWith(prefix)) return false;
  return recursive || !full.slice(prefix.length).includes("/");
}

/** What a read names: the parameter, and one of its versions by number or label. */
export type Selector = {
  name: string;
  version?: number;
  label?: string;
  /** An ARN's one-level name ("parameter/x") is "/x" or "x": the second is tried when the first is not there. */
  otherName?: string;
};

/** Reads `name`, `name:3` or `name:label`, and a parameter ARN in place of the name. */
export function parseSelector(raw: string, region: string): Selector | undefined {
  const trimmed = raw.trim();
  const text = fromArn(trimmed, region);
  if (text === undefined) return undefined;
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon);
  const sel = colon < 0 ? undefined : text.slice(colon + 1);
  if (name === "" || sel === "" || sel?.includes(":")) return undefined;
  const otherName = trimmed !== text && name.lastIndexOf("/") === 0 ? name.slice(1) : undefined;
  const which = sel === undefined ? {} : /^\d+$/.test(sel) ? { version: Number(sel) } : { label: sel };
  return { name, ...which, ...(otherName ? { otherName } : {}) };
}

/** `arn:aws:ssm:<region>:<account>:parameter/a/b` → "/a/b"; a plain name as it is; undefined for another region's ARN. */
function fromArn(text: string, region: string): string | undefined {
  if (!text.startsWith("arn:")) return text;
  const m = /^arn:aws[a-z-]*:ssm:([^:]*):(\d*):parameter(\/.*)$/.exec(text);
  if (!m || (m[1] !== "" && m[1] !== region)) return undefined;
  return m[3];
}

/** The parameter's ARN: public parameters name no account, as AWS's do. */
export function parameterArn(region: string, accountId: string, name: string): string {
  return `arn:aws:ssm:${region}:${isPublicName(name) ? "" : accountId}:parameter${asPath(name)}`;
}
