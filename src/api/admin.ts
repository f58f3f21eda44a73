// Hive's own admin endpoint (`/hive/v1/...`): JSON, SigV4-signed with the admin key for the service "hive".
import { Hono } from "hono";
import type { Bus } from "../bus/index.ts";
import { mountImageRoutes } from "./admin-images.ts";
import { mountSshRoutes } from "./admin-ssh.ts";
import { mountClusterRoutes } from "./admin-cluster.ts";
import type { Dispatch } from "./dispatch.ts";
import type { Principals } from "./identity.ts";
import { readAwsRequest } from "./aws-request.ts";
import { scopeService, verifySigV4 } from "./sigv4.ts";

export const ADMIN_SERVICE = "hive";

export type StatusProvider = () => Promise<Record<string, unknown>>;

export interface AdminDeps {
  principals: Principals;
  status: StatusProvider;
  bus: Bus;
  /** This gateway's node: image imports run on its daemon; without it the image routes are not offered. */
  node?: string;
  /** AWS actions, as the gateway sends them (the SSH route reads DescribeInstances). */
  dispatch: Dispatch;
}

export function adminRoutes({ principals, status, bus, node, dispatch }: AdminDeps): Hono {
  const admin = new Hono();
  admin.use("*", async function requireAdminSignature(c, next) {
    const { signable } = await readAwsRequest(c.req.raw.clone(), scopeService);
    const auth = verifySigV4(signable, (id) => principals.lookup(id)?.secretAccessKey);
    if (!auth.ok) return c.json({ error: auth.reason, message: auth.message }, 403);
    if (auth.service !== ADMIN_SERVICE) return c.json({ error: "scope", message: `sign admin requests for the service '${ADMIN_SERVICE}'` }, 403);
    await next();
  });
  admin.get("/status", async (c) => c.json(await status()));
  if (node) mountImageRoutes(admin, { bus, node });
  if (node) mountClusterRoutes(admin, { bus, node });
  mountSshRoutes(admin, dispatch);
  return admin;
}
