// This node's image admin subjects on the bus: start an import, ask how it is going.

import type { Msg, NatsConnection, Subscription } from "nats";
import { decodeJson, encodeJson, subjects, type AdminReply } from "../bus/index.ts";
import { HiveError } from "../errors/index.ts";
import type { ImageImports } from "./images/index.ts";

function answer(msg: Msg, run: (req: never) => unknown, log: (line: string) => void): void {
  if (!msg.reply) return;
  let reply: AdminReply<unknown>;
  try {
    reply = { ok: true, output: run(decodeJson<never>(msg.data)) };
  } catch (err) {
    if (err instanceof HiveError) reply = { ok: false, error: err.toJSON() };
    else if (err instanceof SyntaxError) reply = { ok: false, error: { kind: "InvalidParameter", message: "the request is not JSON" } };
    else {
      log(`image admin request on ${msg.subject} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      reply = { ok: false, error: { kind: "Internal", message: err instanceof Error ? err.message : String(err) } };
    }
  }
  msg.respond(encodeJson(reply));
}

/** Subscribes `hive.admin.<node>.images.import` and `.progress`; returns the subscriptions to close on stop. */
export function serveImageAdmin(nc: NatsConnection, node: string, imports: ImageImports, log: (line: string) => void): Subscription[] {
  return [
    nc.subscribe(subjects.imageImport(node), { callback: (_e, msg) => answer(msg, (req) => imports.start(req), log) }),
    nc.subscribe(subjects.imageProgress(node), { callback: (_e, msg) => answer(msg, (req) => imports.progress(req), log) }),
  ];
}
