// `hive install --from <dir>`: check a bundle against its manifest, install its packages with apt from its own files
// only, and put the binary in place.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { localOnlyOptions, runApt } from "./apt.ts";
import { currentDistribution, describeDistribution, distributionMismatch } from "./distribution.ts";
import { BINARY, BundleError, bundleProblems, manifestDigest, placeBinary, readManifest, type BundleManifest } from "./manifest.ts";

export interface InstallBundleOptions {
  /** Where the hive binary goes; default /usr/local/bin. */
  binDir?: string;
  /** Check the bundle and stop: nothing is installed, root is not needed. */
  checkOnly?: boolean;
  log?: (line: string) => void;
}

export interface InstalledBundle {
  manifest: BundleManifest;
  /** The installed binary; undefined with checkOnly. */
  binary?: string;
  /** package → the version dpkg now has. */
  versions: Record<string, string>;
}

/** Checks the bundle: made for this release and architecture, every file as the manifest says. Throws BundleError. */
export function checkBundle(dir: string): BundleManifest {
  const manifest = readManifest(dir);
  const here = currentDistribution();
  const mismatch = distributionMismatch(manifest.distribution, here);
  if (mismatch) throw new BundleError(`this bundle cannot install here: ${mismatch}; make one with hive bundle on a ${describeDistribution(here)} box`);
  const problems = bundleProblems(dir, manifest);
  if (problems.length) {
    throw new BundleError(`the bundle in ${dir} is not as it was made; nothing was installed:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  return manifest;
}

export function installBundle(from: string, opts: InstallBundleOptions = {}): InstalledBundle {
  const log = opts.log ?? (() => {});
  const dir = path.resolve(from);
  if (!opts.checkOnly && process.getuid?.() !== 0) throw new BundleError("installing packages needs root: run hive install as root (sudo)");
  const manifest = checkBundle(dir);
  log(`install: ${manifest.files.length} files match the manifest (hive ${manifest.hive}, ${describeDistribution(manifest.distribution)})`);
  log(`install: manifest.json SHA-256 ${manifestDigest(dir)}`);
  if (opts.checkOnly) return { manifest, versions: {} };

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "hive-install-"));
  try {
    const apt = localOnlyOptions(dir, work);
    const update = runApt("apt-get", [...apt, "update", "-q"]);
    if (update.status !== 0) throw new BundleError(`apt could not read the bundle's repository:\n${update.output.trimEnd()}`);
    log(`install: apt-get install ${manifest.packages.join(" ")} from the bundle only`);
    const install = runApt("apt-get", [...apt, "install", "-y", "-q", ...manifest.packages]);
    if (install.status !== 0) throw new BundleError(`apt could not install the bundle's packages:\n${install.output.trimEnd().split("\n").slice(-20).join("\n")}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const binary = path.join(opts.binDir ?? "/usr/local/bin", BINARY);
  placeBinary(path.join(dir, BINARY), binary);
  return { manifest, binary, versions: installedVersions(manifest.packages) };
}

function installedVersions(packages: readonly string[]): Record<string, string> {
  const r = spawnSync("dpkg-query", ["-W", "-f", "${Package} ${Version}\n", ...packages], { encoding: "utf8" });
  const versions: Record<string, string> = {};
  for (const line of (r.stdout ?? "").split("\n")) {
    const [name, version] = line.split(" ");
    if (name && version) versions[name] = version;
  }
  return versions;
}

