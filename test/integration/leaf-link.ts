// Two boxes' buses joined as Hive joins members: a hub and a leaf nats-server whose link runs through a TCP proxy
// that can delay it (round trip), cap it (bytes per second) and cut it, as a slow or breaking WAN link would.

import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { MAX_PAYLOAD_BYTES, renderNatsConfig, type NatsSupervisorOptions } from "../../src/embedded-nats/index.ts";
import { eventually, freePort, natsOptions, tempDir } from "./nats-harness.ts";

export interface LinkShape {
  /** One way; the round trip is twice this. */
  delayMs: number;
  /** Unlimited when absent. */
  bytesPerSecond?: number;
}

/** Bytes queued in one direction before the proxy stops reading, as a bottleneck's buffer fills. */
const QUEUE_LIMIT = 4 * 1024 * 1024;

/** A TCP proxy to `target` whose shape can change at any time; `cut` drops every connection and `down` refuses new ones. */
export class ShapedLink {
  shape: LinkShape = { delayMs: 0 };
  down = false;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, host = "127.0.0.1"): Promise<ShapedLink> {
    let link: ShapedLink | undefined;
    const server = net.createServer((client) => link?.accept(client, targetPort, host));
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    link = new ShapedLink(server, (server.address() as net.AddressInfo).port);
    return link;
  }

  /** Drops every connection through the link now. */
  cut(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, port: number, host: string): void {
    if (this.down) return void client.destroy();
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on("error", () => undefined);
      s.on("close", () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Each chunk leaves once the link has serialised it at its rate, then travels its delay; one queue keeps the order. */
  private pipe(from: net.Socket, to: net.Socket): void {
    const queue: Array<{ at: number; chunk: Buffer }> = [];
    let serialEnd = 0;
    let queued = 0;
    let timer: NodeJS.Timeout | undefined;
    const drain = (): void => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.at <= now) {
        const { chunk } = queue.shift()!;
        queued -= chunk.length;
        if (!to.destroyed) to.write(chunk);
      }
      if (queued <= QUEUE_LIMIT && from.isPaused()) from.resume();
      if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0]!.at - now));
    };
    from.on("data", (chunk: Buffer) => {
      const now = performance.now();
      const rate = this.shape.bytesPerSecond;
      serialEnd = Math.max(now, serialEnd) + (rate ? (chunk.length / rate) * 1000 : 0);
      const last = queue.length > 0 ? queue[queue.length - 1]!.at : 0;
      queue.push({ at: Math.max(last, serialEnd + this.shape.delayMs), chunk });
      queued += chunk.length;
      if (queued > QUEUE_LIMIT) from.pause();
      if (!timer) timer = setTimeout(drain, Math.max(0, queue[0]!.at - now));
    });
    from.on("close", () => clearTimeout(timer));
  }
}

export interface TestServer {
  clientUrl: string;
  stop(): Promise<void>;
}

export interface Hub extends TestServer {
  opts: NatsSupervisorOptions;
  /** The only way leaves reach the hub: its leaf listener, through a shaped link. */
  link: ShapedLink;
}

/**
 * A hub as Hive renders its config, reached by leaves through a ShapedLink. The hub advertises the link's address as
 * its leaf URL: a nats-server 2.9 leaf reconnects to the address the hub advertises (by default its listener), which
 * would go around the link after the first cut.
 */
export async function startHub(): Promise<Hub> {
  const dir = tempDir("hub");
  const opts = await natsOptions(dir.path);
  const link = await ShapedLink.start(opts.leafPort);
  const conf = renderNatsConfig(opts).replace("leafnodes {\n", `leafnodes {\n  advertise: "127.0.0.1:${link.port}"\n`);
  const server = await spawnServer(dir, conf, opts.port).catch(async (err: unknown) => {
    await link.close();
    throw err;
  });
  return {
    ...server,
    opts,
    link,
    stop: async () => {
      await link.close();
      await server.stop();
    },
  };
}

/** A nats-server with client credentials `user`/`pass` that joins the hub at `remote` (a nats-leaf:// URL) as a leaf. */
export async function startLeafServer(opts: { remote: string; user: string; pass: string }): Promise<TestServer> {
  const dir = tempDir("leaf");
  const port = await freePort();
  const conf = [
    `listen: "127.0.0.1:${port}"`,
    `max_payload: ${MAX_PAYLOAD_BYTES}`,
    `authorization { user: ${JSON.stringify(opts.user)}, password: ${JSON.stringify(opts.pass)} }`,
    // Reconnect to the hub every second once the link comes back.
    `leafnodes { reconnect: 1, remotes: [ { url: ${JSON.stringify(opts.remote)} } ] }`,
    "",
  ].join("\n");
  return spawnServer(dir, conf, port);
}

async function spawnServer(dir: { path: string; remove: () => void }, conf: string, port: number): Promise<TestServer> {
  const file = join(dir.path, "test.conf");
  writeFileSync(file, conf);
  const child: ChildProcess = spawn("nats-server", ["-c", file], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await eventually("the nats-server listens", () => connectOnce(port));
  } catch (err) {
    child.kill("SIGKILL");
    dir.remove();
    throw err;
  }
  return {
    clientUrl: `nats://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      dir.remove();
    },
  };
}

const connectOnce = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.destroy();
      resolve();
    });
    s.once("error", reject);
  });
