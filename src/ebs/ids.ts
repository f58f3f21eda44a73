// EC2-style resource ids: a prefix and 17 lowercase hex digits ("vol-0123456789abcdef0").

import { randomBytes } from "node:crypto";

const ID_RE = /^[a-z]+-[0-9a-f]{17}$/;

/** A fresh random id: `newResourceId("vol")` → "vol-" + 17 hex. */
export function newResourceId(prefix: string): string {
  // 9 bytes give 18 hex digits; EC2 ids carry 17.
  return `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

/** True for an id made by newResourceId(prefix): safe to use in file names, QMP node names and NBD export names. */
export function isResourceId(id: string, prefix: string): boolean {
  return ID_RE.test(id) && id.startsWith(`${prefix}-`);
}
