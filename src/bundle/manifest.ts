// A bundle's manifest: what it was made for and every file it holds with its size and SHA-256, checked before use.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Distribution } from "./distribution.ts";

export const MANIFEST = "manifest.json";
/** The same checksums in the form `sha256sum -c` reads, for a check without Hive. */
export const SHA256SUMS = "SHA256SUMS";
export const DEBS_DIR = "debs";
export const BINARY = "hive";

export interface BundleFile {
  /** Relative to the bundle, with forward slashes. */
  path: string;
  size: number;
  sha256: string;
  /** For a .deb: the package and version it holds. */
  package?: string;
  version?: string;
}

export interface BundleManifest {
  format: 1;
  /** The version of the hive binary in the bundle. */
  hive: string;
  created: string;
  distribution: Distribution;
  /** What the install asks apt for; the rest of debs/ is their dependency closure. */
  packages: string[];
  files: BundleFile[];
}

export class BundleError extends Error {}

/** Copies the hive binary into place beside its target, executable, and renames it over: a running hive keeps its file. */
export function placeBinary(from: string, to: string): void {
  if (path.resolve(from) === path.resolve(to)) return;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  const tmp = `${to}.tmp`;
  fs.copyFileSync(from, tmp);
  fs.chmodSync(tmp, 0o755);
  fs.renameSync(tmp, to);
}

export function sha256File(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

export function fileEntry(dir: string, rel: string, extra: Pick<BundleFile, "package" | "version"> = {}): BundleFile {
  const full = path.join(dir, rel);
  return { path: rel, size: fs.statSync(full).size, sha256: sha256File(full), ...extra };
}

/** Writes SHA256SUMS, then manifest.json last: a bundle without its manifest is an unfinished one. */
export function writeManifest(dir: string, manifest: BundleManifest): void {
  const sums = manifest.files.map((f) => `${f.sha256}  ${f.path}\n`).join("");
  writeDurably(path.join(dir, SHA256SUMS), sums);
  writeDurably(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
}

function writeDurably(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o644);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A path the manifest may name: relative, inside the bundle, no dot segments. */
const safeRelative = (p: unknown): p is string =>
  typeof p === "string" && p.length > 0 && !p.startsWith("/") && p.split("/").every((s) => s !== "" && s !== "." && s !== "..");

/** The SHA-256 of manifest.json: one figure that vouches for the whole bundle, to compare where it was made and used. */
export const manifestDigest = (dir: string): string => sha256File(path.join(dir, MANIFEST));

/** Reads and checks the shape of manifest.json; throws BundleError saying what is wrong. */
export function readManifest(dir: string): BundleManifest {
  const file = path.join(dir, MANIFEST);
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch {
    throw new BundleError(`${dir} is not a finished Hive bundle: it has no ${MANIFEST} (make one with hive bundle <dir>)`);
  }
  let m: BundleManifest;
  try {
    m = JSON.parse(raw) as BundleManifest;
  } catch (err) {
    throw new BundleError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new BundleError(`${file}: ${what}`);
  };
  if (m?.format !== 1) bad(`format ${JSON.stringify(m?.format)} is not one this hive reads (1)`);
  const d = m.distribution;
  if (!d || typeof d.arch !== "string" || typeof d.id !== "string" || typeof d.codename !== "string") bad("no distribution");
  if (!Array.isArray(m.packages) || !m.packages.every((p) => typeof p === "string" && /^[a-z0-9][a-z0-9+.-]*$/.test(p))) bad("bad package list");
  if (!Array.isArray(m.files)) bad("no file list");
  const seen = new Set<string>();
  for (const f of m.files) {
    if (!safeRelative(f?.path)) bad(`a file entry names ${JSON.stringify(f?.path)}, which is not a path inside the bundle`);
    if (!Number.isSafeInteger(f.size) || f.size < 0 || typeof f.sha256 !== "string" || !HEX64.test(f.sha256)) bad(`${f.path}: bad size or sha256`);
    if (seen.has(f.path)) bad(`${f.path} is listed twice`);
    seen.add(f.path);
  }
  return m;
}

/**
 * Every problem with the bundle's files against its manifest: missing, another size, another SHA-256, or a package
 * in debs/ the manifest does not list. Empty when the bundle is as it was made.
 */
export function bundleProblems(dir: string, manifest: BundleManifest): string[] {
  const problems: string[] = [];
  for (const f of manifest.files) {
    const full = path.join(dir, f.path);
    let size: number;
    try {
      size = fs.statSync(full).size;
    } catch {
      problems.push(`${f.path}: missing`);
      continue;
    }
    if (size !== f.size) problems.push(`${f.path}: ${size} bytes, the manifest says ${f.size}`);
    else if (sha256File(full) !== f.sha256) problems.push(`${f.path}: its SHA-256 is not the manifest's (the file was changed or damaged)`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  let debs: string[] = [];
  try {
    debs = fs.readdirSync(path.join(dir, DEBS_DIR));
  } catch {
    // reported above as missing files
  }
  for (const name of debs) {
    if (name.endsWith(".deb") && !listed.has(`${DEBS_DIR}/${name}`)) problems.push(`${DEBS_DIR}/${name}: not in the manifest`);
  }
  return problems;
}
