// The QMP client against a scripted fake monitor (ids, chunking, events, errors, disconnects), real QEMU and real qemu-storage-daemon.

import assert from "node:assert/strict";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, test } from "node:test";
import { QmpClient, QmpCommandError, QmpDisconnectedError, QmpTimeoutError } from "../../src/qmp/index.ts";
import { killAll, pidAlive, sleep, tempDir, waitFor } from "./qemu-harness.ts";

const dir = tempDir("qmp");
const started = new Set<number>();
after(async () => {
  await killAll(started);
  dir.remove();
});

const GREETING = { QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 }, package: "fake" }, capabilities: ["oob"] } };

interface Command {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: string;
}

/** A fake monitor: greets, acknowledges qmp_capabilities, and hands every other command to `onCommand`. */
async function fakeMonitor(name: string, onCommand: (cmd: Command, peer: Socket) => void, opts: { greet?: boolean; delayMs?: number } = {}) {
  const path = join(dir.path, `${name}.sock`);
  const peers: Socket[] = [];
  const server: Server = createServer((peer) => {
    peers.push(peer);
    if (opts.greet !== false) peer.write(`${JSON.stringify(GREETING)}\r\n`);
    let buf = "";
    peer.on("data", (d) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const cmd = JSON.parse(buf.slice(0, nl)) as Command;
        buf = buf.slice(nl + 1);
        if (cmd.execute === "qmp_capabilities") peer.write(`${JSON.stringify({ return: {}, id: cmd.id })}\r\n`);
        else onCommand(cmd, peer);
      }
    });
    peer.on("error", () => {});
  });
  const listen = () => new Promise<void>((resolve) => server.listen(path, resolve));
  if (opts.delayMs) setTimeout(() => void listen(), opts.delayMs);
  else await listen();
  return {
    path,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of peers) p.destroy();
        server.close(() => resolve());
      }),
  };
}

const line = (msg: unknown) => `${JSON.stringify(msg)}\r\n`;
const ts = { seconds: 1700000000, microseconds: 5 };

describe("fake monitor", () => {
  test("connect retries until the socket appears, then negotiates", async () => {
    const mon = await fakeMonitor("late", (cmd, peer) => peer.write(line({ return: { status: "running", running: true, singlestep: false }, id: cmd.id })), {
      delayMs: 300,
    });
    const t0 = Date.now();
    const qmp = await QmpClient.connect(mon.path, { timeoutMs: 5_000 });
    assert.ok(Date.now() - t0 >= 250);
    assert.equal(qmp.greeting.QMP.version.qemu.major, 7);
    assert.deepEqual(await qmp.queryStatus(), { status: "running", running: true });
    await qmp.close();
    await mon.close();
  });

  test("replies are matched by id, whatever their order", async () => {
    const held: Command[] = [];
    const mon = await fakeMonitor("order", (cmd, peer) => {
      held.push(cmd);
      // Answer the pair in reverse order once both have arrived.
      if (held.length === 2) for (const c of held.reverse()) peer.write(line({ return: { echo: c.arguments?.n }, id: c.id }));
    });
    const qmp = await QmpClient.connect(mon.path);
    const [a, b] = await Promise.all([qmp.execute<{ echo: number }>("echo", { n: 1 }), qmp.execute<{ echo: number }>("echo", { n: 2 })]);
    assert.deepEqual([a.echo, b.echo], [1, 2]);
    assert.notEqual(held[0].id, held[1].id);
    await qmp.close();
    await mon.close();
  });

  test("events interleaved with replies, split across chunks at any byte, reach the listener", async () => {
    const mon = await fakeMonitor("chunks", (cmd, peer) => {
      const text =
        line({ event: "RESET", data: { guest: false, reason: "host-qmp-system-reset" }, timestamp: ts }) +
        line({ event: "NOTE", data: { text: "héllo ✓" }, timestamp: ts }) +
        line({ return: { ok: true }, id: cmd.id }) +
        line({ event: "STOP", timestamp: ts });
      const bytes = Buffer.from(text);
      // One byte per write, with a pause: multi-byte characters and lines are split across reads.
      void (async () => {
        for (let i = 0; i < bytes.length; i++) {
          peer.write(bytes.subarray(i, i + 1));
          if (i % 7 === 0) await sleep(1);
        }
      })();
    });
    const qmp = await QmpClient.connect(mon.path);
    const events: [string, Record<string, unknown>, unknown][] = [];
    qmp.on("event", (name, data, timestamp) => events.push([name, data, timestamp]));
    const stop = qmp.waitForEvent("STOP", { timeoutMs: 5_000 });
    assert.deepEqual(await qmp.execute("system_reset"), { ok: true });
    await stop;
    assert.deepEqual(
      events.map(([n]) => n),
      ["RESET", "NOTE", "STOP"],
    );
    assert.deepEqual(events[0][1], { guest: false, reason: "host-qmp-system-reset" });
    assert.equal(events[1][1].text, "héllo ✓");
    assert.deepEqual(events[2][1], {});
    assert.deepEqual(events[0][2], ts);
    await qmp.close();
    await mon.close();
  });

  test("an error reply is a QmpCommandError; the connection stays usable", async () => {
    const mon = await fakeMonitor("errors", (cmd, peer) => {
      if (cmd.execute === "blockdev-del") peer.write(line({ id: cmd.id, error: { class: "GenericError", desc: "Failed to find node with node-name='x'" } }));
      else peer.write(line({ return: [], id: cmd.id }));
    });
    const qmp = await QmpClient.connect(mon.path);
    await assert.rejects(qmp.blockdevDel("x"), (err: unknown) => {
      assert.ok(err instanceof QmpCommandError);
      assert.equal(err.command, "blockdev-del");
      assert.equal(err.errorClass, "GenericError");
      assert.equal(err.desc, "Failed to find node with node-name='x'");
      return true;
    });
    assert.deepEqual(await qmp.queryBlock(), []);
    await qmp.close();
    await mon.close();
  });

  test("the monitor going away rejects pending commands with QmpDisconnectedError and emits close", async () => {
    const mon = await fakeMonitor("drop", (_cmd, peer) => setTimeout(() => peer.destroy(), 50));
    const qmp = await QmpClient.connect(mon.path);
    const closed = new Promise<QmpDisconnectedError>((resolve) => qmp.on("close", resolve));
    const events = qmp.waitForEvent("SHUTDOWN");
    const results = await Promise.allSettled([qmp.execute("a"), qmp.execute("b")]);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok((r as PromiseRejectedResult).reason instanceof QmpDisconnectedError);
    }
    assert.ok((await closed) instanceof QmpDisconnectedError);
    await assert.rejects(events, QmpDisconnectedError);
    assert.equal(qmp.closed, true);
    await assert.rejects(qmp.queryStatus(), QmpDisconnectedError);
    await mon.close();
  });

  test("a command without a reply times out; its late reply is dropped", async () => {
    let first: Command | undefined;
    const mon = await fakeMonitor("slow", (cmd, peer) => {
      if (!first) first = cmd;
      else {
        // The late answer to the first command comes just before the second one's.
        peer.write(line({ return: "late", id: first.id }));
        peer.write(line({ return: "second", id: cmd.id }));
      }
    });
    const qmp = await QmpClient.connect(mon.path, { commandTimeoutMs: 100 });
    await assert.rejects(qmp.execute("slow"), QmpTimeoutError);
    assert.equal(await qmp.execute("fast"), "second");
    await qmp.close();
    await mon.close();
  });

  test("close() rejects what is pending; connecting to nothing or to a silent monitor fails in time", async () => {
    const mon = await fakeMonitor("silent-cmd", () => {});
    const qmp = await QmpClient.connect(mon.path);
    const pending = qmp.execute("never");
    await qmp.close();
    await assert.rejects(pending, QmpDisconnectedError);
    await mon.close();

    await assert.rejects(QmpClient.connect(join(dir.path, "absent.sock"), { timeoutMs: 200 }), (err: unknown) => {
      assert.ok(err instanceof QmpDisconnectedError);
      assert.match(err.message, /not ready within 200 ms \(ENOENT\)/);
      return true;
    });
    const mute = await fakeMonitor("mute", () => {}, { greet: false });
    await assert.rejects(QmpClient.connect(mute.path, { timeoutMs: 300 }), /no greeting/);
    await mute.close();
  });
});

function spawnTracked(cmd: string, args: string[]): ChildProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
  started.add(child.pid!);
  return child;
}

describe("real qemu-system-x86_64", () => {
  test("status, stop/cont, reset, errors, hot-plug, quit", async () => {
    const sock = join(dir.path, "qemu-qmp.sock");
    const qemu = spawnTracked("qemu-system-x86_64", [
      "-M", "q35", "-accel", "tcg", "-display", "none", "-nodefaults", "-no-user-config", "-m", "128",
      "-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1",
      "-qmp", `unix:${sock},server=on,wait=off`,
    ]);
    const qmp = await QmpClient.connect(sock, { timeoutMs: 10_000 });
    assert.equal(qmp.greeting.QMP.version.qemu.major, Number(execFileSync("qemu-system-x86_64", ["--version"]).toString().match(/version (\d+)/)![1]));
    assert.deepEqual(await qmp.queryStatus(), { status: "running", running: true });

    const stopped = qmp.waitForEvent("STOP", { timeoutMs: 5_000 });
    await qmp.stop();
    await stopped;
    assert.deepEqual(await qmp.queryStatus(), { status: "paused", running: false });
    const resumed = qmp.waitForEvent("RESUME", { timeoutMs: 5_000 });
    await qmp.cont();
    await resumed;

    const reset = qmp.waitForEvent("RESET", { timeoutMs: 5_000 });
    await qmp.reset();
    assert.deepEqual((await reset).data, { guest: false, reason: "host-qmp-system-reset" });
    assert.equal((await qmp.queryStatus()).running, true);

    await assert.rejects(qmp.execute("no-such-command"), (err: unknown) => err instanceof QmpCommandError && err.errorClass === "CommandNotFound");
    assert.deepEqual(await qmp.queryBlock(), []);

    await qmp.blockdevAdd({ driver: "null-co", "node-name": "scratch", size: 1 << 20 });
    await qmp.deviceAdd({ driver: "virtio-blk-pci", id: "disk1", drive: "scratch", bus: "rp1" });
    const blocks = await qmp.queryBlock();
    assert.equal(blocks.length, 1);
    assert.equal(blocks[0].inserted?.["node-name"], "scratch");
    await assert.rejects(qmp.blockdevDel("scratch"), QmpCommandError); // in use by disk1
    await qmp.deviceDel("disk1"); // accepted; completion needs a guest OS to acknowledge

    const shutdown = qmp.waitForEvent("SHUTDOWN", { timeoutMs: 5_000 });
    const closed = new Promise<void>((resolve) => qmp.on("close", () => resolve()));
    const exited = new Promise<number | null>((resolve) => qemu.once("exit", resolve));
    await qmp.quit();
    assert.deepEqual((await shutdown).data, { guest: false, reason: "host-qmp-quit" });
    await closed;
    assert.equal(await exited, 0);
  });

  test("a QEMU killed under a client is a QmpDisconnectedError, not a command error", async () => {
    const sock = join(dir.path, "qemu-kill.sock");
    const qemu = spawnTracked("qemu-system-x86_64", ["-M", "q35", "-accel", "tcg", "-display", "none", "-nodefaults", "-m", "128", "-qmp", `unix:${sock},server=on,wait=off`]);
    const qmp = await QmpClient.connect(sock, { timeoutMs: 10_000 });
    const closed = new Promise<QmpDisconnectedError>((resolve) => qmp.on("close", resolve));
    qemu.kill("SIGKILL");
    assert.ok((await closed) instanceof QmpDisconnectedError);
    await assert.rejects(qmp.queryStatus(), QmpDisconnectedError);
    await waitFor("qemu to be reaped", () => !pidAlive(qemu.pid!));
  });
});

describe("real qemu-storage-daemon", () => {
  test("blockdev, NBD server, block exports, quit", async () => {
    const sock = join(dir.path, "qsd-qmp.sock");
    const image = join(dir.path, "vol.raw");
    const nbd = join(dir.path, "qsd-nbd.sock");
    execFileSync("qemu-img", ["create", "-q", "-f", "raw", image, "8M"]);
    const qsd = spawnTracked("qemu-storage-daemon", ["--chardev", `socket,path=${sock},server=on,wait=off,id=qmp0`, "--monitor", "chardev=qmp0"]);
    const qmp = await QmpClient.connect(sock, { timeoutMs: 10_000 });
    assert.deepEqual(await qmp.queryBlockExports(), []);

    await qmp.blockdevAdd({ driver: "file", "node-name": "vol-file", filename: image });
    await qmp.blockdevAdd({ driver: "raw", "node-name": "vol", file: "vol-file" });
    await qmp.nbdServerStart({ type: "unix", path: nbd });
    await qmp.blockExportAdd({ type: "nbd", id: "exp-vol", "node-name": "vol", name: "vol-1", writable: true });
    assert.deepEqual(await qmp.queryBlockExports(), [{ id: "exp-vol", type: "nbd", "node-name": "vol", "shutting-down": false }]);
    await assert.rejects(
      qmp.blockExportAdd({ type: "nbd", id: "exp-vol", "node-name": "vol" }),
      (err: unknown) => err instanceof QmpCommandError && /already/.test(err.desc),
    );

    // A real NBD client sees the export.
    const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", `nbd+unix:///vol-1?socket=${nbd}`]).toString()) as { "virtual-size": number };
    assert.equal(info["virtual-size"], 8 * 1024 * 1024);

    const deleted = qmp.waitForEvent("BLOCK_EXPORT_DELETED", { timeoutMs: 5_000 });
    await qmp.blockExportDel("exp-vol");
    assert.equal((await deleted).data.id, "exp-vol");
    assert.deepEqual(await qmp.queryBlockExports(), []);
    await qmp.blockdevDel("vol");
    await qmp.blockdevDel("vol-file");
    await assert.rejects(qmp.blockdevDel("vol"), QmpCommandError);
    await assert.rejects(qmp.deviceAdd({ driver: "virtio-rng-pci" }), (err: unknown) => err instanceof QmpCommandError && err.errorClass === "CommandNotFound");
    await qmp.nbdServerStop();

    const exited = new Promise<number | null>((resolve) => qsd.once("exit", resolve));
    await qmp.quit();
    assert.equal(await exited, 0);
  });
});
