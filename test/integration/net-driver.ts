// Stands in for hive inside a test's network namespace: runs src/net calls and TCP listeners sent as JSON lines on
// stdin, answering one JSON line each on stdout. Product code must run in the namespace (ip_forward is per namespace).
import net from "node:net";
import readline from "node:readline";
import * as hiveNet from "../../src/net/index.ts";

interface Request {
  id: number;
  op: "call" | "listen" | "seen";
  fn?: string;
  args?: unknown[];
  host?: string;
  port?: number;
}

const seen = new Map<string, string[]>();
const servers: net.Server[] = [];
const log: string[] = [];

async function handle(req: Request): Promise<unknown> {
  if (req.op === "call") {
    const fn = (hiveNet as unknown as Record<string, (...a: unknown[]) => unknown>)[req.fn!];
    if (typeof fn !== "function") throw new Error(`no such function: ${req.fn}`);
    const args = (req.args ?? []).map((a) => (a && typeof a === "object" && !Array.isArray(a) ? { ...a, log: (l: string) => log.push(l) } : a));
    return await fn(...args);
  }
  const key = `${req.host}:${req.port}`;
  if (req.op === "listen") {
    seen.set(key, []);
    const server = net.createServer((sock) => {
      seen.get(key)!.push(sock.remoteAddress!.replace(/^::ffff:/, ""));
      // A greeting at once, then one answer to whatever the client sends (an HTTP-like exchange).
      sock.write("hello\n");
      sock.once("data", () => sock.end("reply\n"));
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
  process.exit(0);
});
