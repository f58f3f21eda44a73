// The gateway's dispatch over a real nats-server with a node that is live (it heartbeats and answers pings) but never
// answers an action: an id only it could hold is Unavailable naming it, never NotFound; what others hold still answers.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "nats";
import { dispatcher, type ActionCall, type Dispatch } from "../../src/api/dispatch.ts";
import { AwsError } from "../../src/api/aws-error.ts";
import { announce, Bus, connectBus, watchNodes, type Envelope, type Heartbeat, type NodeWatch } from "../../src/bus/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { startTestNats, type TestNats } from "./nats-harness.ts";

const caller = { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/admin", userId: "AIDATEST", accessKeyId: "AKIATEST" };
const heartbeat = (node: string): Heartbeat => ({ node, region: "us-east-1", az: "us-east-1a", startedAt: new Date().toISOString() });
const HELD = "i-0aaaaaaaaaaaaaaaa";
const NOBODY = "i-0bbbbbbbbbbbbbbbb";
let requestNo = 0;
const call = (action: string, input: Record<string, unknown> = {}): ActionCall => ({
  service: "ec2",
  action,
  input,
  caller,
  region: "us-east-1",
  requestId: `req-${++requestNo}`,
});

describe("gateway dispatch with a silent node", () => {
  let t: TestNats;
  let gateway: Bus;
  let answering: Bus;
  let silentNc: NatsConnection;
  let watch: NodeWatch;
  const stops: Array<() => void> = [];
  const logged: string[] = [];
  const asked: Envelope[] = [];
  let dispatch: Dispatch;

  before(async () => {
    t = await startTestNats();
    const creds = { servers: t.nats.clientUrl, user: t.opts.user, pass: t.opts.password };
    gateway = await connectBus({ ...creds, name: "gateway" });

    // node-a answers DescribeInstances the way a daemon does: its instances, and which of the asked ids it holds.
    answering = await connectBus({ ...creds, name: "node-a" });
    const served = answering.serve(
      "ec2.DescribeInstances",
      (env) => {
        asked.push(env);
        const ids = ((env.input as { InstanceIds?: string[] }).InstanceIds ?? []);
        const mine = ids.length === 0 || ids.includes(HELD);
        return {
          Reservations: mine ? [{ ReservationId: "r-0aaaaaaaaaaaaaaaa", Instances: [{ InstanceId: HELD }] }] : [],
          _owned: ids.filter((id) => id === HELD),
        };
      },
      { node: "node-a", log: () => {} },
    );
    await served.ready;
    stops.push(() => void served.close());
    stops.push(announce(answering, heartbeat("node-a")));

    // node-silent takes every DescribeInstances and never answers, yet heartbeats and answers pings: it is live.
    silentNc = await connect({ ...creds, name: "node-silent" });
    silentNc.subscribe("ec2.DescribeInstances", { callback: () => {} });
    stops.push(announce(new Bus(silentNc), heartbeat("node-silent")));
    await Promise.all([answering.flush(), silentNc.flush()]);

    watch = watchNodes(gateway, { pingWaitMs: 300 });
    await watch.ready;
    dispatch = dispatcher({
      bus: gateway,
      nodes: { live: async () => watch.live(), deadlineMs: () => watch.deadlineMs() },
      log: (line) => logged.push(line),
    });
  });
  after(async () => {
    watch?.close();
    for (const stop of stops) stop();
    await answering?.close();
    await silentNc?.close();
    await gateway?.close();
    await t?.close();
  });

  test("both nodes count as live", () => {
    assert.deepEqual(watch.live().map((h) => h.node), ["node-a", "node-silent"]);
  });

  test("DescribeInstances of an id no answering node holds is Unavailable naming the silent node, within the deadline", async () => {
    const deadlineMs = watch.deadlineMs();
    const t0 = performance.now();
    await assert.rejects(dispatch(call("DescribeInstances", { InstanceIds: [NOBODY] })), (err: unknown) => {
      assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
      assert.equal(err.kind, "Unavailable", err.message);
      assert.match(err.message, /node-silent/);
      assert.match(err.message, new RegExp(NOBODY));
      assert.doesNotMatch(err.message, /node-a\b/);
      return true;
    });
    const ms = performance.now() - t0;
    assert.ok(ms < deadlineMs + 2_000, `took ${Math.round(ms)} ms with a ${deadlineMs} ms deadline`);
    // The gateway logs who was missing, and the answering node was told how many nodes were asked.
    assert.ok(logged.some((l) => l.includes("node-silent") && l.includes("ec2.DescribeInstances")), logged.join("\n"));
    assert.equal(asked.at(-1)?.nodes, 2);
  });

  test("an id the answering node holds is answered in spite of the silent node", async () => {
    const out = await dispatch(call("DescribeInstances", { InstanceIds: [HELD] }));
    assert.deepEqual(out, { Reservations: [{ ReservationId: "r-0aaaaaaaaaaaaaaaa", Instances: [{ InstanceId: HELD }] }] });
  });

  test("a listing answers with what the answering node sent", async () => {
    const out = await dispatch(call("DescribeInstances"));
    assert.deepEqual(out, { Reservations: [{ ReservationId: "r-0aaaaaaaaaaaaaaaa", Instances: [{ InstanceId: HELD }] }] });
  });

  test("with only the answering node live, the same id is InvalidInstanceID.NotFound", async () => {
    const alone = dispatcher({
      bus: gateway,
      nodes: { live: async () => watch.live().filter((h) => h.node === "node-a"), deadlineMs: () => watch.deadlineMs() },
      log: () => {},
    });
    await assert.rejects(alone(call("DescribeInstances", { InstanceIds: [NOBODY] })), (err: unknown) => {
      assert.ok(err instanceof AwsError, `expected an AwsError, got ${String(err)}`);
      assert.equal(err.code, "InvalidInstanceID.NotFound");
      return true;
    });
  });

  test("an action no node serves is Unavailable, not a 500", async () => {
    await assert.rejects(dispatch(call("DescribeRegions")), (err: unknown) => err instanceof HiveError && err.kind === "Unavailable");
    await assert.rejects(dispatch(call("DescribeAvailabilityZones")), (err: unknown) => err instanceof HiveError && err.kind === "Unavailable");
  });
});
