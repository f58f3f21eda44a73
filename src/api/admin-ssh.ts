// GET /hive/v1/instances/:id/ssh — where to reach a guest's SSH server (user-mode networking forwards a host port).
import type { Hono } from "hono";
import { randomUUID } from "node:crypto";
import { SSH_PORT_TAG } from "../actions/index.ts";
import { HiveError } from "../errors/index.ts";
import { awsErrorFromDomain, AwsError } from "./aws-error.ts";
import type { Dispatch } from "./dispatch.ts";

interface InstanceView {
  InstanceId?: string;
  PrivateIpAddress?: string;
  State?: { Name?: string };
  KeyName?: string;
  Tags?: Array<{ Key?: string; Value?: string }>;
}

const ADMIN_CALLER = { accountId: "", arn: "", userId: "", accessKeyId: "" };

export function mountSshRoutes(admin: Hono, dispatch: Dispatch): void {
  admin.get("/instances/:id/ssh", async (c) => {
    const id = c.req.param("id");
    if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) return c.json({ error: "InvalidInstanceID.Malformed", message: `Invalid id: "${id}"` }, 400);
    let out: { Reservations?: Array<{ Instances?: InstanceView[] }> };
    try {
      out = await dispatch({ service: "ec2", action: "DescribeInstances", input: { InstanceIds: [id] }, caller: ADMIN_CALLER, region: "", requestId: randomUUID() });
    } catch (err) {
      // Not found, or a node that did not answer: the same words and codes as the EC2 API.
      const aws = err instanceof AwsError ? err : err instanceof HiveError ? awsErrorFromDomain(err) : undefined;
      if (!aws) throw err;
      return c.json({ error: aws.code, message: aws.message }, aws.code.endsWith(".NotFound") ? 404 : aws.status === 503 ? 503 : 400);
    }
    const inst = (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])[0];
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
