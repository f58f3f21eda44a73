// `hive bundle <dir>`: the binary and the Debian packages a bare box of this release needs, with a manifest.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { debControl, controlField, downloadClosure, planClosure, writeFlatRepository } from "./apt.ts";
import { currentDistribution, type Distribution } from "./distribution.ts";
import { BINARY, BundleError, DEBS_DIR, fileEntry, MANIFEST, placeBinary, SHA256SUMS, writeManifest, type BundleFile, type BundleManifest } from "./manifest.ts";
import { RUNTIME_PACKAGES } from "./packages.ts";

export interface WriteBundleOptions {
  /** The hive binary to put in the bundle. */
  binary: string;
  hiveVersion: string;
  /** Where apt keeps the packages this box downloaded before; files found there are not fetched again. */
  aptCache?: string;
  log?: (line: string) => void;
}

export interface WrittenBundle {
  manifest: BundleManifest;
  /** Packages reused from the apt cache, and fetched. */
  reused: number;
  fetched: number;
}

/** Files a bundle directory may already hold: an earlier bundle is refreshed in place, anything else is refused. */
const OURS = new Set([BINARY, `${BINARY}.tmp`, DEBS_DIR, MANIFEST, SHA256SUMS, `${MANIFEST}.tmp`, `${SHA256SUMS}.tmp`, "Packages", "Release", "README.txt"]);

export function writeBundle(dir: string, opts: WriteBundleOptions): WrittenBundle {
  const log = opts.log ?? (() => {});
  const distribution = currentDistribution();
  checkTarget(dir);
  fs.mkdirSync(path.join(dir, DEBS_DIR), { recursive: true });
  // From here on the bundle is unfinished until the new manifest is written.
  fs.rmSync(path.join(dir, MANIFEST), { force: true });
  const debs = path.join(dir, DEBS_DIR);
  const packages = RUNTIME_PACKAGES.map((p) => p.name);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hive-bundle-"));
  let reused = 0;
  let planned: { file: string; size: number }[];
  try {
    planned = planClosure(packages, work, debs);
    log(`bundle: ${planned.length} packages for ${packages.join(", ")} on a bare ${distribution.id} ${distribution.codename} ${distribution.arch}`);
    reused = reuseCached(planned, debs, opts.aptCache ?? "/var/cache/apt/archives");
    if (reused < planned.length) log(`bundle: ${reused} from the apt cache, downloading ${planned.length - reused}`);
    downloadClosure(packages, work, debs);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const wanted = new Set(planned.map((p) => p.file));
  for (const name of fs.readdirSync(debs)) if (!wanted.has(name)) fs.rmSync(path.join(debs, name), { recursive: true, force: true });
  for (const p of planned) if (!fs.existsSync(path.join(debs, p.file))) throw new BundleError(`apt did not download ${p.file}`);

  const files: BundleFile[] = [];
  const indexed = planned.map((p) => {
    const rel = `${DEBS_DIR}/${p.file}`;
    const control = debControl(path.join(dir, rel));
    const entry = fileEntry(dir, rel, { package: controlField(control, "Package"), version: controlField(control, "Version") });
    files.push(entry);
    return { rel, control, size: entry.size, sha256: entry.sha256 };
  });
  writeFlatRepository(dir, indexed);
  placeBinary(opts.binary, path.join(dir, BINARY));
  fs.writeFileSync(path.join(dir, "README.txt"), readme(distribution));
  files.push(...[BINARY, "Packages", "Release", "README.txt"].map((rel) => fileEntry(dir, rel)));
  const manifest: BundleManifest = {
    format: 1,
    hive: opts.hiveVersion,
    created: new Date().toISOString(),
    distribution,
    packages,
    files,
  };
  writeManifest(dir, manifest);
  return { manifest, reused, fetched: planned.length - reused };
}

/** The directory must be new, empty, or an earlier bundle. */
function checkTarget(dir: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new BundleError(`${dir}: ${(err as Error).message}`);
  }
  const foreign = entries.filter((e) => !OURS.has(e));
  if (foreign.length) throw new BundleError(`${dir} holds other files (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""}): name a new or empty directory`);
}

/** Copies what the apt cache already holds (same name and size; apt checks the hashes before it trusts them). */
function reuseCached(planned: { file: string; size: number }[], debs: string, cache: string): number {
  let n = 0;
  for (const p of planned) {
    const target = path.join(debs, p.file);
    if (sizeOf(target) === p.size) {
      n++;
      continue;
    }
    const cached = path.join(cache, p.file);
    if (sizeOf(cached) !== p.size) continue;
    fs.copyFileSync(cached, target);
    n++;
  }
  return n;
}

function sizeOf(file: string): number | undefined {
  try {
    return fs.statSync(file).size;
  } catch {
    return undefined;
  }
}

const readme = (d: Distribution): string =>
  [
    `Hive offline bundle for ${d.id} ${d.versionId || d.codename} (${d.codename}) ${d.arch}.`,
    "",
    "On the offline box, as root:",
    "  ./hive install --from .            # checks every file, installs the packages from here only, copies hive to /usr/local/bin",
    "  hive up",
    "",
    "Without Hive: sha256sum -c SHA256SUMS checks the same checksums manifest.json holds.",
    "",
  ].join("\n");
