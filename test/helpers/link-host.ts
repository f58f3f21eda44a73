// Link emulators in a child process of their own. Tests drive the aws CLI with spawnSync, which blocks the test's
// event loop for the whole call; an in-process link would stop carrying bytes meanwhile (a member's reply would wait
// for the CLI that asked for it). Run as a script, this file serves links; imported, it starts and drives one.
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startLink, type Link, type LinkShape, type LinkStats } from "./link-emulator.ts";

type Command =
  | { op: "start"; listenHost: string; targetHost: string; targetPort: number }
  | { op: "shape"; id: number; shape: LinkShape }
  | { op: "cut" | "heal" | "stats" | "close"; id: number };

/** A link in the link host: the same controls as Link, answered asynchronously. */
export interface RemoteLink {
  readonly host: string;
  readonly port: number;
  shape(s: LinkShape): Promise<void>;
  cut(): Promise<void>;
  heal(): Promise<void>;
  stats(): Promise<LinkStats>;
  close(): Promise<void>;
}

export interface LinkHost {
  start(opts: { listenHost: string; targetHost: string; targetPort: number }): Promise<RemoteLink>;
  close(): Promise<void>;
}

export function startLinkHost(): LinkHost {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["--serve"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let seq = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on("message", (m: { seq: number; ok: boolean; value?: unknown; error?: string }) => {
    const w = waiting.get(m.seq);
    waiting.delete(m.seq);
    if (m.ok) w?.resolve(m.value);
    else w?.reject(new Error(m.error));
  });
  const ask = <T>(cmd: Command): Promise<T> =>
    new Promise((resolve, reject) => {
      const n = ++seq;
      waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ seq: n, cmd });
    });
  return {
    async start(opts) {
      const { id, port } = await ask<{ id: number; port: number }>({ op: "start", ...opts });
      return {
        host: opts.listenHost,
        port,
        shape: (shape) => ask({ op: "shape", id, shape }),
        cut: () => ask({ op: "cut", id }),
        heal: () => ask({ op: "heal", id }),
        stats: () => ask({ op: "stats", id }),
        close: () => ask({ op: "close", id }),
      };
    },
    async close() {
      child.kill();
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once("exit", r)));
    },
  };
}

if (process.argv.includes("--serve")) {
  const links = new Map<number, Link>();
  let next = 0;
  process.on("message", async ({ seq, cmd }: { seq: number; cmd: Command }) => {
    try {
      let value: unknown;
      if (cmd.op === "start") {
        const link = await startLink(cmd);
        links.set(++next, link);
        value = { id: next, port: link.port };
      } else {
        const link = links.get(cmd.id);
        if (!link) throw new Error(`no link ${cmd.id}`);
        if (cmd.op === "shape") link.shape(cmd.shape);
        else if (cmd.op === "cut") link.cut();
        else if (cmd.op === "heal") link.heal();
        else if (cmd.op === "stats") value = link.stats();
        else await link.close();
      }
      process.send!({ seq, ok: true, value });
    } catch (err) {
      process.send!({ seq, ok: false, error: String(err) });
    }
  });
  process.on("disconnect", () => process.exit(0));
}
