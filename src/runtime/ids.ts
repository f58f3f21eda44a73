// EC2 resource ids for every layer: a prefix, a dash and 17 lowercase hex digits; the old 8-digit form is accepted
// wherever EC2 accepts it. Only the shape lives here: which prefix names which resource, and the errors, are the daemon's.
import { randomBytes } from "node:crypto";

/** A fresh random id: `newId("vol")` → "vol-" and 17 hex digits, from the system's random source. */
// 9 bytes give 18 hex digits; EC2 ids carry 17.
export const newId = (prefix: string): string => `${prefix}-${randomBytes(9).toString("hex").slice(0, 17)}`;

const ID_RE = /^([a-z]+)-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * True when `id` is a `prefix` id in EC2's current (17 hex digits) or old (8) form; such a string is safe in file
 * names, QMP node names and NBD export names.
 */
export const isId = (prefix: string, id: string): boolean => ID_RE.exec(id)?.[1] === prefix;
