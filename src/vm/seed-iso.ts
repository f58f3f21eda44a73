// The NoCloud seed cloud-init reads at first boot: an ISO 9660 volume labelled "cidata" with meta-data,
// user-data and network-config, written with genisoimage.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { spawnError } from "../runtime/index.ts";

const run = promisify(execFile);

export interface SeedFiles {
  "meta-data": string;
  "user-data": string | Buffer;
  "network-config": string;
  /** cloud-init's vendor data: the provider's cloud-config, which the user's own user data overrides key by key. */
  "vendor-data"?: string;
}

/** Writes `<dir>/seed.iso` (replacing an older one) and returns its path. */
export async function writeSeedIso(dir: string, files: SeedFiles): Promise<string> {
  const staging = path.join(dir, "seed");
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true, mode: 0o700 });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(staging, name), content, { mode: 0o600 });
  const iso = path.join(dir, "seed.iso");
  const tmp = `${iso}.tmp`;
  try {
    await run("genisoimage", ["-quiet", "-output", tmp, "-volid", "cidata", "-joliet", "-rock", staging]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw spawnError(e, "genisoimage", { pkg: "genisoimage" });
    throw new Error(`genisoimage failed: ${e.stderr?.trim() || e.message}`);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, iso);
  fs.rmSync(staging, { recursive: true, force: true });
  return iso;
}
