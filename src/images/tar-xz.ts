// Debian's cloud images ship as a .tar.xz holding disk.raw: extract that one member, with progress by bytes read.
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { lstat, stat } from "node:fs/promises";
import path from "node:path";
import { HiveError } from "../errors/index.ts";
import { spawnError } from "../runtime/index.ts";

export const TAR_MEMBER = "disk.raw";

/** Extracts disk.raw from archive into dir and returns its path; percent follows the compressed bytes tar has read. */
export async function extractDiskRaw(archive: string, dir: string, onPercent: (percent: number) => void, signal?: AbortSignal): Promise<string> {
  const total = (await stat(archive)).size;
  await new Promise<void>((resolve, reject) => {
    // The archive goes in on stdin so that we can count what tar has consumed.
    const tar = spawn("tar", ["-xJf", "-", "-C", dir, "--no-same-owner", "--no-same-permissions", TAR_MEMBER], {
      stdio: ["pipe", "ignore", "pipe"],
      signal,
    });
    const input = createReadStream(archive);
    let read = 0;
    let last = -1;
    input.on("data", (chunk) => {
      read += chunk.length;
      const p = Math.floor((read / total) * 100);
      if (p !== last) onPercent((last = p));
    });
    // tar stops reading once it has the member or fails; a broken pipe then is not our error.
    input.on("error", reject);
    tar.stdin.on("error", () => undefined);
    input.pipe(tar.stdin);
    let stderr = "";
    tar.stderr.setEncoding("utf8").on("data", (c: string) => (stderr = (stderr + c).slice(-4096)));
    tar.once("error", (err: NodeJS.ErrnoException) => {
      input.destroy();
      reject(err.code === "ENOENT" ? spawnError(err, "tar", { pkg: "tar xz-utils" }) : err);
    });
    tar.once("close", (code) => {
      input.destroy();
      if (code === 0) return resolve();
      const reason = stderr.trim().split("\n").filter((l) => !/Exiting with failure/.test(l)).pop() ?? `exit code ${code}`;
      reject(new HiveError({ kind: "InvalidParameter", param: "source", message: `cannot extract ${TAR_MEMBER}: ${reason.replace(/^tar: /, "")}` }));
    });
  });
  const out = path.join(dir, TAR_MEMBER);
  // A member that is a link would let the archive point qemu-img at any file on this host.
  const st = await lstat(out).catch(() => undefined);
  if (!st?.isFile()) throw new HiveError({ kind: "InvalidParameter", param: "source", message: `${TAR_MEMBER} in the archive is not a regular file` });
  onPercent(100);
  return out;
}
