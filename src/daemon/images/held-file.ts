// Where an AMI's file is in the data directory, taken from its row and never from a caller: one folder
// (images/ or snapshots/), one .qcow2 name, no `..`, no absolute path, no link.
import { lstat } from "node:fs/promises";
import path from "node:path";
import { HiveError, invalidState, notFound } from "../../errors/index.ts";
import type { ImageRecord, Store } from "../../store/index.ts";
import { assertIds, type DaemonContext } from "../shared/index.ts";

const FOLDERS = ["images", "snapshots"];

/** The absolute path of an image row's `file`; throws Internal for a row naming anything else. */
export function imageFilePath(dataDir: string, file: string): string {
  const parts = file.split("/");
  const [dir, name] = parts as [string, string];
  const ok =
    file !== "" &&
    !file.includes("\0") &&
    !path.isAbsolute(file) &&
    path.posix.normalize(file) === file &&
    parts.length === 2 &&
    FOLDERS.includes(dir) &&
    name !== ".." &&
    name.endsWith(".qcow2") &&
    name.length > ".qcow2".length;
  if (!ok) throw new HiveError({ kind: "Internal", message: `an image row names ${JSON.stringify(file.slice(0, 128))}, which is not a file under images/ or snapshots/` });
  return path.join(dataDir, dir, name);
}

/** The row of an image whose file this node holds and may hand out: its own, available. */
export function heldImage(ctx: DaemonContext, store: Pick<Store, "images">, imageId: unknown): ImageRecord {
  if (typeof imageId !== "string") throw new HiveError({ kind: "InvalidParameter", param: "imageId", message: "imageId must be a string" });
  assertIds("ami", [imageId], "imageId");
  const rec = store.images.get(imageId);
  if (!rec || rec.state === "deregistered") throw notFound("image", `The image id '[${imageId}]' does not exist`, "imageId");
  if (rec.node !== ctx.node) throw notFound("image", `node ${ctx.node} does not hold the file of ${imageId}: ${rec.node} does`, "imageId");
  if (rec.state !== "available") throw invalidState("image", `The image '${imageId}' is ${rec.state}; only an available image's file is served`);
  return rec;
}

/** The path of a held image's file, checked to be a regular file (a link could hand out any file of the host). */
export async function heldImageFile(ctx: DaemonContext, store: Pick<Store, "images">, imageId: unknown): Promise<string> {
  const rec = heldImage(ctx, store, imageId);
  const file = imageFilePath(ctx.dataDir, rec.file);
  const st = await lstat(file).catch(() => undefined);
  if (!st?.isFile()) throw new HiveError({ kind: "Internal", message: `the file of ${rec.id} (${rec.file}) is missing on node ${ctx.node}` });
  return file;
}
