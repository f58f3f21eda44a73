// Image imports on this node: register the AMI as pending, convert in the background, answer progress until done.

import path from "node:path";
import { readdir, rm } from "node:fs/promises";
import type { ImageImportReply, ImageImportRequest, ImageProgress, ImageProgressRequest } from "../../bus/index.ts";
import { HiveError, invalidParameter, notFound } from "../../errors/index.ts";
import {
  importImage,
  imageFileRel,
  imagesTmpDir,
  parseSource,
  removeImageFile,
  type ImportOptions,
  type ImportPhase,
  type ImportResult,
} from "../../images/index.ts";
import type { Store } from "../../store/index.ts";
import { isId, newId, type DaemonContext } from "../shared/index.ts";
import { IMAGE_NAME, MAX_IMAGE_DESCRIPTION } from "./image-rules.ts";
import { recordImageSnapshot } from "./image-snapshots.ts";
import { partPath } from "./image-transfers.ts";
import { checkPublishNames } from "../parameters/index.ts";

export interface ImageImports {
  start(req: ImageImportRequest): ImageImportReply;
  progress(req: ImageProgressRequest): ImageProgress;
  /** Settles when every import running now has ended (stored or failed). */
  settled(): Promise<void>;
  /** Aborts running imports (they end as failed) and waits for them. */
  stop(): Promise<void>;
}

interface Running {
  phase?: ImportPhase;
  percent: number;
  error?: string;
  done?: Promise<void>;
}

const NAME = IMAGE_NAME;
const MAX_DESCRIPTION = MAX_IMAGE_DESCRIPTION;

type Importer = (opts: ImportOptions) => Promise<ImportResult>;

/** Checks the request as EC2's RegisterImage would check Name and Description. */
function validate(req: ImageImportRequest): void {
  if (typeof req !== "object" || req === null) throw invalidParameter("request", "expected a JSON object { source, name, description? }");
  if (typeof req.source !== "string" || req.source.trim() === "") throw invalidParameter("source", "source is required: a path on this node or an http(s) URL");
  if (typeof req.name !== "string" || !NAME.test(req.name)) {
    throw invalidParameter(
      "name",
      "name must be 3-128 characters: letters, digits, spaces and ( ) [ ] . / - ' @ _",
      "image-name",
    );
  }
  if (req.description !== undefined && (typeof req.description !== "string" || req.description.length > MAX_DESCRIPTION)) {
    throw invalidParameter("description", `description must be a string of at most ${MAX_DESCRIPTION} characters`);
  }
  const where = parseSource(req.source);
  // The daemon's working directory means nothing to the caller; the CLI sends absolute paths.
  if ("path" in where && !path.isAbsolute(req.source) && !req.source.startsWith("file:")) {
    throw invalidParameter("source", `source must be an absolute path or an http(s) URL, not ${req.source}`);
  }
}

const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Marks imports that a previous run left pending as failed (their conversion died with that process), removes
 * their files and any scratch left in images/tmp/ but the parts of other members' files being fetched.
 */
export async function recoverImports(ctx: DaemonContext, store: Store): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  for (const rec of store.images.list()) {
    if (rec.state !== "pending" || rec.node !== ctx.node) continue;
    store.images.setState(rec.id, "failed");
    reasons.set(rec.id, "the import was interrupted: the node restarted while it ran");
    await removeImageFile(ctx.dataDir, rec.id);
  }
  const tmp = imagesTmpDir(ctx.dataDir);
  // Parts of files fetched from other members stay while their image does: the next fetch resumes them.
  const parts = store.images.list().filter((r) => r.node !== ctx.node).map((r) => path.basename(partPath(ctx.dataDir, r.file)));
  const resumable = new Set(parts.flatMap((p) => [p, `${p}.json`]));
  for (const entry of await readdir(tmp).catch(() => [] as string[])) {
    if (!resumable.has(entry)) await rm(path.join(tmp, entry), { recursive: true, force: true });
  }
  return reasons;
}

export function imageImports(ctx: DaemonContext, store: Store, opts: { importer?: Importer; failures?: Map<string, string> } = {}): ImageImports {
  const importer = opts.importer ?? importImage;
  const running = new Map<string, Running>();
  const abort = new AbortController();
  for (const [id, error] of opts.failures ?? []) running.set(id, { percent: 0, error });

  const finish = (imageId: string, entry: Running, publish: string[], result?: ImportResult, err?: unknown): Promise<void> | void => {
    try {
      if (result) {
        store.transaction(() => {
          store.images.setSize(imageId, result.sizeBytes);
          store.images.setState(imageId, "available");
          recordImageSnapshot(ctx, store, imageId, { description: `Created for ${imageId} (hive image import)` });
          // The names it was imported to publish point at it once it can be launched, and not before.
          const at = new Date().toISOString();
          for (const name of publish) store.publicParameters.publish(name, imageId, at);
        });
        entry.percent = 100;
        return;
      }
      entry.error = abort.signal.aborted ? "the import was cancelled: the node is shutting down" : reasonOf(err);
      store.images.setState(imageId, "failed");
    } catch (storeErr) {
      // The store closed under us (shutdown): the next start marks the row failed.
      entry.error ??= `could not record the outcome: ${reasonOf(storeErr)}`;
    }
    return removeImageFile(ctx.dataDir, imageId).catch(() => undefined);
  };

  return {
    start(req) {
      validate(req);
      const publish = checkPublishNames(req.publish);
      const clash = store.images.byName(req.name);
      if (clash) {
        throw new HiveError({
          kind: "Conflict",
          resource: "image-name",
          param: "name",
          message: `AMI name ${req.name} is already in use by AMI ${clash.id}`,
        });
      }
      const imageId = newId("ami");
      store.images.insert({
        id: imageId,
        name: req.name,
        ...(req.description !== undefined ? { description: req.description } : {}),
        state: "pending",
        architecture: "x86_64",
        rootDeviceName: "/dev/xvda",
        sizeBytes: 0,
        file: imageFileRel(imageId),
        source: req.source,
        node: ctx.node,
        ownerId: ctx.accountId,
        createdAt: new Date().toISOString(),
      });
      const entry: Running = { percent: 0 };
      running.set(imageId, entry);
      entry.done = importer({
        source: req.source,
        dataDir: ctx.dataDir,
        imageId,
        signal: abort.signal,
        onProgress: (p) => {
          entry.phase = p.phase;
          entry.percent = Math.round(p.percent * 100) / 100;
        },
      }).then(
        (result) => finish(imageId, entry, publish, result),
        (err) => finish(imageId, entry, publish, undefined, err),
      );
      return { imageId };
    },

    progress(req) {
      const imageId = typeof req === "object" && req !== null ? req.imageId : undefined;
      if (typeof imageId !== "string" || !isId("ami", imageId)) throw invalidParameter("imageId", `Invalid id: "${String(imageId)}" (expecting "ami-...")`);
      const rec = store.images.get(imageId);
      if (!rec) throw notFound("image", `The image id '[${imageId}]' does not exist`);
      const entry = running.get(imageId);
      const percent = rec.state === "available" ? 100 : entry?.percent ?? 0;
      return {
        imageId,
        state: rec.state,
        ...(entry?.phase ? { phase: entry.phase } : {}),
        percent,
        ...(rec.state === "failed" ? { error: entry?.error ?? "the import failed" } : {}),
        ...(rec.state === "available" ? { sizeBytes: rec.sizeBytes } : {}),
      };
    },

    async settled() {
      await Promise.all([...running.values()].map((r) => r.done));
    },

    async stop() {
      abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
