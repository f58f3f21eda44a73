// The one bus envelope over a real, supervised nats-server: queue requests, fan-outs with a silent node, replies in
// parts, the error transport, and the node registry.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect, type NatsConnection } from "nats";
import {
  announce,
  Bus,
  connectBus,
  FANOUT_CEILING_MS,
  FANOUT_FLOOR_MS,
  PART_BYTES,
  subjects,
  watchNodes,
  type Envelope,
  type Heartbeat,
  type Served,
} from "../../src/bus/index.ts";
import { HiveError, notFound } from "../../src/errors/index.ts";
import { eventually, startTestNats, type TestNats } from "./nats-harness.ts";

const caller = { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/admin", userId: "AIDATEST", accessKeyId: "AKIATEST" };
const envelope = (input: unknown = {}): Envelope => ({ requestId: "r-1", caller, region: "us-east-1", input });
const heartbeat = (node: string): Heartbeat => ({ node, region: "us-east-1", az: "us-east-1a", startedAt: new Date().toISOString() });
const quiet = (): void => {};
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = <T>(data: Uint8Array): T => JSON.parse(new TextDecoder().decode(data)) as T;

const isHiveError = (kind: string, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
  assert.equal(err.kind, kind, err.message);
  if (message) assert.match(err.message, message);
  return true;
};

describe("bus", () => {
  let t: TestNats;
  const buses: Bus[] = [];
  const raws: NatsConnection[] = [];
  const served: Served[] = [];
  let gateway: Bus;
  const connectAs = async (name: string): Promise<Bus> => {
    const bus = await connectBus({ servers: t.nats.clientUrl, user: t.opts.user, pass: t.opts.password, name });
    buses.push(bus);
    return bus;
  };
  /** A plain nats.js connection, for a responder that misbehaves or a look at the wire. */
  const rawConnect = async (name: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: t.nats.clientUrl, user: t.opts.user, pass: t.opts.password, name });
    raws.push(nc);
    return nc;
  };
  /** bus.serve, registered at the server before the test sends anything, and closed after the suite. */
  const serve = async (bus: Bus, ...args: Parameters<Bus["serve"]>): Promise<Served> => {
    const s = bus.serve(args[0], args[1], { log: quiet, ...args[2] });
    served.push(s);
    await s.ready;
    return s;
  };
  /** Subscribed to `subject` and never answering: a node that is there but hung. */
  const swallow = async (subject: string): Promise<{ got: () => number }> => {
    const nc = await rawConnect("silent");
    let got = 0;
    nc.subscribe(subject, { callback: () => void got++ });
    await nc.flush();
    return { got: () => got };
  };

  before(async () => {
    t = await startTestNats();
    gateway = await connectAs("gateway");
  });
  after(async () => {
    await Promise.all(served.map((s) => s.close()));
    await Promise.all(buses.map((b) => b.close()));
    await Promise.all(raws.map((nc) => nc.close()));
    await t.close();
  });

  test("a queue request served by two nodes is answered exactly once", async () => {
    const calls: string[] = [];
    for (const node of ["node-a", "node-b"]) {
      await serve(await connectAs(node), "ec2.DescribeThing", (env) => {
        calls.push(node);
        return { echo: env.input };
      }, { node, queue: true });
    }
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await gateway.request("ec2.DescribeThing", envelope({ i }), 2_000), { echo: { i } });
    }
    // Give a duplicate delivery time to show up before counting.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(calls.length, 20);
  });

  test("a handler that returns nothing answers {}", async () => {
    await serve(await connectAs("void"), "ec2.Nothing", () => undefined, { node: "node-v", queue: true });
    assert.deepEqual(await gateway.request("ec2.Nothing", envelope(), 2_000), {});
  });

  test("a fan-out gets one reply per node and returns as soon as every expected node answered", async () => {
    for (const node of ["node-a", "node-b"]) {
      await serve(await connectAs(`${node}-fanout`), "ec2.DescribeMany", () => ({ items: [`${node}-item`] }), { node });
    }
    const deadlineMs = 10_000;
    const res = await gateway.fanOut<{ items: string[] }>("ec2.DescribeMany", envelope(), { nodes: ["node-a", "node-b"], deadlineMs });
    assert.ok(res.elapsedMs < deadlineMs / 2, `took ${res.elapsedMs} ms`);
    assert.deepEqual(res.missing, []);
    assert.deepEqual(res.replies.map((r) => r.node).sort(), ["node-a", "node-b"]);
    assert.deepEqual(res.replies.flatMap((r) => (r.ok ? r.output.items : [])).sort(), ["node-a-item", "node-b-item"]);
  });

  test("a fan-out reports a node that is subscribed but never answers as missing, at the deadline", async () => {
    for (const node of ["node-a", "node-b"]) {
      await serve(await connectAs(`${node}-partial`), "ec2.DescribeSome", () => ({ node }), { node });
    }
    const silent = await swallow("ec2.DescribeSome");
    const seen: string[] = [];
    const deadlineMs = 500;
    const res = await gateway.fanOut("ec2.DescribeSome", envelope(), {
      nodes: ["node-a", "node-b", "node-silent"],
      deadlineMs,
      onReply: (r) => seen.push(r.node),
    });
    assert.equal(silent.got(), 1, "the silent node had the request");
    assert.deepEqual(res.missing, ["node-silent"]);
    assert.deepEqual(res.replies.map((r) => r.node).sort(), ["node-a", "node-b"]);
    assert.deepEqual(seen.sort(), ["node-a", "node-b"]);
    // It waited the deadline for the silent node, and not much more.
    assert.ok(res.elapsedMs >= deadlineMs - 5 && res.elapsedMs < deadlineMs + 2_000, `took ${res.elapsedMs} ms`);
  });

  test("a fan-out nobody subscribes to resolves at once with every expected node missing", async () => {
    const res = await gateway.fanOut("ec2.DescribeNobody", envelope(), { nodes: ["node-x"], deadlineMs: 10_000 });
    assert.deepEqual(res.replies, []);
    assert.deepEqual(res.missing, ["node-x"]);
    assert.ok(res.elapsedMs < 5_000, `took ${res.elapsedMs} ms`);
  });

  test("a reply of several MB arrives whole, and no message on the wire is larger than PART_BYTES", async () => {
    // Distinct content in every part, so a part out of place or missing changes the value.
    const items = Array.from({ length: 60_000 }, (_, i) => ({ id: `item-${i}`, pad: String(i).repeat(8) }));
    await serve(await connectAs("big"), "ec2.DescribeBig", () => ({ items }), { node: "node-big", queue: true });
    for (const node of ["node-b1", "node-b2"]) {
      await serve(await connectAs(node), "ec2.DescribeBigEverywhere", () => ({ node, items }), { node });
    }
    const size = Buffer.byteLength(JSON.stringify({ ok: true, node: "node-big", output: { items } }));
    assert.ok(size > 3 * 1024 * 1024, `the reply is ${size} bytes`);

    // Everything on the bus, seen from a connection of its own.
    const wire = await rawConnect("wire");
    const seen: Array<{ subject: string; bytes: number; part?: string }> = [];
    const sniffer = wire.subscribe(">", { callback: (_e, m) => void seen.push({ subject: m.subject, bytes: m.data.length, part: m.headers?.get("Hive-Part") || undefined }) });
    await wire.flush();
    try {
      const out = await gateway.request<{ items: typeof items }>("ec2.DescribeBig", envelope(), 10_000);
      assert.deepEqual(out.items, items);
      // Two nodes' parts interleave on one inbox: each reply is put together from its own.
      const both = await gateway.fanOut<{ node: string; items: typeof items }>("ec2.DescribeBigEverywhere", envelope(), {
        nodes: ["node-b1", "node-b2"],
        deadlineMs: 10_000,
      });
      assert.deepEqual(both.missing, []);
      for (const r of both.replies) {
        assert.ok(r.ok);
        assert.deepEqual(r.output.items, items, r.node);
      }

      const partsOf = (reply: unknown): number => Math.ceil(Buffer.byteLength(JSON.stringify(reply)) / PART_BYTES);
      const expectedParts =
        Math.ceil(size / PART_BYTES) + partsOf({ ok: true, node: "node-b1", output: { node: "node-b1", items } }) * 2;
      await eventually("the wire saw every part", async () => {
        await wire.flush();
        assert.equal(seen.filter((m) => m.part).length, expectedParts);
      });
      const largest = Math.max(...seen.map((m) => m.bytes));
      assert.ok(largest <= PART_BYTES, `a ${largest}-byte message went over the bus`);
      assert.ok(seen.filter((m) => m.part).every((m) => /^\d+\/\d+$/.test(m.part!)));
    } finally {
      // Its `>` subscription would hide "nobody serves this" from the tests after this one: gone once the server says so.
      sniffer.unsubscribe();
      await wire.flush();
    }
  });

  test("byte replies travel raw in one message, however much larger than PART_BYTES, and errors as the usual Reply", async () => {
    const blob = Uint8Array.from({ length: 3 * PART_BYTES + 17 }, (_, i) => (i * 7) & 0xff);
    const bytesBus = await connectAs("bytes");
    served.push(
      bytesBus.serveBytes("hive.test.bytes", (env) => {
        const { want } = env.input as { want: string };
        if (want === "missing") throw notFound("image", "no such image");
        if (want === "json") return { not: "bytes" } as unknown as Uint8Array;
        return want === "empty" ? new Uint8Array(0) : blob;
      }, { node: "node-bytes", log: quiet }),
    );
    await serve(bytesBus, "hive.test.json", () => ({ some: "json" }), { node: "node-bytes" });
    await bytesBus.flush();

    const wire = await rawConnect("bytes-wire");
    const seen: Array<{ bytes: number; marked: boolean }> = [];
    const sniffer = wire.subscribe("_INBOX.>", { callback: (_e, m) => void seen.push({ bytes: m.data.length, marked: m.headers?.get("Hive-Bytes") === "1" }) });
    await wire.flush();
    try {
      // Compared as bytes: a failing deepEqual would render every one of them.
      assert.ok(Buffer.from(blob).equals(await gateway.requestBytes("hive.test.bytes", envelope({ want: "all" }), 5_000)), "the bytes differ");
      // A message for every assert.ok retried here: without one, assert parses the source on each failure, slowly.
      await eventually("the wire saw the reply", async () => assert.ok(seen.length >= 1, "nothing on the wire yet"));
      assert.deepEqual(seen, [{ bytes: blob.length, marked: true }], "one raw message, no JSON, no parts");
      assert.equal((await gateway.requestBytes("hive.test.bytes", envelope({ want: "empty" }), 5_000)).length, 0);
    } finally {
      sniffer.unsubscribe();
      await wire.flush();
    }
    await assert.rejects(gateway.requestBytes("hive.test.bytes", envelope({ want: "missing" }), 5_000), isHiveError("NotFound", /no such image/));
    await assert.rejects(gateway.requestBytes("hive.test.bytes", envelope({ want: "json" }), 5_000), isHiveError("Internal", /not bytes/));
    await assert.rejects(gateway.requestBytes("hive.test.json", envelope(), 5_000), isHiveError("Internal", /answered JSON, not bytes/));
    await assert.rejects(gateway.requestBytes("hive.test.nobody", envelope(), 5_000), isHiveError("Unavailable", /no responders/));
  });

  test("no responders is Unavailable at once, well under the timeout", async () => {
    const timeoutMs = 10_000;
    const t0 = performance.now();
    await assert.rejects(gateway.request("ec2.NobodyServes", envelope(), timeoutMs), isHiveError("Unavailable", /ec2\.NobodyServes/));
    const ms = performance.now() - t0;
    assert.ok(ms < timeoutMs / 4, `took ${Math.round(ms)} ms`);
  });

  test("no reply within the timeout is Unavailable", async () => {
    await serve(await connectAs("slow"), "ec2.Slow", () => new Promise((r) => setTimeout(r, 1_000)), { node: "node-slow", queue: true });
    await assert.rejects(gateway.request("ec2.Slow", envelope(), 100), isHiveError("Unavailable", /no reply on ec2\.Slow within 100 ms/));
    // A subscriber that never answers at all: the same.
    await swallow("ec2.Hung");
    await assert.rejects(gateway.request("ec2.Hung", envelope(), 100), isHiveError("Unavailable", /ec2\.Hung/));
  });

  test("an action name that would widen the subject is refused", () => {
    for (const action of ["Describe.>", "*", "Describe Things", ""]) {
      assert.throws(() => Bus.actionSubject("ec2", action), isHiveError("InvalidParameter"), action);
    }
    assert.throws(() => Bus.actionSubject("ec2.>", "DescribeRegions"), isHiveError("InvalidParameter"));
    assert.equal(Bus.actionSubject("ec2", "DescribeRegions"), "ec2.DescribeRegions");
  });

  test("a handler's HiveError arrives as that HiveError; a crash arrives as Internal and is logged", async () => {
    const logged: string[] = [];
    const bus = await connectAs("errors");
    const log = (m: string) => logged.push(m);
    await serve(bus, "ec2.Missing", () => Promise.reject(notFound("instance", "The instance ID 'i-1' does not exist", "InstanceId")), { node: "node-e", queue: true, log });
    await serve(bus, "ec2.Buggy", () => {
      throw new TypeError("x is undefined");
    }, { node: "node-e", queue: true, log });

    await assert.rejects(gateway.request("ec2.Missing", envelope(), 2_000), (err: unknown) => {
      assert.ok(err instanceof HiveError);
      assert.deepEqual(err.toJSON(), { kind: "NotFound", message: "The instance ID 'i-1' does not exist", resource: "instance", param: "InstanceId" });
      return true;
    });
    await assert.rejects(gateway.request("ec2.Buggy", envelope(), 2_000), isHiveError("Internal", /x is undefined/));
    assert.ok(logged.some((l) => l.includes("TypeError: x is undefined")), "the stack is logged on the node");

    // In a fan-out the error is that node's reply.
    const res = await gateway.fanOut("ec2.Missing", envelope(), { nodes: ["node-e"], deadlineMs: 2_000 });
    assert.equal(res.replies.length, 1);
    const [reply] = res.replies;
    assert.ok(reply && !reply.ok);
    assert.equal(reply.node, "node-e");
    assert.equal(reply.error.kind, "NotFound");
  });

  test("a malformed request gets an error reply, and the node keeps serving", async () => {
    const logged: string[] = [];
    await serve(await connectAs("robust"), "ec2.Robust", () => "fine", { node: "node-r", queue: true, log: (m) => logged.push(m) });
    const raw = await rawConnect("raw-client");
    for (const body of ["{not json", "42", "null", "\u0000garbage"]) {
      const msg = await raw.request("ec2.Robust", encode(body), { timeout: 2_000 });
      const reply = decode<{ ok: boolean; node: string; error: { kind: string; message: string } }>(msg.data);
      assert.equal(reply.ok, false, body);
      assert.equal(reply.node, "node-r");
      assert.equal(reply.error.kind, "InvalidParameter", body);
      assert.match(reply.error.message, /malformed request on ec2\.Robust/);
    }
    // A message with no reply subject is dropped (and logged), not answered into the void.
    raw.publish("ec2.Robust", encode(JSON.stringify(envelope())));
    await raw.flush();
    assert.equal(await gateway.request("ec2.Robust", envelope(), 2_000), "fine");
    await eventually("the dropped message is logged", async () => assert.ok(logged.some((l) => /no reply subject/.test(l)), logged.join("\n")));
  });

  test("a garbled reply from a misbehaving responder is an Internal error, not a hang", async () => {
    const nc = await rawConnect("garbler");
    nc.subscribe("ec2.Garbled", { callback: (_e, m) => void m.respond(encode("<html>oops</html>")) });
    await nc.flush();
    await assert.rejects(gateway.request("ec2.Garbled", envelope(), 2_000), isHiveError("Internal", /malformed reply/));
  });

  test("request/reply round trip", async (ctx) => {
    await serve(await connectAs("bench"), "ec2.Ping", (env) => env.input, { node: "node-p", queue: true });
    for (let i = 0; i < 50; i++) await gateway.request("ec2.Ping", envelope(i), 1_000);
    const n = 1_000;
    const started = performance.now();
    for (let i = 0; i < n; i++) await gateway.request("ec2.Ping", envelope(i), 1_000);
    ctx.diagnostic(`request round trip ${Math.round(((performance.now() - started) * 1000) / n)}µs (mean of ${n}, sequential)`);
  });

  test("the node registry knows announced nodes at once, hears new ones by heartbeat, and derives a fan-out deadline", async () => {
    const daemons = [await connectAs("hb-1"), await connectAs("hb-2")];
    const stops = daemons.map((bus, i) => announce(bus, heartbeat(`node-${i + 1}`)));
    // Their ping subscriptions must be registered at the server before the gateway asks.
    await Promise.all(daemons.map((bus) => bus.flush()));
    const watch = watchNodes(gateway, { pingWaitMs: 200 });
    try {
      // A gateway that starts after the daemons: the ping fills the registry without waiting a heartbeat.
      await watch.ready;
      assert.deepEqual(watch.live().map((h) => h.node), ["node-1", "node-2"]);
      assert.deepEqual(Object.keys(watch.roundTrips()).sort(), ["node-1", "node-2"]);
      for (const ms of Object.values(watch.roundTrips())) assert.ok(ms >= 0 && ms < 200, `round trip ${ms} ms`);
      const deadline = watch.deadlineMs();
      assert.ok(deadline >= FANOUT_FLOOR_MS && deadline <= FANOUT_CEILING_MS, `deadline ${deadline} ms`);

      // A node that only heartbeats (it has not answered a ping yet) is live too.
      const late = await connectAs("hb-3");
      late.publish(subjects.heartbeat, heartbeat("node-3"));
      await late.flush();
      await eventually("node-3 is heard", async () => assert.deepEqual(watch.live().map((h) => h.node), ["node-1", "node-2", "node-3"]));
      const again = watch.deadlineMs();
      assert.ok(again >= FANOUT_FLOOR_MS && again <= FANOUT_CEILING_MS, `deadline ${again} ms`);

      // Garbage on the heartbeat subject is ignored.
      late.publish(subjects.heartbeat, { nope: true });
      late.publish(subjects.heartbeat, { node: "" });
      await late.flush();
      await gateway.flush();
      assert.deepEqual(watch.live().map((h) => h.node), ["node-1", "node-2", "node-3"]);
    } finally {
      watch.close();
      for (const stop of stops) stop();
    }
  });

  test("a registry with no daemons is ready quickly and empty, with the floor as its deadline", async () => {
    const fresh = await startTestNats();
    const bus = await connectBus({ servers: fresh.nats.clientUrl, user: fresh.opts.user, pass: fresh.opts.password, name: "lonely-gateway" });
    try {
      const watch = watchNodes(bus, { pingWaitMs: 5_000 });
      const started = performance.now();
      await watch.ready;
      assert.ok(performance.now() - started < 2_500, "no responders ends the ping early");
      assert.deepEqual(watch.live(), []);
      assert.equal(watch.deadlineMs(), FANOUT_FLOOR_MS);
      watch.close();
    } finally {
      await bus.close();
      await fresh.close();
    }
  });

  // A request on a closed bus rejects with nats.js's own CONNECTION_CLOSED (a 500 at the gateway), not Unavailable:
  test("a closed bus says so, and requests on it are Unavailable", async () => {
    const bus = await connectAs("closing");
    assert.equal(bus.connected, true);
    await bus.close();
    assert.equal(bus.closed, true);
    assert.equal(bus.connected, false);
    await assert.rejects(bus.request("ec2.Ping", envelope(), 500), isHiveError("Unavailable"));
    // Publishing on a closed bus is a no-op, not a throw.
    bus.publish(subjects.heartbeat, heartbeat("gone"));
  });
});
