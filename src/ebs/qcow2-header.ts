// The backing file named in a qcow2 header, read straight from the file: the sweep checks many files at start and
// must not spawn qemu-img for each.

import { closeSync, openSync, readSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";

const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
/** QEMU refuses backing names longer than this (PATH_MAX-ish); a larger field is a damaged header. */
const MAX_NAME = 4096;

/**
 * The absolute path of the file's backing image, undefined when it has none, or null when the file is not a qcow2
 * we could read (callers that protect files treat null as "cannot tell").
 */
export function qcow2Backing(file: string): string | undefined | null {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(20);
    if (readSync(fd, head, 0, 20, 0) < 20 || head.readUInt32BE(0) !== QCOW2_MAGIC) return null;
    const offset = Number(head.readBigUInt64BE(8));
    const size = head.readUInt32BE(16);
    if (offset === 0 || size === 0) return undefined;
    if (size > MAX_NAME) return null;
    const name = Buffer.alloc(size);
    if (readSync(fd, name, 0, size, offset) < size) return null;
    const backing = name.toString("utf8");
    // A relative name is relative to the overlay's folder, as QEMU reads it.
    return isAbsolute(backing) ? backing : resolve(dirname(file), backing);
  } catch {
    return null; // a folder, or a read error
  } finally {
    closeSync(fd);
  }
}
