// EC2 resource ids as the actions check them: the shape comes from src/runtime/ids.ts, the prefixes and the
// Malformed errors (InvalidInstanceID.Malformed & co.) are EC2's.
import { malformed } from "../../errors/index.ts";
import { isId } from "../../runtime/index.ts";

export { isId, newId } from "../../runtime/index.ts";

const RESOURCE_BY_PREFIX: Record<string, string> = {
  i: "instance",
  ami: "image",
  vol: "volume",
  snap: "snapshot",
  r: "reservation",
  vpc: "vpc",
  sg: "security-group",
  sgr: "security-group-rule",
  subnet: "subnet",
  rtb: "route-table",
  igw: "internet-gateway",
  dopt: "dhcp-options",
  eni: "network-interface",
  eipalloc: "elastic-ip",
  lt: "launch-template",
};

/** Throws Malformed (InvalidInstanceID.Malformed & co.) for the first id that cannot be a `prefix` id. */
export function assertIds(prefix: string, ids: string[] | undefined, param: string): void {
  for (const id of ids ?? []) {
    if (!isId(prefix, id)) {
      const resource = RESOURCE_BY_PREFIX[prefix] ?? prefix;
      throw malformed(resource, `Invalid id: "${id.slice(0, 64)}" (expecting "${prefix}-...")`, param);
    }
  }
}

/** Which resource an id names, from its prefix: i- instance, vol- volume, ami- image, sg- security group, … */
export const resourceTypeOf = (id: string): string | undefined => {
  const prefix = id.split("-")[0];
  return prefix && id.includes("-") ? RESOURCE_BY_PREFIX[prefix] : undefined;
};
