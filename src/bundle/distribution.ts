// Which Debian-family release and architecture this box runs: a bundle is made for one and installs only on it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";

export interface Distribution {
  /** os-release ID, e.g. "debian". */
  id: string;
  /** os-release VERSION_ID, e.g. "12"; empty on testing/unstable. */
  versionId: string;
  /** os-release VERSION_CODENAME, e.g. "bookworm". */
  codename: string;
  /** dpkg's architecture, e.g. "amd64". */
  arch: string;
}

/** The os-release fields, as the file's shell-style KEY=value lines hold them. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return fields;
}

/** This box's distribution; throws when it is not a dpkg-based system. */
export function currentDistribution(root = "/"): Distribution {
  let text = "";
  for (const file of ["etc/os-release", "usr/lib/os-release"]) {
    try {
      text = fs.readFileSync(`${root}${file}`, "utf8");
      break;
    } catch {
      // the next one
    }
  }
  const os = parseOsRelease(text);
  const dpkg = spawnSync("dpkg", ["--print-architecture"], { encoding: "utf8" });
  if (dpkg.error || dpkg.status !== 0) throw new Error("this box has no dpkg: the offline bundle is for Debian and its derivatives");
  return { id: os.ID ?? "", versionId: os.VERSION_ID ?? "", codename: os.VERSION_CODENAME ?? "", arch: dpkg.stdout.trim() };
}

export const describeDistribution = (d: Distribution): string =>
  `${d.id || "unknown"} ${d.versionId || d.codename || "?"}${d.codename && d.versionId ? ` (${d.codename})` : ""} ${d.arch}`;

/** Why a bundle made for `made` cannot install on `here`, or undefined when it can. */
export function distributionMismatch(made: Distribution, here: Distribution): string | undefined {
  if (made.arch !== here.arch) return `it holds ${made.arch} packages and this box is ${here.arch}`;
  if (made.id !== here.id || made.codename !== here.codename) {
    return `it was made for ${describeDistribution(made)} and this box runs ${describeDistribution(here)}`;
  }
  return undefined;
}
