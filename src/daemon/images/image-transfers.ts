// An AMI registered on one member launches on any: its file comes over the bus from the member holding it, once per
// member. Info first (size, SHA-256), then chunks with a window of requests in flight, appended in order to
// images/tmp/<id>.part; a broken link resumes from the part's size, with back-off; the digest is checked, then the
// file is made durable and renamed to the row's `file`. Callers asking for the same file share one transfer.
import { createHash, randomUUID, type Hash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { subjects, type Bus, type ImageFileInfo, type ImageTransferStatus } from "../../bus/index.ts";
import { HiveError, invalidState, notFound, unavailable } from "../../errors/index.ts";
import { imagesTmpDir } from "../../images/index.ts";
import type { ImageRecord, Store } from "../../store/index.ts";
import { RestartBackoff, syncPath } from "../../runtime/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { fetchInOrder, WindowControl, type WindowLimits } from "./chunk-window.ts";
import { writeDigest } from "./file-digest.ts";
import { imageFilePath } from "./held-file.ts";

/** What a launch needs of the images room: the AMI's file on this node, fetched if another member holds it. */
export interface ImageFiles {
  ensureImageFile(imageId: string): Promise<void>;
}

export interface TransferOptions {
  chunkBytes: number;
  window: WindowLimits;
  /** The most one chunk's round trip may take (queueing behind the window included), before anything is measured. */
  chunkTimeoutMs: number;
  /** The least: once the link is measured, a chunk may take four times what its place in the window should. */
  minChunkTimeoutMs: number;
  /** The holder hashes a file on the first ask: a large one takes a while. */
  infoTimeoutMs: number;
  /** Failed attempts in a row that moved nothing before giving up (an attempt that moved bytes starts the count over). */
  maxAttempts: number;
}

const MiB = 1024 * 1024;

export const TRANSFER_DEFAULTS: TransferOptions = {
  chunkBytes: MiB,
  // The floor keeps both ends busy on a fast near link, where the round trip is mostly work (the holder reads the next
  // chunks while this node writes and hashes): on loopback 8 in flight carry more than 4, and cost 8 MiB at most.
  window: { initial: 8, min: 8, max: 32 },
  chunkTimeoutMs: 30_000,
  minChunkTimeoutMs: 5_000,
  infoTimeoutMs: 60_000,
  maxAttempts: 8,
};

export interface ImageTransferDeps {
  ctx: DaemonContext;
  store: Pick<Store, "images">;
  bus: Bus;
  log: (line: string) => void;
  /** Settles once start-up recovery has tidied images/tmp; nothing is written there before. */
  recovered?: Promise<void>;
  /** Throws CapacityExhausted when the data directory's filesystem cannot take `bytes` more. */
  assertRoom?: (bytes: number) => void;
  options?: Partial<Omit<TransferOptions, "window">> & { window?: Partial<WindowLimits> };
}

/** What the part file was started against: a part is only continued against the same file of the same holder. */
interface PartMeta {
  node: string;
  sizeBytes: number;
  sha256: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

/** The scratch names of a file in flight: images/tmp/<ami-… or snap-…>.part and its .json. */
export const partPath = (dataDir: string, file: string): string => path.join(imagesTmpDir(dataDir), `${path.basename(file, ".qcow2")}.part`);

export class ImageTransfers implements ImageFiles {
  private readonly options: TransferOptions;
  private readonly running = new Map<string, Promise<void>>();
  private readonly progress = new Map<string, ImageTransferStatus>();
  private readonly abort = new AbortController();

  constructor(private readonly deps: ImageTransferDeps) {
    const o = deps.options ?? {};
    this.options = { ...TRANSFER_DEFAULTS, ...o, window: { ...TRANSFER_DEFAULTS.window, ...o.window } };
  }

  /**
   * Resolves once the image's file is on this node: at once when it is there, else after fetching it from the node
   * holding it. Throws NotFound for an unknown image, InvalidState for one not available, Unavailable when its holder
   * cannot be reached (after retries), Internal when what came does not match the holder's digest.
   */
  ensureImageFile(imageId: string): Promise<void> {
    const rec = this.deps.store.images.get(imageId);
    if (!rec || rec.state === "deregistered") return Promise.reject(notFound("image", `The image id '[${imageId}]' does not exist`, "ImageId"));
    const dest = imageFilePath(this.deps.ctx.dataDir, rec.file);
    const shared = this.running.get(rec.file);
    if (shared) return shared;
    if (existsSync(dest)) return Promise.resolve();
    if (rec.node === this.deps.ctx.node) {
      return Promise.reject(new HiveError({ kind: "Internal", message: `the file of ${imageId} (${rec.file}) is missing on ${rec.node}, the node holding it` }));
    }
    if (rec.state !== "available") return Promise.reject(invalidState("image", `The image '${imageId}' is ${rec.state}, not available`));
    if (this.abort.signal.aborted) return Promise.reject(unavailable(`node ${this.deps.ctx.node} is shutting down`));
    const p = this.transfer(rec, dest).finally(() => {
      this.running.delete(rec.file);
      this.progress.delete(rec.file);
    });
    this.running.set(rec.file, p);
    return p;
  }

  /** The transfers running now, for `hive status`. */
  status(): ImageTransferStatus[] {
    return [...this.progress.values()].map((t) => ({ ...t }));
  }

  /** Cancels running transfers (their parts stay for the next start) and waits for them. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private async transfer(rec: ImageRecord, dest: string): Promise<void> {
    const { log } = this.deps;
    const signal = this.abort.signal;
    const entry: ImageTransferStatus = {
      imageId: rec.id,
      from: rec.node,
      doneBytes: 0,
      totalBytes: 0,
      bytesPerSecond: 0,
      startedAt: new Date().toISOString(),
      attempt: 0,
      window: 0,
    };
    this.progress.set(rec.file, entry);
    await this.deps.recovered;
    const part = partPath(this.deps.ctx.dataDir, rec.file);
    await mkdir(path.dirname(part), { recursive: true, mode: 0o700 });
    const t0 = performance.now();
    let backoff = new RestartBackoff();
    let failures = 0;
    const hashed: Hashed = { hash: createHash("sha256"), at: 0 };
    for (;;) {
      entry.attempt++;
      const before = await sizeOf(part);
      try {
        const info = await this.fetchInto(rec, part, hashed, entry);
        await this.land(rec, part, dest, hashed, info);
        const s = (performance.now() - t0) / 1000;
        log(`image ${rec.id}: fetched ${mib(info.sizeBytes)} MiB from ${rec.node} in ${s.toFixed(1)} s (${mib(info.sizeBytes / Math.max(s, 0.001))} MiB/s), sha256 verified`);
        return;
      } catch (err) {
        if (signal.aborted) throw unavailable(`the fetch of ${rec.id}'s file from ${rec.node} was cancelled: node ${this.deps.ctx.node} is shutting down`);
        if (!(err instanceof HiveError && err.kind === "Unavailable")) throw err;
        if ((await sizeOf(part)) > before) {
          failures = 0;
          backoff = new RestartBackoff();
        }
        if (++failures >= this.options.maxAttempts) {
          throw unavailable(`could not fetch ${rec.id}'s file from ${rec.node}: ${failures} attempts in a row moved nothing; the last: ${err.message}`);
        }
        const wait = backoff.next();
        const where = entry.totalBytes > 0 ? `at ${mib(entry.doneBytes)}/${mib(entry.totalBytes)} MiB` : "before it began";
        log(`image ${rec.id}: the fetch from ${rec.node} broke ${where} (${err.message}); resuming in ${wait} ms`);
        await sleep(wait, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  /** One attempt: asks for the digest, then appends what the part lacks. */
  private async fetchInto(rec: ImageRecord, part: string, hashed: Hashed, entry: ImageTransferStatus): Promise<ImageFileInfo> {
    const { bus, log } = this.deps;
    const { chunkBytes, chunkTimeoutMs, minChunkTimeoutMs, infoTimeoutMs } = this.options;
    const info = await bus.request<ImageFileInfo>(subjects.imageInfo(rec.node), { requestId: randomUUID(), input: { imageId: rec.id } }, infoTimeoutMs);
    if (!Number.isSafeInteger(info?.sizeBytes) || info.sizeBytes < 0 || typeof info.sha256 !== "string" || !HEX64.test(info.sha256)) {
      throw new HiveError({ kind: "Internal", message: `${rec.node} described the file of ${rec.id} as ${JSON.stringify(info).slice(0, 200)}` });
    }
    const start = await this.resumePoint(rec, part, info);
    this.deps.assertRoom?.(info.sizeBytes - start);
    if (hashed.at !== start) await rehash(part, start, hashed);
    entry.totalBytes = info.sizeBytes;
    entry.doneBytes = start;
    if (entry.attempt === 1) log(`image ${rec.id}: fetching ${mib(info.sizeBytes)} MiB from ${rec.node}${start > 0 ? `, resuming at ${mib(start)} MiB` : ""}`);
    let decile = Math.floor((start * 10) / Math.max(info.sizeBytes, 1));
    // A retry starts from the window the link had grown to, measuring afresh (the round trip may have changed).
    const control = new WindowControl({ ...this.options.window, initial: entry.window || this.options.window.initial }, chunkBytes);
    const fh = await open(part, "a", 0o644);
    try {
      await fetchInOrder({
        from: start,
        to: info.sizeBytes,
        chunkBytes,
        control,
        signal: this.abort.signal,
        fetch: (offset, length) =>
          bus.requestBytes(
            subjects.imageChunk(rec.node),
            { requestId: randomUUID(), input: { imageId: rec.id, offset, length } },
            control.timeoutMs(minChunkTimeoutMs, chunkTimeoutMs),
          ),
        write: async (bytes) => {
          for (let off = 0; off < bytes.length; ) off += (await fh.write(bytes, off, bytes.length - off)).bytesWritten;
          hashed.hash.update(bytes);
          hashed.at += bytes.length;
          entry.doneBytes = hashed.at;
          entry.bytesPerSecond = control.bytesPerSecond;
          entry.window = control.window;
          const now = Math.floor((hashed.at * 10) / info.sizeBytes);
          if (now > decile && now < 10) {
            decile = now;
            log(`image ${rec.id}: ${now * 10}% from ${rec.node} (${mib(hashed.at)}/${mib(info.sizeBytes)} MiB, ${mib(control.bytesPerSecond)} MiB/s, window ${control.window})`);
          }
        },
      });
      await fh.sync();
    } finally {
      await fh.close();
    }
    return info;
  }

  /** Where to continue: the part's size when it was begun against this same file, else 0 (and the part is emptied). */
  private async resumePoint(rec: ImageRecord, part: string, info: ImageFileInfo): Promise<number> {
    const metaFile = `${part}.json`;
    const meta = await readFile(metaFile, "utf8").then(parseMeta, () => undefined);
    const size = await sizeOf(part);
    if (meta?.node === rec.node && meta.sha256 === info.sha256 && meta.sizeBytes === info.sizeBytes && size <= info.sizeBytes) return size;
    if (size > 0) this.deps.log(`image ${rec.id}: starting its fetch over (the part in images/tmp was begun against another version of the file)`);
    await writeFile(part, new Uint8Array(0), { mode: 0o644 });
    const next: PartMeta = { node: rec.node, sizeBytes: info.sizeBytes, sha256: info.sha256 };
    await writeFile(metaFile, JSON.stringify(next), { mode: 0o644 });
    return 0;
  }

  /** Checks the digest; on a match makes the file durable under its name, on a mismatch removes the part. */
  private async land(rec: ImageRecord, part: string, dest: string, hashed: Hashed, info: ImageFileInfo): Promise<void> {
    const got = hashed.hash.digest("hex");
    // The hash is spent: anything after this starts a fresh one.
    hashed.hash = createHash("sha256");
    hashed.at = -1;
    if (got !== info.sha256) {
      await rm(part, { force: true });
      await rm(`${part}.json`, { force: true });
      throw new HiveError({
        kind: "Internal",
        message: `the file of ${rec.id} fetched from ${rec.node} failed verification: its sha256 is ${got}, ${rec.node} announced ${info.sha256}; it was discarded`,
      });
    }
    await mkdir(path.dirname(dest), { recursive: true });
    await rename(part, dest);
    await syncPath(path.dirname(dest));
    await rm(`${part}.json`, { force: true });
    // The digest is known: recorded beside the file, this node need not read it again should it ever serve it.
    await writeDigest(dest, got).catch(() => undefined);
  }
}

interface Hashed {
  hash: Hash;
  /** How many bytes of the part the hash has seen. */
  at: number;
}

function parseMeta(text: string): Partial<PartMeta> | undefined {
  try {
    return JSON.parse(text) as Partial<PartMeta>;
  } catch {
    // torn by a crash: the part starts over
    return undefined;
  }
}

const sizeOf = (file: string): Promise<number> => stat(file).then((s) => s.size, () => 0);

/** A fresh hash over the part's first `upTo` bytes (resuming a part an earlier run or attempt left). */
async function rehash(part: string, upTo: number, hashed: Hashed): Promise<void> {
  hashed.hash = createHash("sha256");
  hashed.at = 0;
  if (upTo > 0) {
    for await (const chunk of createReadStream(part, { start: 0, end: upTo - 1, highWaterMark: MiB })) hashed.hash.update(chunk as Buffer);
  }
  hashed.at = upTo;
}
