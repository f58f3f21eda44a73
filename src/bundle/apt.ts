// apt and dpkg as the bundle uses them: plan a closure as if the box were bare, download it, and install from a
// bundle's own flat repository with every other source shut out.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { BundleError, sha256File } from "./manifest.ts";

export interface PlannedDeb {
  /** The name apt stores it under in an archives directory, e.g. libaudit-common_1%3a3.0.9-1_all.deb. */
  file: string;
  size: number;
}

export interface AptRun {
  status: number | null;
  output: string;
}

export function runApt(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): AptRun {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive", LC_ALL: "C.UTF-8", ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new BundleError(`${cmd} could not run: ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The last lines of a command's output, for an error message. */
const tail = (text: string, lines = 15): string => text.trimEnd().split("\n").slice(-lines).join("\n");

/**
 * apt options for working as if nothing were installed (an empty dpkg status), so that the plan is the whole
 * dependency closure, with the package caches kept out of the host's /var/cache/apt.
 */
function bareBoxOptions(work: string, archives: string): string[] {
  const status = path.join(work, "status");
  fs.writeFileSync(status, "");
  fs.mkdirSync(path.join(archives, "partial"), { recursive: true });
  return [
    "-o", `Dir::State::status=${status}`,
    "-o", `Dir::State::extended_states=${path.join(work, "extended_states")}`,
    "-o", "Dir::Cache::pkgcache=",
    "-o", "Dir::Cache::srcpkgcache=",
    "-o", `Dir::Cache::archives=${archives}`,
    "-o", "Debug::NoLocking=1",
    "-o", "APT::Install-Recommends=false",
    "-o", "APT::Install-Suggests=false",
  ];
}

/** Every .deb a bare box needs for `packages`, from this box's apt sources (its lists must be current). */
export function planClosure(packages: readonly string[], work: string, archives: string): PlannedDeb[] {
  const r = runApt("apt-get", [...bareBoxOptions(work, archives), "install", "-y", "-qq", "--print-uris", ...packages]);
  if (r.status !== 0) throw new BundleError(`apt could not plan ${packages.join(" ")}:\n${tail(r.output)}`);
  const planned: PlannedDeb[] = [];
  for (const line of r.output.split("\n")) {
    const m = /^'[^']+' (\S+\.deb) (\d+) /.exec(line);
    if (m) planned.push({ file: m[1], size: Number(m[2]) });
  }
  if (!planned.length) throw new BundleError(`apt planned nothing for ${packages.join(" ")}:\n${tail(r.output)}`);
  return planned;
}

/** Downloads the closure into `archives`; apt checks each file against its lists and fetches only what is missing. */
export function downloadClosure(packages: readonly string[], work: string, archives: string): void {
  const r = runApt("apt-get", [...bareBoxOptions(work, archives), "install", "-y", "-q", "--download-only", ...packages]);
  if (r.status !== 0) {
    throw new BundleError(
      `apt could not download the packages (run apt-get update if its lists are old, and check the box reaches its mirrors):\n${tail(r.output)}`,
    );
  }
  fs.rmSync(path.join(archives, "partial"), { recursive: true, force: true });
  fs.rmSync(path.join(archives, "lock"), { force: true });
}

/** A .deb's control fields (Package, Version, Depends, …) as dpkg-deb prints them. */
export function debControl(file: string): string {
  const r = spawnSync("dpkg-deb", ["--field", file], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (r.error || r.status !== 0) throw new BundleError(`${path.basename(file)} is not a Debian package: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout.trimEnd();
}

export const controlField = (control: string, name: string): string | undefined =>
  new RegExp(`^${name}: *(.*)$`, "m").exec(control)?.[1]?.trim();

/** A flat repository's index (Packages) and Release over `debs` (paths relative to dir), as apt reads a `./` source. */
export function writeFlatRepository(dir: string, debs: { rel: string; control: string; size: number; sha256: string }[]): void {
  const packages = debs.map((d) => `${d.control}\nFilename: ${d.rel}\nSize: ${d.size}\nSHA256: ${d.sha256}\n`).join("\n");
  fs.writeFileSync(path.join(dir, "Packages"), packages);
  const release = [
    "Origin: Hive",
    "Label: Hive offline bundle",
    `Date: ${new Date().toUTCString()}`,
    "SHA256:",
    ` ${sha256File(path.join(dir, "Packages"))} ${Buffer.byteLength(packages)} Packages`,
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "Release"), release);
}

/** apt options that see the bundle's repository and nothing else: no other source, lists and caches of its own. */
export function localOnlyOptions(bundle: string, work: string): string[] {
  const sources = path.join(work, "sources.list");
  fs.writeFileSync(sources, `deb [trusted=yes] file:${bundle} ./\n`);
  fs.mkdirSync(path.join(work, "sources.list.d"));
  fs.mkdirSync(path.join(work, "lists", "partial"), { recursive: true });
  fs.mkdirSync(path.join(work, "archives", "partial"), { recursive: true });
  return [
    "-o", `Dir::Etc::SourceList=${sources}`,
    "-o", `Dir::Etc::SourceParts=${path.join(work, "sources.list.d")}`,
    "-o", `Dir::State::Lists=${path.join(work, "lists")}`,
    "-o", `Dir::Cache::archives=${path.join(work, "archives")}`,
    "-o", "Dir::Cache::pkgcache=",
    "-o", "Dir::Cache::srcpkgcache=",
    "-o", "APT::Get::List-Cleanup=false",
    "-o", "Acquire::Languages=none",
    // The files were checked against the manifest already; apt's download sandbox user may not read a stick's mount.
    "-o", "APT::Sandbox::User=root",
    "-o", "APT::Install-Recommends=false",
    "-o", "APT::Install-Suggests=false",
  ];
}
