// `hive bundle <dir>` and `hive install --from <dir>`: carry Hive and the Debian packages it needs to a box with no network.
import path from "node:path";
import { installBundle, manifestDigest, writeBundle } from "../bundle/index.ts";
import { serviceBinary } from "./service.ts";
import { HIVE_VERSION } from "./version.ts";

export interface BundleFlags {
  binary?: string;
}

export interface InstallFlags {
  from: string;
  binDir: string;
  check?: boolean;
}

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function bundleCli(dir: string, flags: BundleFlags, say: (line: string) => void): void {
  const binary = serviceBinary(flags.binary);
  const done = writeBundle(path.resolve(dir), { binary, hiveVersion: HIVE_VERSION, log: say });
  const { manifest } = done;
  const debs = manifest.files.filter((f) => f.package);
  say(
    `bundle: ${path.resolve(dir)} holds hive ${manifest.hive} and ${debs.length} packages (${megabytes(debs.reduce((n, f) => n + f.size, 0))}, ` +
      `${done.fetched} downloaded) for ${manifest.distribution.id} ${manifest.distribution.codename} ${manifest.distribution.arch}`,
  );
  say(`bundle: manifest.json SHA-256 ${manifestDigest(path.resolve(dir))} (hive install prints it too: compare them)`);
  say(`bundle: on the offline box, as root: ${path.join(path.resolve(dir), "hive")} install --from ${path.resolve(dir)}`);
}

export function installCli(flags: InstallFlags, say: (line: string) => void): void {
  const done = installBundle(flags.from, { binDir: flags.binDir, checkOnly: flags.check, log: say });
  if (flags.check) return say(`install: the bundle is intact; run again without --check, as root, to install it`);
  const versions = Object.entries(done.versions).map(([p, v]) => `${p} ${v}`).join(", ");
  say(`install: ${versions}`);
  say(`install: ${done.binary} (hive ${done.manifest.hive}); start it with: hive up`);
}
