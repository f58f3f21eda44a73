// AWS actions over the bus: the gateway's request and fan-out, and the daemon's action server.

import { ErrorCode, RequestStrategy, type Msg, type NatsConnection, type NatsError, type Subscription } from "nats";
import { HiveError, type HiveErrorData } from "../errors/index.ts";
import { decodeJson, encodeJson } from "./client.ts";
import { subjects, WORKERS_QUEUE, type ActionReply, type ActionRequest } from "./subjects.ts";

/** One subject token: no dots, wildcards or spaces, so a caller's Action can never widen a subject. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

function actionSubject(service: string, action: string): string {
  if (!TOKEN.test(service)) throw new HiveError({ kind: "InvalidParameter", param: "Service", message: `invalid service name ${JSON.stringify(service.slice(0, 64))}` });
  if (!TOKEN.test(action)) throw new HiveError({ kind: "InvalidParameter", param: "Action", message: `invalid action name ${JSON.stringify(action.slice(0, 64))}` });
  return subjects.action(service, action);
}

/** Gateway side: one daemon of the worker queue group answers. Throws HiveError("Internal") if none does. */
export async function requestAction<O = unknown>(
  nc: NatsConnection,
  service: string,
  action: string,
  req: ActionRequest,
  timeoutMs: number,
): Promise<ActionReply<O>> {
  const subject = actionSubject(service, action);
  let msg: Msg;
  try {
    msg = await nc.request(subject, encodeJson(req), { timeout: timeoutMs });
  } catch (err) {
    throw busFailure(err, subject, timeoutMs);
  }
  const reply = parseReply<O>(msg.data);
  if (!reply) throw new HiveError({ kind: "Internal", message: `malformed reply from the daemon answering ${subject}` });
  return reply;
}

export interface FanOutOptions {
  /** Stop as soon as this many replies arrived (usually the number of live nodes); <= 0 waits the full timeout. */
  expected: number;
  timeoutMs: number;
}

/**
 * Gateway side: every daemon answers. Resolves with the replies that arrived before `expected` were in or the
 * timeout passed; with no daemon subscribed it resolves with [] at once.
 */
export async function fanOutAction<O = unknown>(
  nc: NatsConnection,
  service: string,
  action: string,
  req: ActionRequest,
  opts: FanOutOptions,
): Promise<ActionReply<O>[]> {
  const subject = actionSubject(service, action);
  const replies: ActionReply<O>[] = [];
  try {
    const stream = await nc.requestMany(subject, encodeJson(req), {
      strategy: opts.expected > 0 ? RequestStrategy.Count : RequestStrategy.Timer,
      maxMessages: opts.expected > 0 ? opts.expected : undefined,
      maxWait: opts.timeoutMs,
    });
    for await (const msg of stream) {
      // A garbled reply still counts as a node's answer, so it shows up rather than vanishing.
      replies.push(
        parseReply<O>(msg.data) ?? {
          ok: false,
          node: "unknown",
          error: { kind: "Internal", message: `malformed reply from a daemon answering ${subject}` },
        },
      );
    }
  } catch (err) {
    if ((err as NatsError).code === ErrorCode.NoResponders) return replies;
    throw busFailure(err, subject, opts.timeoutMs);
  }
  return replies;
}

function parseReply<O>(data: Uint8Array): ActionReply<O> | undefined {
  try {
    const reply = decodeJson<ActionReply<O>>(data);
    if (typeof reply === "object" && reply !== null && typeof reply.ok === "boolean" && typeof reply.node === "string") {
      return reply;
    }
  } catch {
    // fall through: not JSON
  }
  return undefined;
}

function busFailure(err: unknown, subject: string, timeoutMs: number): HiveError {
  const code = (err as NatsError | undefined)?.code;
  if (code === ErrorCode.NoResponders) {
    return new HiveError({ kind: "Internal", message: `no daemon is answering ${subject} (no responders on the bus)` });
  }
  if (code === ErrorCode.Timeout) {
    return new HiveError({ kind: "Internal", message: `no daemon is answering ${subject} (no reply within ${timeoutMs}ms)` });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new HiveError({ kind: "Internal", message: `bus request ${subject} failed: ${detail}` });
}

export type ActionHandler = (req: ActionRequest) => Promise<unknown> | unknown;

export interface ActionEntry {
  /** "queue": one daemon answers (WORKERS_QUEUE); "fanout": every daemon answers. */
  mode: "queue" | "fanout";
  handler: ActionHandler;
}

/** Keyed by subject, i.e. "service.Action": `"ec2.DescribeRegions"`. */
export type ActionTable = Record<string, ActionEntry>;

export interface ActionServer {
  readonly subjects: string[];
  /** Settles once the server has registered every subscription (a flush): announce the node after it. */
  readonly ready: Promise<void>;
  /** Stops taking requests; in-flight handlers still reply. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Where handler crashes and undeliverable replies are reported; default: stderr. */
  log?: (message: string) => void;
}

/** Daemon side: answers every action in the table as `node`. Nothing a caller sends can make it throw. */
export function serveActions(nc: NatsConnection, node: string, table: ActionTable, opts: ServeOptions = {}): ActionServer {
  const log = opts.log ?? ((m) => process.stderr.write(`[bus] ${m}\n`));
  const subs: Subscription[] = [];
  for (const [subject, entry] of Object.entries(table)) {
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(subject)) {
      throw new Error(`action table key ${JSON.stringify(subject)} is not "service.Action"`);
    }
    subs.push(
      nc.subscribe(subject, {
        queue: entry.mode === "queue" ? WORKERS_QUEUE : undefined,
        // A callback (not an iterator) so slow handlers run concurrently.
        callback: (err, msg) => {
          if (err) return log(`subscription ${subject} failed: ${err.message}`);
          void answer(msg, subject, node, entry.handler, log);
        },
      }),
    );
  }
  return {
    subjects: Object.keys(table),
    ready: nc.flush(),
    close: async () => {
      await Promise.all(subs.map((s) => (s.isClosed() ? undefined : s.drain().catch(() => undefined))));
    },
  };
}

async function answer(msg: Msg, subject: string, node: string, handler: ActionHandler, log: (m: string) => void): Promise<void> {
  if (!msg.reply) return log(`dropped a message on ${subject} with no reply subject`);
  let reply: ActionReply;
  let req: ActionRequest | undefined;
  try {
    req = decodeJson<ActionRequest>(msg.data);
  } catch {
    // handled below
  }
  if (typeof req !== "object" || req === null) {
    log(`malformed request on ${subject} (${msg.data.length} bytes)`);
    reply = { ok: false, node, error: { kind: "Internal", message: `malformed request on ${subject}: not a JSON object` } };
  } else {
    try {
      reply = { ok: true, node, output: await handler(req) };
    } catch (err) {
      reply = { ok: false, node, error: errorData(err, subject, req.requestId, log) };
    }
  }
  try {
    msg.respond(encodeJson(reply));
  } catch (err) {
    // Too large or the connection closed: tell the gateway something rather than let it time out.
    log(`could not reply on ${subject}: ${(err as Error).message}`);
    try {
      msg.respond(encodeJson({ ok: false, node, error: { kind: "Internal", message: `could not deliver the reply to ${subject}: ${(err as Error).message}` } }));
    } catch {
      // the connection is gone; the gateway's timeout reports it
    }
  }
}

function errorData(err: unknown, subject: string, requestId: unknown, log: (m: string) => void): HiveErrorData {
  if (err instanceof HiveError) return err.toJSON();
  // Anything else is a bug: keep the stack in our log, give the caller the gist.
  log(`handler for ${subject} (request ${String(requestId)}) threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  return { kind: "Internal", message: `internal error in ${subject}: ${err instanceof Error ? err.message : String(err)}` };
}
