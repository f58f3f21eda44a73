// A small closed-loop load generator: N concurrent keep-alive clients send one request for a fixed time.
import http from "node:http";
import https from "node:https";

export interface LoadTarget {
  url: string;
  ca?: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50ms: number;
  p99ms: number;
}

export async function runLoad(target: LoadTarget, opts: { concurrency: number; seconds: number }): Promise<LoadResult> {
  const url = new URL(target.url);
  const isHttps = url.protocol === "https:";
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: opts.concurrency, ca: target.ca })
    : new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const lib = isHttps ? https : http;
  const latencies: number[] = [];
  let errors = 0;
  const body = Buffer.from(target.body);
  const headers = { ...target.headers, "content-length": String(body.length) };
  const one = () =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const req = lib.request(url, { method: "POST", agent, headers }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode === 200) latencies.push(performance.now() - start);
          else errors++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const deadline = performance.now() + opts.seconds * 1000;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < deadline) await one();
    }),
  );
  const elapsed = (performance.now() - began) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : NaN);
  return { requests: latencies.length, errors, rps: latencies.length / elapsed, p50ms: q(0.5), p99ms: q(0.99) };
}
