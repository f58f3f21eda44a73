// This node's AMI files for the other members: their size and digest, and any range of them as raw bytes. Only the
// files of this node's own available images, found from their rows (never from a path a caller sends).
import { open } from "node:fs/promises";
import { IMAGE_CHUNK_MAX_BYTES, subjects, type Bus, type ImageChunkRequest, type ImageFileInfo, type ImageFileRequest, type Served } from "../../bus/index.ts";
import { invalidParameter } from "../../errors/index.ts";
import type { Store } from "../../store/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import type { FileDigests } from "./file-digest.ts";
import { heldImageFile } from "./held-file.ts";

export interface ImageFileServerDeps {
  ctx: DaemonContext;
  store: Pick<Store, "images">;
  digests: FileDigests;
  log: (line: string) => void;
}

const inputOf = <T>(input: unknown): Partial<T> => (typeof input === "object" && input !== null ? (input as Partial<T>) : {});

/** Size and SHA-256 of an image's file (hashed on the first ask, then kept beside the file). */
export async function imageFileInfo(deps: ImageFileServerDeps, req: unknown): Promise<ImageFileInfo> {
  const file = await heldImageFile(deps.ctx, deps.store, inputOf<ImageFileRequest>(req).imageId);
  return deps.digests.of(file);
}

/** `length` bytes of an image's file from `offset`; fewer at the end of the file. */
export async function imageFileChunk(deps: ImageFileServerDeps, req: unknown): Promise<Uint8Array> {
  const { imageId, offset, length } = inputOf<ImageChunkRequest>(req);
  if (!Number.isSafeInteger(offset) || offset! < 0) throw invalidParameter("offset", "offset must be a whole number of bytes, 0 or more");
  if (!Number.isSafeInteger(length) || length! < 1 || length! > IMAGE_CHUNK_MAX_BYTES) {
    throw invalidParameter("length", `length must be a whole number of bytes from 1 to ${IMAGE_CHUNK_MAX_BYTES}`);
  }
  const file = await heldImageFile(deps.ctx, deps.store, imageId);
  const fh = await open(file, "r");
  try {
    const buf = Buffer.allocUnsafe(length!);
    let got = 0;
    while (got < length!) {
      const { bytesRead } = await fh.read(buf, got, length! - got, offset! + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/** Serves `hive.images.<node>.info` and `.chunk`; returns what to close on stop. */
export function serveImageFiles(bus: Bus, deps: ImageFileServerDeps): Served[] {
  const { node } = deps.ctx;
  const log = (m: string) => deps.log(`[images] ${m}`);
  return [
    bus.serve(subjects.imageInfo(node), (env) => imageFileInfo(deps, env.input), { node, log }),
    bus.serveBytes(subjects.imageChunk(node), (env) => imageFileChunk(deps, env.input), { node, log }),
  ];
}
