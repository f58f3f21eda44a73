// GET /hive/v1/instances/:id/ssh — where to reach a guest's SSH server (user-mode networking forwards a host port).
import type { Hono } from "hono";
import type { NatsConnection } from "nats";
import { fanOutAction } from "../bus/index.ts";

/** The tag the daemon keeps on each user-mode guest; mirrors SSH_PORT_TAG in src/daemon. */
const SSH_PORT_TAG = "hive:ssh-port";

interface InstanceView {
  InstanceId?: string;
  PrivateIpAddress?: string;
  State?: { Name?: string };
  KeyName?: string;
  Tags?: Array<{ Key?: string; Value?: string }>;
}

export function mountSshRoutes(admin: Hono, nc: NatsConnection, liveNodes: () => Promise<unknown[]>): void {
  admin.get("/instances/:id/ssh", async (c) => {
    const id = c.req.param("id");
    if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) return c.json({ error: "InvalidInstanceID.Malformed", message: `Invalid id: "${id}"` }, 400);
    const expected = Math.max(1, (await liveNodes()).length);
    const replies = await fanOutAction<{ Reservations?: Array<{ Instances?: InstanceView[] }> }>(
      nc,
      "ec2",
      "DescribeInstances",
      { requestId: `admin-ssh-${id}`, caller: { accountId: "", arn: "", userId: "", accessKeyId: "" }, region: "", input: { InstanceIds: [id] }, nodes: expected },
      { expected, timeoutMs: 3_000 },
    );
    const inst = replies.flatMap((r) => (r.ok ? (r.output.Reservations ?? []) : [])).flatMap((r) => r.Instances ?? [])[0];
    if (!inst) return c.json({ error: "InvalidInstanceID.NotFound", message: `The instance ID '${id}' does not exist` }, 404);
    if (inst.State?.Name !== "running") {
      return c.json({ error: "IncorrectInstanceState", message: `The instance '${id}' is ${inst.State?.Name ?? "unknown"}, not running` }, 409);
    }
    // User mode: a port forward on loopback; bridge mode: the guest's own address.
    const forwarded = inst.Tags?.find((t) => t.Key === SSH_PORT_TAG)?.Value;
    const target = forwarded ? { host: "127.0.0.1", port: Number(forwarded) } : { host: inst.PrivateIpAddress ?? "", port: 22 };
    return c.json({ instanceId: id, ...target, user: "ec2-user", keyName: inst.KeyName });
  });
}
