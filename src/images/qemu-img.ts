// The one qemu-img wrapper, for images and block storage alike: always an argument array (never a shell), the
// missing package named on ENOENT, `info` to probe a disk, `check`, and `convert -p` with progress.
import { execFile, spawn } from "node:child_process";
import { HiveError } from "../errors/index.ts";
import { spawnError } from "../runtime/index.ts";

export const DISK_FORMATS = ["qcow2", "raw", "vmdk", "vhdx"] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];

export interface DiskInfo {
  format: DiskFormat;
  virtualSize: number;
  backingFile?: string;
  /** A VMDK whose data lives in files other than the one probed. */
  externalExtents: boolean;
}

/** What `qemu-img info` says about a volume or image file (block storage's view). */
export interface ImageInfo {
  format: string;
  virtualSizeBytes: number;
  /** Bytes the file takes on disk. */
  actualSizeBytes: number;
  /** As written in the image header (may be relative to the image's folder). */
  backingFile?: string;
  backingFormat?: string;
}

const QEMU_IMG = "qemu-img";
const TIMEOUT_MS = 60_000;

const missingTool = (err: NodeJS.ErrnoException): Error | undefined =>
  err.code === "ENOENT" ? spawnError(err, QEMU_IMG, { pkg: "qemu-utils" }) : undefined;

/** Runs `qemu-img <args>` and resolves with its stdout; a failure is an Internal HiveError naming the subcommand. */
export function qemuImg(args: string[], timeoutMs = TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(QEMU_IMG, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const missing = missingTool(err as NodeJS.ErrnoException);
      if (missing) return reject(new HiveError({ kind: "Internal", message: missing.message }));
      const why = stderr.trim() || err.message;
      reject(new HiveError({ kind: "Internal", message: `qemu-img ${args[0]} failed: ${why}` }));
    });
  });
}

/** `qemu-img info` of a volume or image; -U because the storage daemon may hold the file's write lock while it is exported. */
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

/** `qemu-img info --output=json` of a disk to import; throws with qemu-img's own words when it cannot read the file or Hive does not import its format. */
export function qemuImgInfo(file: string): Promise<DiskInfo> {
  return new Promise((resolve, reject) => {
    execFile(QEMU_IMG, ["info", "--output=json", file], { timeout: 30_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const msg = missingTool(err as NodeJS.ErrnoException) ?? new Error(lastLine(stderr) || err.message);
        return reject(msg);
      }
      let raw: Record<string, unknown>;
      try {
        raw = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        return reject(new Error("qemu-img info gave no JSON"));
      }
      const format = String(raw.format);
      if (!(DISK_FORMATS as readonly string[]).includes(format)) {
        return reject(new Error(`its format is ${format}; Hive imports ${DISK_FORMATS.join(", ")}`));
      }
      const extents = ((raw["format-specific"] as { data?: { extents?: Array<{ filename?: string }> } } | undefined)?.data?.extents ?? []);
      resolve({
        format: format as DiskFormat,
        virtualSize: Number(raw["virtual-size"]),
        backingFile: typeof raw["backing-filename"] === "string" ? raw["backing-filename"] : undefined,
        externalExtents: extents.some((e) => e.filename !== undefined && e.filename !== raw.filename),
      });
    });
  });
}

/**
 * `qemu-img check`: throws when the image's metadata is damaged (a truncated qcow2 still converts, as zeros).
 * Leaked clusters (exit 3) are harmless, and a format without a checker (exit 63) passes.
 */
export function qemuImgCheck(file: string, format: DiskFormat): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(QEMU_IMG, ["check", "-f", format, file], { timeout: 120_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const code = (err as { code?: unknown }).code;
      if (code === 3 || code === 63) return resolve();
      const missing = missingTool(err as NodeJS.ErrnoException);
      if (missing) return reject(missing);
      const first = stderr.trim().split("\n")[0]?.replace(/^qemu-img: /, "");
      reject(new Error(code === 2 ? `it is corrupt (${first || lastLine(stdout)})` : first || err.message));
    });
  });
}

const PROGRESS = /\((\d+(?:\.\d+)?)\/100%\)/g;

/** The last `(NN.NN/100%)` in a chunk of `qemu-img -p` output (it redraws one line with \r). */
export function lastPercent(chunk: string): number | undefined {
  let last: number | undefined;
  for (const m of chunk.matchAll(PROGRESS)) last = Number(m[1]);
  return last;
}

/** `qemu-img convert -p -O qcow2 -f <format> src dst`; rejects (and kills qemu-img) when the signal aborts. */
export function qemuImgConvert(
  src: string,
  format: DiskFormat,
  dst: string,
  onPercent: (percent: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU_IMG, ["convert", "-p", "-O", "qcow2", "-f", format, src, dst], {
      stdio: ["ignore", "pipe", "pipe"],
      signal,
    });
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      const p = lastPercent(chunk);
      if (p !== undefined) onPercent(p);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      // Keep the tail only: the reason is at the end, and a runaway writer must not grow memory.
      stderr = (stderr + chunk).slice(-4096);
    });
    child.once("error", (err: NodeJS.ErrnoException) => reject(missingTool(err) ?? err));
    child.once("close", (code, sig) => {
      if (code === 0) return resolve();
      reject(new Error(`qemu-img convert failed: ${lastLine(stderr) || (sig ? `killed by ${sig}` : `exit code ${code}`)}`));
    });
  });
}

const lastLine = (text: string): string => text.trim().split("\n").pop()?.replace(/^qemu-img: /, "") ?? "";
