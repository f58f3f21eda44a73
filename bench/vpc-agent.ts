// A guest's side of the VPC data-plane benchmark, run inside a guest namespace: a TCP sink that times what it receives,
// a connect loop that reports when a blocked connection first succeeds, and a sender. JSON lines in, JSON lines out.
import net from "node:net";
import readline from "node:readline";

interface Request {
  id: number;
  op: "serve" | "until" | "blast" | "received";
  host?: string;
  port?: number;
  stepMs?: number;
  seconds?: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes. */
const now = () => performance.timeOrigin + performance.now();
let received: { bytes: number; ms: number } | undefined;

function serve(port: number): Promise<void> {
  const server = net.createServer((sock) => {
    let bytes = 0;
    let first = 0;
    sock.on("data", (b: Buffer) => {
      if (!first) first = now();
      bytes += b.length;
    });
    sock.on("end", () => {
      received = { bytes, ms: now() - first };
      sock.end();
    });
    sock.on("error", () => sock.destroy());
  });
  return new Promise((resolve, reject) => server.once("error", reject).listen(port, "0.0.0.0", () => resolve()));
}

/** Tries a fresh connection every `stepMs` until one is accepted; answers the moment it was. */
function until(host: string, port: number, stepMs: number): Promise<{ at: number; attempts: number }> {
  return new Promise((resolve) => {
    let attempts = 0;
    const attempt = () => {
      attempts++;
      const sock = net.connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        attempt();
      }, stepMs);
      sock.once("connect", () => {
        const at = now();
        clearTimeout(timer);
        sock.destroy();
        resolve({ at, attempts });
      });
      sock.once("error", () => {
        clearTimeout(timer);
        setTimeout(attempt, 1);
      });
    };
    attempt();
  });
}

/** Sends as fast as the connection takes it for `seconds`, then closes. */
function blast(host: string, port: number, seconds: number): Promise<{ bytes: number }> {
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const sock = net.connect({ host, port }, () => {
      const end = now() + seconds * 1000;
      const pump = () => {
        while (now() < end) {
          bytes += chunk.length;
          if (!sock.write(chunk)) return void sock.once("drain", pump);
        }
        sock.end();
      };
      pump();
    });
    sock.on("close", () => resolve({ bytes }));
    sock.on("error", reject);
  });
}

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case "serve":
      return await serve(req.port!);
    case "until":
      return await until(req.host!, req.port!, req.stepMs ?? 10);
    case "blast":
      return await blast(req.host!, req.port!, req.seconds ?? 2);
    case "received": {
      const r = received;
      received = undefined;
      return r;
    }
  }
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const req = JSON.parse(line) as Request;
  handle(req).then(
    (value) => process.stdout.write(JSON.stringify({ id: req.id, ok: true, value: value ?? null }) + "\n"),
    (err: Error) => process.stdout.write(JSON.stringify({ id: req.id, ok: false, error: err.message }) + "\n"),
  );
}).on("close", () => process.exit(0));
