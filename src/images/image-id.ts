// AMI identifiers: how new ones are made and which strings are shaped like one.
import { randomBytes } from "node:crypto";

/** A new AMI id: `ami-` and 17 lowercase hex digits, from the system's random source. */
export const newImageId = (): string => `ami-${randomBytes(9).toString("hex").slice(0, 17)}`;

/** EC2 accepts the old 8-digit and the current 17-digit form; anything else is malformed. */
export const isImageIdShape = (id: string): boolean => /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(id);
