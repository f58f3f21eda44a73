// The supervised nats-server for real: auth, listeners, monitoring, restart after a crash, clean stop, clear failures.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { get as httpGet } from "node:http";
import { connect as tcpConnect, createServer } from "node:net";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect } from "nats";
import { connectBus } from "../../src/bus/index.ts";
import { isBun } from "../../src/runtime/index.ts";
import { NatsSupervisor, startNats, type NatsExitInfo } from "../../src/embedded-nats/index.ts";
import { eventually, natsOptions, pidAlive, startTestNats, tempDir, type TestNats } from "./nats-harness.ts";

const caller = { accountId: "123456789012", arn: "arn:aws:iam::123456789012:user/admin", userId: "AIDATEST", accessKeyId: "AKIATEST" };
const request = (input: unknown = {}) => ({ requestId: "r-1", caller, region: "us-east-1", input });

function httpJson(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    httpGet({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    }).on("error", reject);
  });
}

/** First bytes a listener sends: nats-server greets both clients and leaf nodes with an INFO line. */
function greeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("data", (d: Buffer) => {
      socket.destroy();
      resolve(d.toString());
    });
    socket.once("error", reject);
  });
}

describe("nats supervisor", () => {
  let t: TestNats;
  const exits: NatsExitInfo[] = [];
  const readyMs: number[] = [];

  before(async () => {
    t = await startTestNats({
      // Quotes, backslashes, '$' and '#' must survive the config's quoting.
      password: `p"a\\s$s#w'o rd`,
      onExit: (e) => exits.push(e),
      onReady: (r) => readyMs.push(r.ms),
    });
  });
  const scratchDirs: { remove: () => void }[] = [];
  /** A temp data dir removed after the suite, whether or not the test passed. */
  const scratch = (label: string): { path: string } => {
    const dir = tempDir(label);
    scratchDirs.push(dir);
    return dir;
  };
  after(async () => {
    await t.close();
    for (const dir of scratchDirs) dir.remove();
  });

  test("starts ready, with a private config and a log", (ctx) => {
    ctx.diagnostic(`start-to-ready ${readyMs[0]}ms`);
    assert.equal(t.nats.running, true);
    assert.ok(t.nats.pid && pidAlive(t.nats.pid));
    assert.equal(t.nats.clientUrl, `nats://127.0.0.1:${t.opts.port}`);
    assert.equal(statSync(t.nats.confPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(t.dir.path, "nats")).mode & 0o777, 0o700);
    assert.ok(existsSync(join(t.dir.path, "logs", "nats-server.log")));
  });

  test("refuses clients without credentials or with a wrong password", async () => {
    await assert.rejects(connect({ servers: t.nats.clientUrl }), /Authorization Violation/i);
    await assert.rejects(connect({ servers: t.nats.clientUrl, user: "hive", pass: "wrong" }), /Authorization Violation/i);
  });

  test("accepts clients with the credentials", async () => {
    const bus = await connectBus({ servers: t.nats.clientUrl, user: "hive", pass: t.opts.password, name: "test" });
    assert.equal(bus.connected, true);
    await bus.close();
    assert.equal(bus.closed, true);
    // What the server tells a client about itself.
    const nc = await connect({ servers: t.nats.clientUrl, user: "hive", pass: t.opts.password, name: "test" });
    assert.equal(nc.info?.server_name, "hive-test");
    assert.equal(nc.info?.max_payload, 64 * 1024 * 1024);
    await nc.close();
  });

  test("listens for leaf nodes, with auth required", async () => {
    const info = await greeting(t.opts.leafPort);
    assert.match(info, /^INFO /);
    assert.match(info, /"auth_required":true/);
  });

  test("answers on the monitoring port", async () => {
    const health = await httpJson(t.opts.monitorPort, "/healthz");
    assert.equal(health.status, 200);
    assert.equal(health.body.status, "ok");
    const varz = await httpJson(t.opts.monitorPort, "/varz");
    assert.equal(varz.body.server_name, "hive-test");
    assert.equal(varz.body.port, t.opts.port);
  });

  test("restarts nats-server after kill -9; bus clients reconnect and requests work again", async (ctx) => {
    const creds = { servers: t.nats.clientUrl, user: "hive", pass: t.opts.password };
    const daemon = await connectBus({ ...creds, name: "daemon" });
    const gateway = await connectBus({ ...creds, name: "gateway" });
    const server = daemon.serve("ec2.Echo", (env) => env.input, { node: "node-1", queue: true, log: () => {} });
    await server.ready;
    try {
      assert.deepEqual(await gateway.request("ec2.Echo", request({ n: 1 }), 2_000), { n: 1 });

      const oldPid = t.nats.pid as number;
      const killedAt = performance.now();
      process.kill(oldPid, "SIGKILL");
      await eventually("a restarted nats-server", async () => {
        if (!t.nats.running || t.nats.pid === oldPid) throw new Error("not yet");
      });
      ctx.diagnostic(`kill -9 to ready again ${Math.round(performance.now() - killedAt)}ms (restart ready in ${readyMs.at(-1)}ms)`);
      assert.equal(exits.length, 1);
      assert.equal(exits[0]?.signal, "SIGKILL");
      assert.equal(exits[0]?.expected, false);
      assert.equal(pidAlive(oldPid), false);

      const reply = await eventually("a request after reconnect", () => gateway.request("ec2.Echo", request({ n: 2 }), 500));
      assert.deepEqual(reply, { n: 2 });
    } finally {
      await server.close();
      await daemon.close();
      await gateway.close();
    }
  });

  test("stop() ends the process and leaves nothing running", async () => {
    const dir = scratch("nats-stop");
    const exitsHere: NatsExitInfo[] = [];
    const nats = await startNats(await natsOptions(dir.path, { onExit: (e) => exitsHere.push(e) }));
    const pid = nats.pid as number;
    assert.ok(pidAlive(pid));
    const stopStart = performance.now();
    await nats.stop();
    const stopMs = performance.now() - stopStart;
    assert.equal(pidAlive(pid), false);
    assert.equal(nats.running, false);
    assert.equal(nats.pid, undefined);
    assert.deepEqual(exitsHere.map((e) => e.expected), [true]);
    assert.ok(stopMs < 5_000, `stop took ${stopMs}ms`);
    // Nothing restarts it afterwards.
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(nats.pid, undefined);
  });

  test("a missing binary is reported with how to install it", async () => {
    const dir = scratch("nats-missing");
    const nats = new NatsSupervisor(await natsOptions(dir.path, { binary: join(dir.path, "no-such-nats-server") }));
    await assert.rejects(nats.start(), /not found .*apt-get install nats-server/);
    assert.equal(nats.pid, undefined);
  });

  test("a port already in use is reported clearly, naming the port", async () => {
    const dir = scratch("nats-busy");
    const opts = await natsOptions(dir.path);
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(opts.port, "127.0.0.1", r));
    try {
      await assert.rejects(
        startNats(opts),
        (err: Error) => err.message.includes(`client port 127.0.0.1:${opts.port} is already in use`),
      );
    } finally {
      squatter.close();
      }
  });

  test("a monitoring port already in use is reported too", async () => {
    const dir = scratch("nats-busy-mon");
    const opts = await natsOptions(dir.path);
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(opts.monitorPort, "127.0.0.1", r));
    try {
      await assert.rejects(startNats(opts), /monitoring port .* is already in use/);
    } finally {
      squatter.close();
      }
  });

  test("a server that dies during start is reported with its exit code, log lines and the port it could not bind", async () => {
    const dir = scratch("nats-early-exit");
    const opts = await natsOptions(dir.path);
    // Stands in for the race the pre-flight check cannot close: another process binds the port in between.
    const fake = join(dir.path, "fake-nats-server");
    writeFileSync(
      fake,
      `#!/bin/sh\necho "[FTL] Error listening on port: 127.0.0.1:${opts.port}, \\"listen tcp 127.0.0.1:${opts.port}: bind: address already in use\\"" >&2\nexit 1\n`,
      { mode: 0o755 },
    );
    const nats = new NatsSupervisor({ ...opts, binary: fake });
    await assert.rejects(nats.start(), (err: Error) => {
      assert.match(err.message, /exited during start \(exit code 1\)/);
      assert.match(err.message, new RegExp(`client port 127\\.0\\.0\\.1:${opts.port} is already in use`));
      assert.match(err.message, /Last lines of .*nats-server\.log:\n--- .* hive starting .*\n\[FTL\] Error listening/);
      return true;
    });
    assert.equal(nats.pid, undefined);
  });

  test("a process that exits without stop() takes nats-server with it", async () => {
    const dir = scratch("nats-orphan");
    const opts = await natsOptions(dir.path);
    const script = join(dir.path, "exits-early.mts");
    const root = resolve(import.meta.dirname, "../..");
    writeFileSync(
      script,
      `import { startNats } from ${JSON.stringify(join(root, "src/embedded-nats/index.ts"))};\n` +
        `const nats = await startNats(${JSON.stringify({ ...opts, log: undefined })});\n` +
        "console.log(nats.pid);\nprocess.exit(0);\n",
    );
    const args = isBun ? [script] : ["--import", "tsx", script];
    const pid = Number(execFileSync(process.execPath, args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim().split("\n").at(-1));
    assert.ok(pid > 0);
    await eventually("nats-server gone", async () => assert.equal(pidAlive(pid), false), 2_000);
  });
});
