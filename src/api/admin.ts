// Hive's own admin endpoint (`/hive/v1/...`): JSON, SigV4-signed with the admin key for the service "hive".
import { Hono } from "hono";
import type { NatsConnection } from "nats";
import { mountImageRoutes, type ImageAdminTarget } from "./admin-images.ts";
import { mountSshRoutes } from "./admin-ssh.ts";
import type { Principals } from "./identity.ts";
import { readQueryRequest } from "./query-request.ts";
import { verifySigV4 } from "./sigv4.ts";

export const ADMIN_SERVICE = "hive";

export type StatusProvider = () => Promise<Record<string, unknown>>;

/** `images`: where image imports go (this node's daemon); without it the image routes are not offered. */
export function adminRoutes(
  principals: Principals,
  status: StatusProvider,
  images?: ImageAdminTarget,
  bus?: { nc: NatsConnection; liveNodes: () => Promise<unknown[]> },
): Hono {
  const admin = new Hono();
  admin.use("*", async function requireAdminSignature(c, next) {
    const { signable } = await readQueryRequest(c.req.raw.clone());
    const auth = verifySigV4(signable, (id) => principals.lookup(id)?.secretAccessKey);
    if (!auth.ok) return c.json({ error: auth.reason, message: auth.message }, 403);
    if (auth.service !== ADMIN_SERVICE) return c.json({ error: "scope", message: `sign admin requests for the service '${ADMIN_SERVICE}'` }, 403);
    await next();
  });
  admin.get("/status", async (c) => c.json(await status()));
  if (images) mountImageRoutes(admin, images);
  if (bus) mountSshRoutes(admin, bus.nc, bus.liveNodes);
  return admin;
}
