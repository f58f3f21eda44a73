// qemu-img as Hive runs it: `info` to probe a disk, `convert -p` to store it as qcow2 while reporting progress.
import { execFile, spawn } from "node:child_process";

export const DISK_FORMATS = ["qcow2", "raw", "vmdk", "vhdx"] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];

export interface DiskInfo {
  format: DiskFormat;
  virtualSize: number;
  backingFile?: string;
  /** A VMDK whose data lives in files other than the one probed. */
  externalExtents: boolean;
}

const QEMU_IMG = "qemu-img";

const missingTool = (err: NodeJS.ErrnoException): Error | undefined =>
  err.code === "ENOENT" ? new Error("qemu-img is not installed (Debian: apt-get install qemu-utils)") : undefined;

/** `qemu-img info --output=json`; throws with qemu-img's own words when it cannot read the file. */
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
