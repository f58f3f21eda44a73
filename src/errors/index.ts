// Domain errors: what went wrong, in Hive's words. The gateway maps them to AWS codes in one table.

export type ErrorKind =
  | "InvalidParameter" // a value the caller sent is wrong
  | "NotFound" // a named resource does not exist
  | "Malformed" // a resource id that cannot be one (i-xyz)
  | "Conflict" // the resource exists already or is in use
  | "InvalidState" // the resource is in the wrong state for this call
  | "CapacityExhausted" // no node has room
  | "NotPermitted" // the resource forbids this (termination protection)
  | "Unsupported" // known, not built
  | "Unavailable" // nobody is answering right now (no daemon, NATS down)
  | "Internal"; // a bug or a failed dependency

/** The wire form of a domain error, carried over NATS. */
export interface HiveErrorData {
  kind: ErrorKind;
  message: string;
  /** The resource type concerned, e.g. "instance-type", "region", "availability-zone". */
  resource?: string;
  /** The request parameter concerned, e.g. "InstanceTypes". */
  param?: string;
}

export class HiveError extends Error {
  readonly kind: ErrorKind;
  readonly resource?: string;
  readonly param?: string;

  constructor(data: HiveErrorData) {
    super(data.message);
    this.name = `HiveError(${data.kind})`;
    this.kind = data.kind;
    this.resource = data.resource;
    this.param = data.param;
  }

  toJSON(): HiveErrorData {
    return { kind: this.kind, message: this.message, resource: this.resource, param: this.param };
  }

  static fromJSON(data: HiveErrorData): HiveError {
    return new HiveError(data);
  }
}

export const invalidParameter = (param: string, message: string, resource?: string): HiveError =>
  new HiveError({ kind: "InvalidParameter", param, message, resource });

export const notFound = (resource: string, message: string, param?: string): HiveError =>
  new HiveError({ kind: "NotFound", resource, message, param });

export const malformed = (resource: string, message: string, param?: string): HiveError =>
  new HiveError({ kind: "Malformed", resource, message, param });

export const invalidState = (resource: string, message: string): HiveError => new HiveError({ kind: "InvalidState", resource, message });

/** `resource` names what did not fit ("volume", "snapshot"); none means an instance's vCPUs and memory. */
export const capacityExhausted = (message: string, resource?: string): HiveError => new HiveError({ kind: "CapacityExhausted", message, resource });

export const notPermitted = (message: string): HiveError => new HiveError({ kind: "NotPermitted", message });

export const unavailable = (message: string): HiveError => new HiveError({ kind: "Unavailable", message });

export const unsupported = (message: string): HiveError => new HiveError({ kind: "Unsupported", message });

export const conflict = (resource: string, message: string, param?: string): HiveError => new HiveError({ kind: "Conflict", resource, message, param });
