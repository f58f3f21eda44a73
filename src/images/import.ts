// The import pipeline: fetch or open the source, unpack a cloud-image tarball, convert to the one stored qcow2.
import { mkdir, mkdtemp, rename, rm, stat, access, constants } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { HiveError } from "../errors/index.ts";
import { checkedDisk, detectSource } from "./detect.ts";
import { download } from "./download.ts";
import { imageFile, imageFileRel, imagesTmpDir } from "./paths.ts";
import { qemuImgConvert, qemuImgInfo, type DiskFormat } from "./qemu-img.ts";
import { extractDiskRaw, TAR_MEMBER } from "./tar-xz.ts";

export type ImportPhase = "download" | "extract" | "convert";

export interface ImportProgress {
  phase: ImportPhase;
  percent: number;
}

export interface ImportOptions {
  /** A local path or an http(s) URL. */
  source: string;
  dataDir: string;
  imageId: string;
  onProgress?: (p: ImportProgress) => void;
  signal?: AbortSignal;
}

export interface ImportResult {
  /** The disk's virtual size in bytes. */
  sizeBytes: number;
  /** The source disk's format; a tarball's disk.raw is "raw". */
  format: DiskFormat;
  /** Set when the disk came out of an archive. */
  archive?: "tar.xz";
  /** The stored qcow2, relative to the data directory (ImageRecord.file). */
  file: string;
}

const invalid = (message: string): HiveError => new HiveError({ kind: "InvalidParameter", param: "source", message });

/** A URL for http(s) sources, a path for everything else (file: URLs included). */
export function parseSource(source: string): { url: URL } | { path: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    let url: URL;
    try {
      url = new URL(source);
    } catch {
      throw invalid(`${source} is not a valid URL`);
    }
    if (url.protocol === "file:") return { path: fileURLToPath(url) };
    if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(`${url.protocol} sources are not supported; use a local path or an http(s) URL`);
    return { url };
  }
  return { path: path.resolve(source) };
}

/** Imports source as images/<imageId>.qcow2. On failure nothing is left behind: no stored file, no temp files. */
export async function importImage(opts: ImportOptions): Promise<ImportResult> {
  const report = (phase: ImportPhase, percent: number) => opts.onProgress?.({ phase, percent: Math.max(0, Math.min(100, percent)) });
  const dest = imageFile(opts.dataDir, opts.imageId);
  const tmpRoot = imagesTmpDir(opts.dataDir);
  await mkdir(tmpRoot, { recursive: true, mode: 0o700 });
  if (await exists(dest)) throw new HiveError({ kind: "Conflict", resource: "image", message: `${imageFileRel(opts.imageId)} exists already` });
  const work = await mkdtemp(path.join(tmpRoot, `${opts.imageId}-`));
  try {
    const where = parseSource(opts.source);
    let file: string;
    let label: string;
    if ("url" in where) {
      file = path.join(work, "download");
      label = path.basename(where.url.pathname) || where.url.host;
      report("download", 0);
      await download(where.url, file, (p) => report("download", p), opts.signal);
    } else {
      file = where.path;
      label = path.basename(file);
      await readableFile(file);
    }

    let disk = await detectSource(file, label, (await stat(file)).size);
    let archive: ImportResult["archive"];
    if (disk.kind === "tar-xz") {
      report("extract", 0);
      const raw = await extractDiskRaw(file, work, (p) => report("extract", p), opts.signal);
      // The download is no longer needed; free its space before the convert writes a second copy.
      if (file.startsWith(work)) await rm(file, { force: true });
      file = raw;
      archive = "tar.xz";
      disk = { kind: "disk", ...(await checkedDisk(raw, `${TAR_MEMBER} in ${label}`, (await stat(raw)).size)) };
    }
    if (disk.virtualSize <= 0) throw invalid(`${label} is an empty disk`);

    // Convert inside the work folder and rename at the end, so images/ never holds a half-written file.
    const out = path.join(work, "out.qcow2");
    report("convert", 0);
    await qemuImgConvert(file, disk.format, out, (p) => report("convert", p), opts.signal);
    const stored = await qemuImgInfo(out);
    if (stored.format !== "qcow2") throw new Error(`qemu-img wrote ${stored.format}, not qcow2`);
    await rename(out, dest);
    report("convert", 100);
    return { sizeBytes: stored.virtualSize, format: disk.format, ...(archive ? { archive } : {}), file: imageFileRel(opts.imageId) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Removes a stored image file; a missing file is fine. */
export async function removeImageFile(dataDir: string, imageId: string): Promise<void> {
  await rm(imageFile(dataDir, imageId), { force: true });
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

async function readableFile(file: string): Promise<void> {
  let st;
  try {
    st = await stat(file);
    await access(file, constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(code === "ENOENT" ? `${file} does not exist` : `${file} is not readable (${code ?? String(err)})`);
  }
  if (!st.isFile()) throw invalid(`${file} is not a regular file`);
}
