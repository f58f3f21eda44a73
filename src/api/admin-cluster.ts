// The admin API's cluster routes: join tokens from the hub, and taking a member out of the region.
import type { Hono } from "hono";
import { randomUUID } from "node:crypto";
import { subjects, type Bus } from "../bus/index.ts";
import { HiveError } from "../errors/index.ts";
import { errorJson } from "./admin-images.ts";

/** POST /cluster/invites `{ ttlSeconds? }` → `{ token, expiresAt, hub }`; POST /cluster/remove `{ node }` → `{ removed }`;
 * POST /cluster/leave → `{ removed }` (this box). */
export function mountClusterRoutes(admin: Hono, target: { bus: Bus; node: string }): void {
  const relay = (subject: string, fixed?: unknown) => async (c: import("hono").Context) => {
    let body: unknown = fixed ?? {};
    if (fixed === undefined) {
      try {
        body = await c.req.json();
      } catch {
        // no body: the defaults
      }
    }
    try {
      return c.json(await target.bus.request(subject, { requestId: randomUUID(), input: body }, 15_000));
    } catch (err) {
      if (err instanceof HiveError) return errorJson(c, err);
      throw err;
    }
  };
  admin.post("/cluster/invites", relay(subjects.clusterInvite(target.node)));
  admin.post("/cluster/remove", relay(subjects.clusterRemove));
  // A member asks the hub to take it out.
  admin.post("/cluster/leave", relay(subjects.clusterRemove, { node: target.node }));
}
