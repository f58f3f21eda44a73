// Runs qemu-img with argument arrays (never a shell) and turns its failures into HiveErrors.

import { execFile } from "node:child_process";
import { HiveError } from "../errors/index.ts";

export interface ImageInfo {
  format: string;
  virtualSizeBytes: number;
  /** Bytes the file takes on disk. */
  actualSizeBytes: number;
  /** As written in the image header (may be relative to the image's folder). */
  backingFile?: string;
  backingFormat?: string;
}

const TIMEOUT_MS = 60_000;

/** Runs `qemu-img <args>` and resolves with its stdout. */
export function qemuImg(args: string[], timeoutMs = TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("qemu-img", args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        return reject(new HiveError({ kind: "Internal", message: "qemu-img not found; install it with `apt-get install qemu-utils`" }));
      }
      const why = stderr.trim() || err.message;
      reject(new HiveError({ kind: "Internal", message: `qemu-img ${args[0]} failed: ${why}` }));
    });
  });
}

/** `qemu-img info`; -U because the storage daemon may hold the image's write lock while it is exported. */
export async function imageInfo(file: string): Promise<ImageInfo> {
  const raw = JSON.parse(await qemuImg(["info", "-U", "--output=json", file])) as Record<string, unknown>;
  return {
    format: String(raw["format"]),
    virtualSizeBytes: Number(raw["virtual-size"]),
    actualSizeBytes: Number(raw["actual-size"] ?? 0),
    backingFile: typeof raw["backing-filename"] === "string" ? raw["backing-filename"] : undefined,
    backingFormat: typeof raw["backing-filename-format"] === "string" ? raw["backing-filename-format"] : undefined,
  };
}
