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
