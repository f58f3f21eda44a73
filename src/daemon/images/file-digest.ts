// The SHA-256 of a stored disk file, computed once: kept in `<file>.sha256` beside it (JSON with the size and mtime it
// was taken at, replaced by rename) and trusted only while the file's size and mtime still match.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, rename, rm, stat, writeFile } from "node:fs/promises";

export const DIGEST_SUFFIX = ".sha256";

export interface FileDigest {
  sizeBytes: number;
  sha256: string;
}

interface SideFile {
  sha256: string;
  size: number;
  mtimeMs: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** SHA-256 of a whole file, streamed. */
export async function sha256Of(file: string, hash = createHash("sha256")): Promise<string> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Records `digest` for `file` as it is now on disk (the fetching side knows it without reading the file again). */
export async function writeDigest(file: string, sha256: string, st?: { size: number; mtimeMs: number }): Promise<void> {
  st ??= await stat(file);
  const side: SideFile = { sha256, size: st.size, mtimeMs: st.mtimeMs };
  const tmp = `${file}${DIGEST_SUFFIX}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(side), { mode: 0o644 });
    await rename(tmp, `${file}${DIGEST_SUFFIX}`);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readDigest(file: string, size: number, mtimeMs: number): Promise<string | undefined> {
  try {
    const side = JSON.parse(await readFile(`${file}${DIGEST_SUFFIX}`, "utf8")) as Partial<SideFile>;
    return side.size === size && side.mtimeMs === mtimeMs && typeof side.sha256 === "string" && HEX64.test(side.sha256) ? side.sha256 : undefined;
  } catch {
    return undefined;
  }
}

/** Digests of stored files, each computed at most once at a time however many ask. */
export class FileDigests {
  private readonly running = new Map<string, Promise<FileDigest>>();

  constructor(private readonly log: (line: string) => void = () => {}) {}

  of(file: string): Promise<FileDigest> {
    let p = this.running.get(file);
    if (!p) {
      p = this.compute(file).finally(() => this.running.delete(file));
      this.running.set(file, p);
    }
    return p;
  }

  private async compute(file: string): Promise<FileDigest> {
    const before = await stat(file);
    const known = await readDigest(file, before.size, before.mtimeMs);
    if (known) return { sizeBytes: before.size, sha256: known };
    const t0 = performance.now();
    const sha256 = await sha256Of(file);
    const after = await stat(file);
    // Changed while it was read: the digest describes no version of the file.
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw new Error(`${file} changed while its digest was computed`);
    await writeDigest(file, sha256, after);
    this.log(`digest of ${file}: ${Math.round(performance.now() - t0)} ms for ${before.size} bytes`);
    return { sizeBytes: before.size, sha256 };
  }
}
