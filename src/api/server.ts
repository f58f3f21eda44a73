// Serves a fetch handler over HTTPS: Bun.serve inside the compiled binary, @hono/node-server over node:https on Node.
import type { Server as NodeHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { isBun } from "../runtime/index.ts";
import { MAX_BODY_BYTES } from "./aws-request.ts";

export interface HttpsOptions {
  host: string;
  port: number;
  cert: string;
  key: string;
  fetch: (req: Request) => Response | Promise<Response>;
}

export interface HttpsServer {
  port: number;
  close(): Promise<void>;
}

interface BunServer {
  port: number;
  stop(closeActive?: boolean): Promise<void> | void;
}
interface BunGlobal {
  serve(opts: Record<string, unknown>): BunServer;
}

/**
 * How long a connection may stay quiet, in seconds: longer than the slowest answer (a request waits up to 60 s for
 * the bus), so a slow call is never cut off mid-way, and longer than clients keep idle connections in their pools, so
 * a client does not send on a connection the server is closing (Bun's default, 10 s, did both).
 */
const IDLE_TIMEOUT_S = 90;

export async function serveHttps(opts: HttpsOptions): Promise<HttpsServer> {
  if (isBun) {
    const bun = (globalThis as unknown as { Bun: BunGlobal }).Bun;
    const server = bun.serve({
      hostname: opts.host,
      port: opts.port,
      tls: { cert: opts.cert, key: opts.key },
      maxRequestBodySize: MAX_BODY_BYTES + 1,
      idleTimeout: IDLE_TIMEOUT_S,
      fetch: opts.fetch,
    });
    return { port: server.port, close: async () => void (await server.stop(true)) };
  }
  const https = await import("node:https");
  const { serve } = await import("@hono/node-server");
  return new Promise((resolve, reject) => {
    const server = serve(
      { fetch: opts.fetch, hostname: opts.host, port: opts.port, createServer: https.createServer, serverOptions: { cert: opts.cert, key: opts.key } },
      (info: AddressInfo) =>
        resolve({
          port: info.port,
          close: () =>
            new Promise<void>((done) => {
              server.close(() => done());
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            }),
        }),
    );
    server.once("error", reject);
    const node = server as unknown as NodeHttpsServer;
    node.keepAliveTimeout = IDLE_TIMEOUT_S * 1000;
    node.headersTimeout = (IDLE_TIMEOUT_S + 5) * 1000;
  });
}
