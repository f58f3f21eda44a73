// The admin API's image routes: start an import on this node's daemon over the bus, report its progress, and publish
// an image under public parameter names (/aws/service/...) or take a name away.
import type { Context, Hono } from "hono";
import { randomUUID } from "node:crypto";
import {
  subjects,
  type Bus,
  type ImageImportReply,
  type ImageImportRequest,
  type ImageProgress,
  type ImagePublished,
} from "../bus/index.ts";
import { HiveError, type ErrorKind } from "../errors/index.ts";
import { awsErrorFromDomain } from "./aws-error.ts";

/** Where image requests go: the daemon of the node this gateway belongs to. */
export interface ImageAdminTarget {
  bus: Bus;
  node: string;
  timeoutMs?: number;
}

const STATUS: Partial<Record<ErrorKind, 400 | 404 | 409 | 503>> = {
  InvalidParameter: 400,
  Malformed: 400,
  NotFound: 404,
  Conflict: 409,
  InvalidState: 409,
  Unavailable: 503,
};

const IMAGE_ID = /^ami-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;

export function errorJson(c: Context, err: HiveError) {
  // The AWS code names the problem the way EC2 would (InvalidAMIName.Duplicate, InvalidAMIID.NotFound).
  const code = err.kind === "Internal" ? "InternalError" : awsErrorFromDomain(err).code;
  return c.json({ error: code, message: err.message }, STATUS[err.kind] ?? 500);
}

const ask = <O>(target: ImageAdminTarget, subject: string, input: unknown): Promise<O> =>
  target.bus.request<O>(subject, { requestId: randomUUID(), input }, target.timeoutMs ?? 10_000);

/**
 * POST /images `{ source, name, description?, publish? }` → `{ imageId }`; GET /images/:id/progress → ImageProgress;
 * POST /images/publish `{ imageId, name }` and POST /images/unpublish `{ name }` → ImagePublished.
 */
export function mountImageRoutes(admin: Hono, target: ImageAdminTarget): void {
  admin.post("/images", async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: "InvalidParameterValue", message: "the body must be JSON: { source, name, description? }" }, 400);
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      return c.json({ error: "InvalidParameterValue", message: "the body must be a JSON object: { source, name, description? }" }, 400);
    }
    const { source, name, description, publish } = body as Record<string, unknown>;
    const req = { source, name, ...(description !== undefined ? { description } : {}), ...(publish !== undefined ? { publish } : {}) } as ImageImportRequest;
    try {
      return c.json(await ask<ImageImportReply>(target, subjects.imageImport(target.node), req), 202);
    } catch (err) {
      if (err instanceof HiveError) return errorJson(c, err);
      throw err;
    }
  });

  // Public parameter names hold slashes, so they travel in the body rather than the path.
  for (const [path, subject] of [["/images/publish", subjects.imagePublish(target.node)], ["/images/unpublish", subjects.imageUnpublish(target.node)]] as const) {
    admin.post(path, async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        body = undefined;
      }
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        return c.json({ error: "InvalidParameterValue", message: "the body must be a JSON object: { imageId, name } or { name }" }, 400);
      }
      try {
        return c.json(await ask<ImagePublished>(target, subject, body));
      } catch (err) {
        if (err instanceof HiveError) return errorJson(c, err);
        throw err;
      }
    });
  }

  admin.get("/images/:imageId/progress", async (c) => {
    const imageId = c.req.param("imageId");
    if (!IMAGE_ID.test(imageId)) return c.json({ error: "InvalidAMIID.Malformed", message: `Invalid id: "${imageId}" (expecting "ami-...")` }, 400);
    try {
      return c.json(await ask<ImageProgress>(target, subjects.imageProgress(target.node), { imageId }));
    } catch (err) {
      if (err instanceof HiveError) return errorJson(c, err);
      throw err;
    }
  });
}
