// Shared by the NATS integration tests: free ports, temp data dirs and a real nats-server under the supervisor.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startNats, type NatsSupervisor, type NatsSupervisorOptions } from "../../src/embedded-nats/index.ts";
import { runtimeDir } from "../../src/runtime/index.ts";

/** The kernel's pick of a free port (bind 0, read it, release it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export function tempDir(label: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `hive-${label}-`));
  // The runtime directory holds the sockets of a data directory made here (see src/runtime/runtime-dir.ts).
  return { path, remove: () => [path, runtimeDir(path)].forEach((p) => rmSync(p, { recursive: true, force: true })) };
}

const token = (): string => randomBytes(18).toString("base64url").replace(/[-_]/g, "x");

/** Full supervisor options on fresh ports, quiet unless the test adds its own callbacks. */
export async function natsOptions(dataDir: string, extra: Partial<NatsSupervisorOptions> = {}): Promise<NatsSupervisorOptions> {
  return {
    dataDir,
    host: "127.0.0.1",
    port: await freePort(),
    leafHost: "127.0.0.1",
    leafPort: await freePort(),
    monitorHost: "127.0.0.1",
    monitorPort: await freePort(),
    user: "hive",
    password: token(),
    leafUser: "leaf",
    leafPassword: token(),
    serverName: "hive-test",
    log: () => {},
    ...extra,
  };
}

export interface TestNats {
  nats: NatsSupervisor;
  opts: NatsSupervisorOptions;
  dir: { path: string; remove: () => void };
  close(): Promise<void>;
}

export async function startTestNats(extra: Partial<NatsSupervisorOptions> = {}): Promise<TestNats> {
  const dir = tempDir("nats");
  const opts = await natsOptions(dir.path, extra);
  const nats = await startNats(opts);
  return {
    nats,
    opts,
    dir,
    close: async () => {
      await nats.stop();
      dir.remove();
    },
  };
}

/** Alive means running: a zombie waiting for a reaper counts as gone (the product's own check). */
export { pidRunning as pidAlive } from "../../src/runtime/index.ts";

export async function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`${what} did not succeed within ${timeoutMs}ms: ${(last as Error)?.message ?? String(last)}`);
}
