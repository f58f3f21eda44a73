// qemu-io for the block-storage tests: run commands against a volume (over NBD or its qcow2) and check what it holds.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** qemu-io's output for a list of commands; pattern mismatches are printed, so callers check the text. */
export async function qemuIo(args: string[]): Promise<string> {
  const { stdout, stderr } = await run("qemu-io", args);
  return stdout + stderr;
}

/** Reads `len` bytes at `offset` through the target and fails unless every byte is `pattern`. */
export async function expectPattern(target: string[], pattern: number, offset: string, len: string): Promise<void> {
  const out = await qemuIo([...target, "-c", `read -P 0x${pattern.toString(16)} ${offset} ${len}`]);
  assert.doesNotMatch(out, /verification failed|error|failed/i, out);
  assert.match(out, /^read \d+\/\d+ bytes/m, out);
}

/** An export as qemu-io's target: raw over its nbd+unix URI. */
export const nbd = (uri: string): string[] => ["-f", "raw", uri];
