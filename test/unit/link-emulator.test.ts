// The WAN link emulator (test/helpers/link-emulator.ts) in front of an echo server on 127.0.0.1: delay, rate cap, byte
// order, resets, and a cut cable.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import { after, before, test } from "node:test";
import { startLink, type Link, type LinkShape } from "../helpers/link-emulator.ts";

let echo: net.Server;
let echoPort: number;
const links: Link[] = [];

before(async () => {
  echo = net.createServer((s) => {
    s.on("error", () => {});
    s.pipe(s);
  });
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
});

after(async () => {
  await Promise.all(links.map((l) => l.close()));
  await new Promise((resolve) => echo.close(resolve));
});

async function link(shape?: LinkShape): Promise<Link> {
  const l = await startLink({ listenHost: "127.0.0.1", targetHost: "127.0.0.1", targetPort: echoPort, shape });
  links.push(l);
  return l;
}

function connect(l: Link): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: l.host, port: l.port }, () => resolve(s));
    s.setNoDelay(true);
    s.once("error", reject);
  });
}

/** Reads exactly n bytes from s; rejects if it closes or errs first, or after timeoutMs. */
function read(s: net.Socket, n: number, timeoutMs = 10_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const done = (err?: Error) => {
      clearTimeout(timer);
      s.off("data", onData).off("close", onClose).off("error", done);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= n) done();
    };
    const onClose = () => done(new Error(`closed after ${got} of ${n} bytes`));
    const timer = setTimeout(() => done(new Error(`timed out after ${got} of ${n} bytes`)), timeoutMs);
    s.on("data", onData).on("close", onClose).on("error", done);
  });
}

/** Resolves with the error code (or "closed") once s goes away. */
const closed = (s: net.Socket): Promise<string> =>
  new Promise((resolve) => {
    let code = "closed";
    s.on("error", (e: NodeJS.ErrnoException) => (code = e.code ?? e.message));
    s.once("close", () => resolve(code));
  });

test("a round trip takes twice the one-way delay, and not much more", async () => {
  const l = await link({ delayMs: 100 });
  const s = await connect(l);
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    s.write(`ping ${i}\n`);
    assert.equal((await read(s, 7)).toString(), `ping ${i}\n`);
    const rtt = performance.now() - started;
    assert.ok(rtt >= 200 && rtt < 350, `round trip ${rtt.toFixed(1)} ms, want 200–350`);
  }
  s.destroy();
});

test("throughput under a 1 MiB/s cap is within 25% of it", async () => {
  const rate = 1 << 20;
  const l = await link({ rateBytesPerSec: rate });
  const s = await connect(l);
  const size = 3 * rate;
  const started = performance.now();
  s.write(randomBytes(size));
  await read(s, size);
  const seconds = (performance.now() - started) / 1000;
  const measured = size / seconds;
  // Up and down are capped separately and overlap, so the echo takes about size / rate.
  assert.ok(Math.abs(measured - rate) <= rate * 0.25, `measured ${(measured / rate).toFixed(3)} MiB/s over ${seconds.toFixed(2)} s`);
  s.destroy();
});

test("a few MiB of random data come back whole and in order, through delay, jitter and a cap", async () => {
  const l = await link({ delayMs: 5, jitterMs: 5, rateBytesPerSec: 32 << 20 });
  const s = await connect(l);
  const data = randomBytes(6 << 20);
  s.write(data);
  const back = await read(s, data.length);
  assert.ok(back.equals(data), "echo differs from what was sent");
  s.destroy();
  const stats = l.stats();
  assert.equal(stats.bytesUp, data.length);
  assert.equal(stats.bytesDown, data.length);
});

test("a receiver that stops reading stops the sender: the link does not soak up the stream", async () => {
  const stalled = net.createServer((c) => {
    c.pause();
    c.on("error", () => {});
  });
  await new Promise<void>((resolve) => stalled.listen(0, "127.0.0.1", resolve));
  const l = await startLink({ listenHost: "127.0.0.1", targetHost: "127.0.0.1", targetPort: (stalled.address() as net.AddressInfo).port });
  links.push(l);
  const s = await connect(l);
  const size = 64 << 20;
  s.write(randomBytes(size));
  await new Promise((r) => setTimeout(r, 500));
  // Kernel buffers on the way hold a few MiB at most; the rest must still wait in the sender.
  assert.ok(s.writableLength > size - (16 << 20), `only ${s.writableLength} of ${size} bytes still wait in the sender`);
  s.destroy();
  stalled.close();
});

test("a FIN arrives after the data before it", async () => {
  const l = await link({ delayMs: 50 });
  const s = await connect(l);
  const got: Buffer[] = [];
  s.on("data", (d: Buffer) => got.push(d));
  const ended = new Promise((resolve) => s.once("end", resolve));
  s.end("last words");
  await ended;
  assert.equal(Buffer.concat(got).toString(), "last words");
});

test("dropRate 1 resets a connection at its first chunk; the next connection without loss goes through", async () => {
  const l = await link({ dropRate: 1 });
  const s = await connect(l);
  const gone = closed(s);
  s.write("hello");
  assert.equal(await gone, "ECONNRESET");
  l.shape({});
  const t = await connect(l);
  t.write("hello");
  assert.equal((await read(t, 5)).toString(), "hello");
  t.destroy();
});

test("cut() breaks an open connection and holds new ones silent; heal() lets a new one through", async () => {
  const l = await link({ delayMs: 10 });
  const s = await connect(l);
  s.write("before");
  assert.equal((await read(s, 6)).toString(), "before");
  const gone = closed(s);
  l.cut();
  assert.equal(await gone, "ECONNRESET");

  const held = await connect(l);
  const heldGone = closed(held);
  held.write("into the void");
  await assert.rejects(read(held, 1, 500), /timed out after 0/);
  assert.equal(l.stats().connections, 1, "the held connection");

  l.heal();
  assert.equal(await heldGone, "ECONNRESET", "held connections are reset on heal");
  const after = await connect(l);
  after.write("after");
  assert.equal((await read(after, 5)).toString(), "after");
  after.destroy();
});
