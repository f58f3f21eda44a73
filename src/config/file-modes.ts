// Whether the data directory's filesystem keeps unix file modes (FAT and exFAT sticks do not: their mount options decide).
import fs from "node:fs";
import path from "node:path";

/** Makes a scratch file 0600, asks for 0640 and reads the mode back: a filesystem that ignores modes keeps what it had. */
export function keepsFileModes(dir: string): boolean {
  const probe = path.join(dir, `.mode-probe.${process.pid}`);
  try {
    fs.writeFileSync(probe, "", { mode: 0o600 });
    fs.chmodSync(probe, 0o640);
    return (fs.statSync(probe).mode & 0o777) === 0o640;
  } catch {
    // chmod refused (vfat without `quiet`): the modes are not ours to set either.
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

/** The one line `hive up` logs when the data directory ignores file modes. */
export const fileModesWarning = (dir: string): string =>
  `hive: the filesystem of ${dir} ignores file modes (FAT/exFAT?): the secrets in it are protected only by the mount's uid= and umask= options (see README, "A data directory on a USB stick")`;
