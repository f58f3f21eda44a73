// Starting and ending child programs: what to tell the operator when one cannot be run, and waiting for a pid to go.

import { pidRunning } from "./process.ts";

export interface SpawnErrorOptions {
  /** How the message names the program, e.g. "qemu-img" or "nats-server binary"; default the binary itself. */
  name?: string;
  /** The Debian package to install when it is missing. */
  pkg: string;
  /** Said after the install advice, in parentheses (e.g. which package ships it and why). */
  hint?: string;
}

/**
 * The error for a program that could not be run: ENOENT says which package to `apt-get install`, EACCES that it is
 * not executable, anything else what the system said.
 */
export function spawnError(err: NodeJS.ErrnoException, binary: string, opts: SpawnErrorOptions): Error {
  const name = opts.name ?? binary;
  const at = name === binary ? "" : ` at ${binary}`;
  if (err.code === "ENOENT") {
    return new Error(`${name} not found${at}; install it with \`apt-get install ${opts.pkg}\`${opts.hint ? ` (${opts.hint})` : ""}, or on a box without network with \`hive install --from <bundle>\``);
  }
  if (err.code === "EACCES") return new Error(`${name}${at} is not executable`);
  return new Error(`could not run ${name}${at}: ${err.message}`);
}

/** Polls until `pid` is gone; false when it is still running after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (pidRunning(pid)) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
