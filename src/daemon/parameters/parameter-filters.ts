// ParameterFilters (and DescribeParameters' older Filters): checked as Parameter Store checks them, then matched
// against each parameter's latest version.
import type { ParametersFilter, ParameterStringFilter } from "@aws-sdk/client-ssm";
import type { ParameterTag, ParameterVersion } from "../../store/index.ts";
import { constraint, invalidFilterKey, invalidFilterOption, invalidFilterValue, validation } from "./errors.ts";
import { asPath, isReserved, pathPrefix, underPath } from "./names.ts";

/** What a filter is matched against. */
export interface Filterable {
  name: string;
  type: string;
  keyId?: string;
  tier: string;
  dataType: string;
  labels: string[];
  tags: ParameterTag[];
}

export const filterable = (rec: ParameterVersion, tags: ParameterTag[]): Filterable => ({ ...rec, tags });

type Action = "DescribeParameters" | "GetParametersByPath";

const KEY_PATTERN = "tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType";
const VALID_KEYS: Record<Action, string[]> = {
  DescribeParameters: ["Path", "Name", "Type", "KeyId", "Tier", "DataType", "tag"],
  GetParametersByPath: ["Type", "KeyId", "Label"],
};
const TYPES = ["String", "StringList", "SecureString"];
const TIERS = ["Standard", "Advanced", "Intelligent-Tiering"];

interface Checked {
  key: string;
  option: string;
  values: string[];
}

const optionsFor = (key: string, action: Action): string[] => {
  if (key === "Path") return ["Recursive", "OneLevel"];
  if (key === "Label") return ["Equals"];
  if (key === "Name" && action === "DescribeParameters") return ["BeginsWith", "Equals", "Contains"];
  return ["BeginsWith", "Equals"];
};

function checkOne(f: ParameterStringFilter, i: number, action: Action): Checked {
  const key = f.Key ?? "";
  const at = `parameterFilters.${i + 1}.member`;
  if (!new RegExp(`^(?:${KEY_PATTERN})$`).test(key)) throw constraint(`${at}.key`, key, `Member must satisfy regular expression pattern: ${KEY_PATTERN}`);
  if (key.length > 132) throw constraint(`${at}.key`, key, "Member must have length less than or equal to 132");
  const family = key.startsWith("tag:") ? "tag" : key;
  if (!VALID_KEYS[action].includes(family)) {
    throw invalidFilterKey(`The following filter key is not valid: ${key}. Valid filter keys include: [${VALID_KEYS[action].map((k) => (k === "tag" ? "tag:<key>" : k)).join(", ")}].`);
  }
  const values = f.Values ?? [];
  if (values.length > 50) throw constraint(`${at}.values`, `[${values.join(", ")}]`, "Member must have length less than or equal to 50");
  if (values.some((v) => typeof v !== "string" || v.length < 1 || v.length > 1024)) {
    throw constraint(`${at}.values`, `[${values.join(", ")}]`, "[Member must have length less than or equal to 1024, Member must have length greater than or equal to 1]");
  }
  // A tag filter without values asks only that the tag be there.
  if (values.length === 0 && family !== "tag") throw invalidFilterValue(`The following filter values are missing : null for filter key ${key}.`);
  const options = optionsFor(key, action);
  const option = f.Option ?? (key === "Path" ? "OneLevel" : "Equals");
  if (!options.includes(option)) throw invalidFilterOption(`The following filter option is not valid: ${option}. Valid options include: [${options.join(", ")}].`);
  if (key === "Type") for (const v of values) if (!TYPES.includes(v)) throw invalidFilterValue(`The following filter value is not valid: ${v}. Valid values include: [${TYPES.join(", ")}].`);
  if (key === "Tier") for (const v of values) if (!TIERS.includes(v)) throw invalidFilterValue(`The following filter value is not valid: ${v}. Valid values include: [${TIERS.join(", ")}].`);
  if (key === "Path") {
    for (const v of values) {
      if (isReserved(v)) {
        throw validation(
          "ParameterFilters",
          'Filters for common parameters can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.',
        );
      }
      pathPrefix(v);
    }
  }
  return { key, option, values };
}

/** Checks the filters for the action; a key given twice is refused. */
export function checkFilters(filters: ParameterStringFilter[] | undefined, action: Action): Checked[] {
  const checked = (filters ?? []).map((f, i) => checkOne(f, i, action));
  const seen = new Set<string>();
  for (const f of checked) {
    if (seen.has(f.key)) throw invalidFilterKey(`The following filter is duplicated in the request: ${f.key}. A request can contain only one occurrence of a specific filter.`);
    seen.add(f.key);
  }
  return checked;
}

const compare = (option: string, subject: string, value: string): boolean =>
  option === "BeginsWith" ? subject.startsWith(value) : option === "Contains" ? subject.includes(value) : subject === value;

function matchesOne(p: Filterable, f: Checked): boolean {
  const any = (subjects: Array<string | undefined>, normalize = (v: string) => v) =>
    subjects.some((s) => s !== undefined && f.values.some((v) => compare(f.option, s, normalize(v))));
  switch (f.key) {
    case "Name":
      // "/x" and "x" are one name to a filter, except when searching inside names.
      return f.option === "Contains" ? any([p.name]) : any([asPath(p.name)], asPath);
    case "Path":
      return f.values.some((v) => underPath(p.name, pathPrefix(v), f.option === "Recursive"));
    case "Type":
      return any([p.type]);
    case "KeyId":
      return any([p.keyId]);
    case "Tier":
      return any([p.tier]);
    case "DataType":
      return any([p.dataType]);
    case "Label":
      return any(p.labels);
    default: {
      const tag = p.tags.find((t) => t.key === f.key.slice("tag:".length));
      return tag !== undefined && (f.values.length === 0 || any([tag.value]));
    }
  }
}

export const matchesAll = (p: Filterable, filters: Checked[]): boolean => filters.every((f) => matchesOne(p, f));

/** DescribeParameters' older Filters (Name, Type, KeyId), as ParameterFilters of the same meaning. */
export function legacyFilters(filters: ParametersFilter[] | undefined): Checked[] {
  return (filters ?? []).map((f, i) => {
    const key = f.Key ?? "";
    if (!["Name", "Type", "KeyId"].includes(key)) {
      throw constraint(`filters.${i + 1}.member.key`, key, "Member must satisfy enum value set: [Name, Type, KeyId]");
    }
    const values = f.Values ?? [];
    if (values.length === 0) throw invalidFilterValue(`The following filter values are missing : null for filter key ${key}.`);
    return { key, option: key === "Name" ? "BeginsWith" : "Equals", values };
  });
}
