// Options shared by several commands, and their parsing.
import { InvalidArgumentError } from "commander";
import { resolveDataDir } from "../config/index.ts";

export interface DataDirFlags {
  dataDir?: string;
  portable?: boolean;
}

export const dataDirOf = (flags: DataDirFlags): string => resolveDataDir(flags);

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number 0-65535");
  return n;
}

export function parseRatio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 1 || n > 16) throw new InvalidArgumentError("expected a ratio between 1 and 16");
  return n;
}

/** `--public-cidr`: an IPv4 block of at most 65,536 addresses (the appliance checks that its host bits are zero). */
export function parsePublicCidr(value: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 16 || Number(m[5]) > 32) {
    throw new InvalidArgumentError("expected an IPv4 CIDR block from /16 to /32, e.g. 192.0.2.16/28");
  }
  return value;
}
