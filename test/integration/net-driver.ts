// Stands in for hive (or a guest) inside a test's network namespace: runs src/net calls, TCP listeners and TCP clients
// sent as JSON lines on stdin, answering one JSON line each on stdout. Product code must run in the namespace (ip_forward
// is per namespace).
import net from "node:net";
import readline from "node:readline";
import * as hiveNet from "../../src/net/index.ts";

interface Request {
  id: number;
  op: "call" | "listen" | "seen" | "connect" | "hold" | "probe";
  fn?: string;
  args?: unknown[];
  host?: string;
  port?: number;
  /** listen: answer every message and keep the connection open (else answer once and close). */
  keep?: boolean;
  timeoutMs?: number;
  /** hold/probe: the held connection's name. */
  name?: string;
  /** probe: what to send (default "probe\n"). */
  text?: string;
  /** connect: the source address to use. */
  localAddress?: string;
}

const seen = new Map<string, string[]>();
const servers: net.Server[] = [];
const log: string[] = [];
const held = new Map<string, net.Socket>();

/** Connects and resolves with what arrived up to the server's greeting, or "ERR:<code>" / "" (timed out). */
function connect(host: string, port: number, timeoutMs: number, keep = false, localAddress?: string): Promise<{ got: string; sock: net.Socket }> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, localAddress });
    let got = "";
    const done = () => {
      sock.setTimeout(0);
      if (!keep || !got.includes("hello")) sock.destroy();
      resolve({ got, sock });
    };
    sock.setEncoding("utf8");
    sock.setTimeout(timeoutMs, done);
    sock.once("data", (d: string) => {
      got += d;
      done();
    });
    sock.on("error", (e: NodeJS.ErrnoException) => {
      got += `ERR:${e.code}`;
      done();
    });
  });
}

async function handle(req: Request): Promise<unknown> {
  if (req.op === "call") {
    const fn = (hiveNet as unknown as Record<string, (...a: unknown[]) => unknown>)[req.fn!];
    if (typeof fn !== "function") throw new Error(`no such function: ${req.fn}`);
    const args = (req.args ?? []).map((a) => (a && typeof a === "object" && !Array.isArray(a) ? { ...a, log: (l: string) => log.push(l) } : a));
    return await fn(...args);
  }
  if (req.op === "connect") return (await connect(req.host!, req.port!, req.timeoutMs ?? 3000, false, req.localAddress)).got;
  if (req.op === "hold") {
    const { got, sock } = await connect(req.host!, req.port!, req.timeoutMs ?? 3000, true);
    if (got.includes("hello")) held.set(req.name!, sock);
    return got;
  }
  if (req.op === "probe") {
    const sock = held.get(req.name!);
    if (!sock) return "";
    return await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve(""), req.timeoutMs ?? 3000);
      sock.once("data", (d: string) => {
        clearTimeout(timer);
        resolve(d);
      });
      sock.write(req.text ?? "probe\n");
    });
  }
  const key = `${req.host}:${req.port}`;
  if (req.op === "listen") {
    seen.set(key, []);
    const server = net.createServer((sock) => {
      seen.get(key)!.push(sock.remoteAddress!.replace(/^::ffff:/, ""));
      // A greeting at once, then one answer to whatever the client sends (an HTTP-like exchange).
      sock.write("hello\n");
      if (req.keep) sock.on("data", () => sock.write("reply\n"));
      else sock.once("data", () => sock.end("reply\n"));
      sock.on("end", () => sock.end());
      sock.on("error", () => sock.destroy());
    });
    servers.push(server);
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(req.port, req.host, () => resolve()));
    return key;
  }
  return seen.get(key) ?? [];
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const req = JSON.parse(line) as Request;
  handle(req).then(
    (value) => process.stdout.write(JSON.stringify({ id: req.id, ok: true, value: value ?? null, log: log.splice(0) }) + "\n"),
    (err: Error & { kind?: string }) => process.stdout.write(JSON.stringify({ id: req.id, ok: false, error: { message: err.message, kind: err.kind }, log: log.splice(0) }) + "\n"),
  );
});
rl.on("close", () => {
  for (const s of servers) s.close();
  for (const s of held.values()) s.destroy();
  process.exit(0);
});
