// The chunk window under AMI file transfers: written in order whatever order chunks come in, never more asked for than
// the window, a failure stops at its place in the file, and the window follows the link's bandwidth-delay product.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fetchInOrder, WindowControl } from "../../src/daemon/images/chunk-window.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const limits = { initial: 4, min: 2, max: 32 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Chunk `offset`'s bytes: each byte its offset's low 8 bits, so misplaced data shows. */
const bytesAt = (offset: number, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (offset + i) & 0xff);

describe("fetchInOrder", () => {
  test("writes in file order though chunks arrive out of order, with at most the window asked for", async () => {
    const control = new WindowControl({ initial: 3, min: 3, max: 3 }, 10);
    let outstanding = 0;
    let most = 0;
    const written: number[] = [];
    const out: number[] = [];
    await fetchInOrder({
      from: 0,
      to: 95,
      chunkBytes: 10,
      control,
      fetch: async (offset, length) => {
        outstanding++;
        most = Math.max(most, outstanding);
        // Later chunks answer sooner, so they arrive before the ones in front of them.
        await sleep(((100 - offset) % 30) / 3);
        outstanding--;
        return bytesAt(offset, length);
      },
      write: async (bytes, offset) => {
        written.push(offset);
        out.push(...bytes);
      },
    });
    assert.deepEqual(written, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    assert.deepEqual(out, [...bytesAt(0, 95)]);
    assert.ok(most <= 3, `at most the window in flight (${most})`);
  });

  test("stops at the first failure in file order: everything before it is written, so a retry resumes there", async () => {
    const control = new WindowControl(limits, 10);
    let written = 0;
    const fetch = async (offset: number, length: number) => {
      if (offset === 40) throw new Error("link down");
      return bytesAt(offset, length);
    };
    await assert.rejects(
      fetchInOrder({ from: 0, to: 100, chunkBytes: 10, control, fetch, write: async (b) => void (written += b.length) }),
      /link down/,
    );
    assert.equal(written, 40);
    // The retry: from what was written, with a link that works again.
    await fetchInOrder({ from: written, to: 100, chunkBytes: 10, control, fetch: async (o, l) => bytesAt(o, l), write: async (b) => void (written += b.length) });
    assert.equal(written, 100);
  });

  test("a short answer is a failure, not a hole", async () => {
    const control = new WindowControl(limits, 10);
    await assert.rejects(
      fetchInOrder({ from: 0, to: 30, chunkBytes: 10, control, fetch: async (o, l) => bytesAt(o, o === 10 ? l - 1 : l), write: async () => {} }),
      /asked for 10 bytes at 10, got 9/,
    );
  });

  test("an abort stops it before the next write", async () => {
    const control = new WindowControl(limits, 10);
    const abort = new AbortController();
    let writes = 0;
    await assert.rejects(
      fetchInOrder({
        from: 0,
        to: 100,
        chunkBytes: 10,
        control,
        signal: abort.signal,
        fetch: async (o, l) => bytesAt(o, l),
        write: async () => {
          if (++writes === 2) abort.abort();
        },
      }),
      { name: "AbortError" },
    );
    assert.equal(writes, 2);
  });

  test("an empty range asks for nothing", async () => {
    await fetchInOrder({ from: 7, to: 7, chunkBytes: 10, control: new WindowControl(limits, 10), fetch: () => assert.fail("asked"), write: () => assert.fail("wrote") });
  });
});

describe("WindowControl", () => {
  /** Feeds deliveries of 1 MiB chunks at `bytesPerSecond`, each `rttMs` after it was asked for. */
  const feed = (control: WindowControl, n: number, bytesPerSecond: number, rttMs: number) => {
    const every = (MiB / bytesPerSecond) * 1000;
    for (let i = 0; i < n; i++) control.delivered(MiB, rttMs, i * every);
  };

  test("starts at its initial window and keeps the ceiling as the chunk timeout until it has measured", () => {
    const control = new WindowControl(limits, MiB);
    assert.equal(control.window, 4);
    assert.equal(control.bytesPerSecond, 0);
    assert.equal(control.timeoutMs(1_000, 30_000), 30_000);
  });

  test("a 300 ms link at 4 MiB/s settles at 2 × its bandwidth-delay product + 1 chunk", () => {
    const control = new WindowControl(limits, MiB);
    // The shortest round trip: 300 ms of travel plus 250 ms to send 1 MiB at 4 MiB/s.
    feed(control, 16, 4 * MiB, 550);
    assert.equal(control.bytesPerSecond, 4 * MiB);
    // BDP = 4 MiB/s × 0.55 s = 2.2 chunks → 2 × 2.2 → 5, + 1.
    assert.equal(control.window, 6);
    // Four times what the window ahead should take: 4 × (0.55 s + 6 MiB / 4 MiB/s) = 8.2 s.
    assert.equal(control.timeoutMs(1_000, 30_000), 8_200);
  });

  test("a fast near link keeps a small window; a fat far one is capped", () => {
    const near = new WindowControl(limits, MiB);
    // 1 ms to send a chunk and nothing to travel: one chunk in flight fills it, so 2 × 1 + 1.
    feed(near, 16, 1_000 * MiB, 1);
    assert.equal(near.window, 3);
    const far = new WindowControl(limits, MiB);
    feed(far, 16, 200 * MiB, 300);
    assert.equal(far.window, limits.max);
    assert.equal(near.timeoutMs(5_000, 30_000), 5_000);
  });

  test("while the window is what limits the rate, it grows each round", () => {
    const control = new WindowControl(limits, MiB);
    // A 300 ms link with room for far more: the window's 4 chunks per round trip are all it carries.
    for (let round = 0, t = 0; round < 3; round++) {
      const w = control.window;
      for (let i = 0; i < w; i++) control.delivered(MiB, 310, (t += 310 / w));
      assert.ok(control.window > w || control.window === limits.max, `round ${round}: ${w} → ${control.window}`);
    }
  });
});
