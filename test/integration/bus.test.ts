// Action RPC and the node registry over a real, supervised nats-server.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { NatsConnection } from "nats";
import {
  announce,
  connectBus,
  fanOutAction,
  requestAction,
  serveActions,
  subjects,
  watchNodes,
  type ActionRequest,
  type ActionServer,
  type Heartbeat,
} from "../../src/bus/index.ts";
import { HiveError, notFound } from "../../src/errors/index.ts";
import { startTestNats, type TestNats } from "./nats-harness.ts";

const caller = { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/admin", userId: "AIDATEST", accessKeyId: "AKIATEST" };
const request = (input: unknown = {}): ActionRequest => ({ requestId: "r-1", caller, region: "us-east-1", input });
const heartbeat = (node: string): Heartbeat => ({ node, region: "us-east-1", az: "us-east-1a", startedAt: new Date().toISOString() });

describe("bus", () => {
  let t: TestNats;
  const conns: NatsConnection[] = [];
  const servers: ActionServer[] = [];
  let gateway: NatsConnection;
  const connectAs = async (name: string): Promise<NatsConnection> => {
    const nc = await connectBus({ servers: t.nats.clientUrl, user: t.opts.user, pass: t.opts.password, name });
    conns.push(nc);
    return nc;
  };
  /** serveActions, quiet, and registered at the server before the test sends anything. */
  const serve = async (...args: Parameters<typeof serveActions>): Promise<ActionServer> => {
    const s = serveActions(args[0], args[1], args[2], { log: () => {}, ...args[3] });
    servers.push(s);
    await s.ready;
    return s;
  };

  before(async () => {
    t = await startTestNats();
    gateway = await connectAs("gateway");
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all(conns.map((c) => c.close()));
    await t.close();
  });

  test("a queue-group action served by two daemons is answered exactly once", async () => {
    const calls: string[] = [];
    for (const node of ["node-a", "node-b"]) {
      const nc = await connectAs(node);
      await serve(nc, node, {
        "ec2.DescribeThing": {
          mode: "queue",
          handler: (req) => {
            calls.push(node);
            return { echo: req.input };
          },
        },
      });
    }
    for (let i = 0; i < 20; i++) {
      const reply = await requestAction<{ echo: unknown }>(gateway, "ec2", "DescribeThing", request({ i }), 2_000);
      assert.equal(reply.ok, true);
      assert.deepEqual(reply.ok && reply.output, { echo: { i } });
    }
    // Give a duplicate delivery time to show up before counting.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls.length, 20);
  });

  test("a fanned-out action gets one reply per daemon", async () => {
    for (const node of ["node-a", "node-b"]) {
      const nc = await connectAs(`${node}-fanout`);
      await serve(nc, node, {
        "ec2.DescribeMany": { mode: "fanout", handler: () => ({ items: [`${node}-item`] }) },
      });
    }
    const started = performance.now();
    const replies = await fanOutAction<{ items: string[] }>(gateway, "ec2", "DescribeMany", request(), { expected: 2, timeoutMs: 3_000 });
    assert.ok(performance.now() - started < 1_000, "returns as soon as the expected replies are in");
    assert.deepEqual(replies.map((r) => r.node).sort(), ["node-a", "node-b"]);
    const items = replies.flatMap((r) => (r.ok ? r.output.items : [])).sort();
    assert.deepEqual(items, ["node-a-item", "node-b-item"]);

    // Expecting more than answer: what arrived by the timeout.
    const partial = await fanOutAction(gateway, "ec2", "DescribeMany", request(), { expected: 3, timeoutMs: 300 });
    assert.equal(partial.length, 2);
  });

  test("a fan-out nobody subscribes to resolves with no replies", async () => {
    assert.deepEqual(await fanOutAction(gateway, "ec2", "DescribeNobody", request(), { expected: 1, timeoutMs: 1_000 }), []);
  });

  test("no responders and timeouts become HiveError Internal naming the action", async () => {
    await assert.rejects(requestAction(gateway, "ec2", "NobodyServes", request(), 1_000), (err: unknown) => {
      assert.ok(err instanceof HiveError);
      assert.equal(err.kind, "Internal");
      assert.match(err.message, /no daemon is answering ec2\.NobodyServes/);
      return true;
    });
    const nc = await connectAs("slow");
    await serve(nc, "slow", { "ec2.Slow": { mode: "queue", handler: () => new Promise((r) => setTimeout(r, 500)) } });
    await assert.rejects(requestAction(gateway, "ec2", "Slow", request(), 100), /no daemon is answering ec2\.Slow \(no reply within 100ms\)/);
  });

  test("an action name that would widen the subject is refused", async () => {
    await assert.rejects(requestAction(gateway, "ec2", "Describe.>", request(), 100), (err: unknown) => {
      assert.ok(err instanceof HiveError);
      assert.equal(err.kind, "InvalidParameter");
      return true;
    });
  });

  test("handler errors come back as ok:false: HiveError keeps its kind, anything else is Internal", async () => {
    const nc = await connectAs("errors");
    const logged: string[] = [];
    await serve(
      nc,
      "node-e",
      {
        "ec2.Missing": { mode: "queue", handler: () => Promise.reject(notFound("instance", "The instance ID 'i-1' does not exist", "InstanceId")) },
        "ec2.Buggy": { mode: "queue", handler: () => { throw new TypeError("x is undefined"); } },
      },
      { log: (m) => logged.push(m) },
    );
    assert.deepEqual(await requestAction(gateway, "ec2", "Missing", request(), 1_000), {
      ok: false,
      node: "node-e",
      error: { kind: "NotFound", message: "The instance ID 'i-1' does not exist", resource: "instance", param: "InstanceId" },
    });
    const buggy = await requestAction(gateway, "ec2", "Buggy", request(), 1_000);
    assert.equal(buggy.ok, false);
    assert.equal(!buggy.ok && buggy.error.kind, "Internal");
    assert.match(!buggy.ok ? buggy.error.message : "", /x is undefined/);
    assert.ok(logged.some((l) => l.includes("TypeError: x is undefined")), "the stack is logged on the daemon");
  });

  test("bad JSON on an action subject gets an error reply and the server keeps serving", async () => {
    const nc = await connectAs("robust");
    await serve(nc, "node-r", { "ec2.Robust": { mode: "queue", handler: () => "fine" } });
    const bad = await gateway.request(subjects.action("ec2", "Robust"), new TextEncoder().encode("{not json"), { timeout: 1_000 });
    const badReply = JSON.parse(new TextDecoder().decode(bad.data)) as { ok: boolean; error: { kind: string } };
    assert.equal(badReply.ok, false);
    assert.equal(badReply.error.kind, "Internal");
    // A message with no reply subject, and JSON that is not an object.
    gateway.publish(subjects.action("ec2", "Robust"), new TextEncoder().encode("\u0000garbage"));
    await gateway.request(subjects.action("ec2", "Robust"), new TextEncoder().encode("42"), { timeout: 1_000 });
    assert.deepEqual(await requestAction(gateway, "ec2", "Robust", request(), 1_000), { ok: true, node: "node-r", output: "fine" });
  });

  test("request/reply round trip", async (ctx) => {
    const nc = await connectAs("bench");
    await serve(nc, "node-p", { "ec2.Ping": { mode: "queue", handler: (req) => req.input } });
    for (let i = 0; i < 50; i++) await requestAction(gateway, "ec2", "Ping", request(i), 1_000);
    const n = 1_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) await requestAction(gateway, "ec2", "Ping", request(i), 1_000);
    ctx.diagnostic(`requestAction round trip ${Math.round(((performance.now() - started) * 1000) / n)}µs (mean of ${n}, sequential)`);
  });

  test("the node registry knows announced nodes at once, and hears new ones by heartbeat", async () => {
    const daemons = [await connectAs("hb-1"), await connectAs("hb-2")];
    const stops = daemons.map((nc, i) => announce(nc, heartbeat(`node-${i + 1}`)));
    // Their ping subscriptions must be registered at the server before the gateway asks.
    await Promise.all(daemons.map((nc) => nc.flush()));
    try {
      // A gateway that starts after the daemons: the ping fills the registry without waiting a heartbeat.
      const watch = watchNodes(gateway, { pingWaitMs: 200 });
      await watch.ready;
      assert.deepEqual(watch.live().map((h) => h.node), ["node-1", "node-2"]);

      stops.push(announce(await connectAs("hb-3"), heartbeat("node-3")));
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(watch.live().map((h) => h.node), ["node-1", "node-2", "node-3"]);
      watch.close();
    } finally {
      for (const stop of stops) stop();
      await Promise.all(conns.map((nc) => nc.flush()));
    }
  });

  test("a registry with no daemons is ready quickly and empty", async () => {
    const watch = watchNodes(gateway);
    const started = performance.now();
    await watch.ready;
    assert.ok(performance.now() - started < 400, "no responders ends the ping early");
    assert.deepEqual(watch.live(), []);
    watch.close();
  });
});
