// The one request/reply envelope on the bus: every exchange (AWS actions, block storage, image admin, status, pings,
// image file chunks) sends an Envelope and gets Replies, with one error transport. Large JSON replies travel in
// bounded parts; byte replies (serveBytes) travel raw in one message, and their errors as the usual JSON Reply.
import { createInbox, headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from "nats";
import { HiveError, unavailable, type HiveErrorData } from "../errors/index.ts";
import { decodeJson, encodeJson } from "./json.ts";
import { subjects, WORKERS_QUEUE, type Envelope, type Reply } from "./subjects.ts";

/** No bus message is larger than this: bigger replies are sent as numbered parts of their JSON. */
export const PART_BYTES = 256 * 1024;
const PART_HEADER = "Hive-Part";
const NODE_HEADER = "Hive-Node";
/** Marks a successful byte reply: its data is the output itself, not a JSON Reply. */
const BYTES_HEADER = "Hive-Bytes";
/** A reply of more parts than this (1 GiB) is not one of ours. */
const MAX_PARTS = 4096;

/** One subject token: no dots, wildcards or spaces, so a caller's Action can never widen a subject. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

export interface FanOutResult<O> {
  replies: Reply<O>[];
  /** Nodes that were expected and did not answer (completely) before the deadline. */
  missing: string[];
  /** How long the exchange took. */
  elapsedMs: number;
}

export interface ServeOptions {
  /** The name replies carry. */
  node: string;
  /** Any one member of the worker queue group answers (load-balanced); default: every subscriber answers. */
  queue?: boolean;
  /** Where handler crashes are reported; default: stderr. */
  log?: (message: string) => void;
}

export interface Served {
  /** Settles once the server has the subscription (a flush): announce the service after it. */
  readonly ready: Promise<void>;
  /** Stops taking requests; in-flight handlers still reply. */
  close(): Promise<void>;
}

export type EnvelopeHandler = (env: Envelope) => unknown;
export type BytesHandler = (env: Envelope) => Promise<Uint8Array> | Uint8Array;

interface Exchange {
  done: Map<string, Reply>;
  noResponders: boolean;
  elapsedMs: number;
}

/** Hive's side of a NATS connection: everything Hive says on the bus goes through one of these. */
export class Bus {
  constructor(private readonly nc: NatsConnection) {}

  /** `service.Action` as a subject, refusing anything that is not one token each. */
  static actionSubject(service: string, action: string): string {
    if (!TOKEN.test(service)) throw new HiveError({ kind: "InvalidParameter", param: "Service", message: `invalid service name ${JSON.stringify(service.slice(0, 64))}` });
    if (!TOKEN.test(action)) throw new HiveError({ kind: "InvalidParameter", param: "Action", message: `invalid action name ${JSON.stringify(action.slice(0, 64))}` });
    return subjects.action(service, action);
  }

  /** The NATS connection, for the other files of src/bus (JetStream); nothing outside src/bus sees NATS. */
  get connection(): NatsConnection {
    return this.nc;
  }

  get closed(): boolean {
    return this.nc.isClosed();
  }

  /** Connected to a server that has told us who it is. */
  get connected(): boolean {
    return !this.nc.isClosed() && this.nc.info !== undefined;
  }

  /**
   * One responder answers (a queue group or a node's own subject). Returns its output or throws its HiveError;
   * no responder and no reply in time are both `Unavailable`.
   */
  async request<O = unknown>(subject: string, env: Envelope, timeoutMs: number): Promise<O> {
    const ex = await this.exchange(subject, env, timeoutMs, (done) => done.size >= 1);
    const [reply] = ex.done.values();
    if (!reply) {
      throw unavailable(
        ex.noResponders ? `nobody is answering ${subject} (no responders on the bus)` : `no reply on ${subject} within ${timeoutMs} ms`,
      );
    }
    if (!reply.ok) throw HiveError.fromJSON(reply.error);
    return reply.output as O;
  }

  /**
   * `request` for a responder that answers with raw bytes (`serveBytes`): the bytes, or its HiveError, or
   * `Unavailable` as for `request`. The bytes travel in one message, at most the server's max_payload.
   */
  async requestBytes(subject: string, env: Envelope, timeoutMs: number): Promise<Uint8Array> {
    const output = await this.request<unknown>(subject, env, timeoutMs);
    if (!(output instanceof Uint8Array)) throw new HiveError({ kind: "Internal", message: `the responder on ${subject} answered JSON, not bytes` });
    return output;
  }

  /**
   * Every subscriber answers. Resolves once each of `nodes` has answered or at the deadline, with the replies that
   * arrived (from any node) and the expected nodes that did not answer. No subscriber at all resolves at once.
   */
  async fanOut<O = unknown>(
    subject: string,
    env: Envelope,
    opts: { nodes: string[]; deadlineMs: number; onReply?: (reply: Reply<O>, afterMs: number) => void },
  ): Promise<FanOutResult<O>> {
    const expected = new Set(opts.nodes);
    const ex = await this.exchange(
      subject,
      env,
      opts.deadlineMs,
      (done) => expected.size > 0 && [...expected].every((n) => done.has(n)),
      opts.onReply as ((reply: Reply, afterMs: number) => void) | undefined,
    );
    return {
      replies: [...ex.done.values()] as Reply<O>[],
      missing: [...expected].filter((n) => !ex.done.has(n)),
      elapsedMs: ex.elapsedMs,
    };
  }

  /** Answers `subject` with `handler`'s result or its error. Nothing a caller sends can make it throw. */
  serve(subject: string, handler: EnvelopeHandler, opts: ServeOptions): Served {
    return this.subscribe(subject, handler, opts, false);
  }

  /**
   * Answers `subject` with the bytes `handler` returns, raw in one message (no JSON, no base64, no parts: keep them
   * well under the server's max_payload), or with its error as the usual JSON Reply. Ask with `requestBytes`.
   */
  serveBytes(subject: string, handler: BytesHandler, opts: ServeOptions): Served {
    return this.subscribe(subject, handler, opts, true);
  }

  /** Fire and forget (heartbeats). */
  publish(subject: string, value: unknown): void {
    try {
      this.nc.publish(subject, encodeJson(value));
    } catch {
      // the connection closed under us: the sender is shutting down, nothing to tell
    }
  }

  /** Every message on `subject`, decoded; undecodable ones are dropped. Returns the stop function. */
  listen<T>(subject: string, onValue: (value: T) => void): () => void {
    const sub = this.nc.subscribe(subject, {
      callback: (_err, msg) => {
        if (!msg) return;
        try {
          onValue(decodeJson<T>(msg.data));
        } catch {
          // not JSON: not ours
        }
      },
    });
    return () => {
      if (!sub.isClosed()) sub.unsubscribe();
    };
  }

  flush(): Promise<void> {
    return this.nc.flush();
  }

  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.close();
  }

  private subscribe(subject: string, handler: EnvelopeHandler, opts: ServeOptions, bytes: boolean): Served {
    const log = opts.log ?? ((m: string) => process.stderr.write(`[bus] ${m}\n`));
    const sub: Subscription = this.nc.subscribe(subject, {
      queue: opts.queue ? WORKERS_QUEUE : undefined,
      // A callback (not an iterator) so slow handlers run concurrently.
      callback: (err, msg) => {
        if (err) return log(`subscription ${subject} failed: ${err.message}`);
        void this.answer(msg, subject, opts.node, handler, log, bytes);
      },
    });
    return {
      ready: this.nc.flush(),
      close: async () => {
        if (!sub.isClosed()) await sub.drain().catch(() => undefined);
      },
    };
  }

  /** Publishes the envelope with a private reply inbox and gathers whole replies until `enough` or the deadline. */
  private exchange(
    subject: string,
    env: Envelope,
    timeoutMs: number,
    enough: (done: Map<string, Reply>) => boolean,
    onReply?: (reply: Reply, afterMs: number) => void,
  ): Promise<Exchange> {
    const t0 = performance.now();
    const inbox = createInbox();
    const done = new Map<string, Reply>();
    const parts = new Map<string, Uint8Array[]>();
    let unnamed = 0;
    // A closed connection cannot carry the request: nobody answers, so callers say Unavailable, not crash.
    if (this.nc.isClosed()) return Promise.resolve({ done, noResponders: true, elapsedMs: 0 });
    return new Promise((resolve) => {
      let finished = false;
      const finish = (noResponders = false): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        if (!sub.isClosed()) sub.unsubscribe();
        resolve({ done, noResponders, elapsedMs: performance.now() - t0 });
      };
      const add = (reply: Reply): void => {
        done.set(done.has(reply.node) ? `${reply.node}#${++unnamed}` : reply.node, reply);
        onReply?.(reply, performance.now() - t0);
        if (enough(done)) finish();
      };
      const onMessage = (err: unknown, msg: Msg | undefined): void => {
        if (err || !msg) return;
        // The server's own 503: nobody subscribes to the subject.
        if (msg.headers?.code === 503 && msg.data.length === 0) return finish(done.size === 0);
        if (msg.headers?.get(BYTES_HEADER)) return add({ ok: true, node: msg.headers.get(NODE_HEADER), output: msg.data });
        const part = msg.headers?.get(PART_HEADER);
        if (!part) return add(parseReply(msg.data, subject));
        const node = msg.headers!.get(NODE_HEADER);
        const [index, count] = part.split("/").map(Number);
        if (!(Number.isInteger(index) && Number.isInteger(count) && index >= 0 && index < count && count <= MAX_PARTS)) return;
        let got = parts.get(node);
        if (!got) parts.set(node, (got = new Array<Uint8Array>(count)));
        got[index] = msg.data;
        if (got.filter(Boolean).length === count) {
          parts.delete(node);
          add(parseReply(Buffer.concat(got), subject));
        }
      };
      let sub: Subscription;
      try {
        sub = this.nc.subscribe(inbox, { callback: onMessage });
      } catch {
        // closed between the check above and here
        return resolve({ done, noResponders: true, elapsedMs: performance.now() - t0 });
      }
      const timer = setTimeout(() => finish(), timeoutMs);
      try {
        this.nc.publish(subject, encodeJson(env), { reply: inbox });
      } catch (err) {
        // Closed connection or a request over the server's payload limit: nobody can answer.
        finish();
        void err;
      }
    });
  }

  private async answer(msg: Msg, subject: string, node: string, handler: EnvelopeHandler, log: (m: string) => void, bytes: boolean): Promise<void> {
    if (!msg.reply) return log(`dropped a message on ${subject} with no reply subject`);
    let reply: Reply;
    let env: Envelope | undefined;
    try {
      env = decodeJson<Envelope>(msg.data);
    } catch {
      // handled below
    }
    if (typeof env !== "object" || env === null) {
      log(`malformed request on ${subject} (${msg.data.length} bytes)`);
      reply = { ok: false, node, error: { kind: "InvalidParameter", message: `malformed request on ${subject}: not a JSON object` } };
    } else {
      try {
        const output = await handler(env);
        if (bytes && !(output instanceof Uint8Array)) throw new Error(`the handler answered ${typeof output}, not bytes`);
        reply = { ok: true, node, output: output ?? {} };
      } catch (err) {
        reply = { ok: false, node, error: errorData(err, subject, env.requestId, log) };
      }
    }
    this.send(msg.reply, node, reply, subject, log, bytes);
  }

  private send(to: string, node: string, reply: Reply, subject: string, log: (m: string) => void, bytes = false): void {
    try {
      if (bytes && reply.ok) {
        const h = natsHeaders();
        h.set(BYTES_HEADER, "1");
        h.set(NODE_HEADER, node);
        return void this.nc.publish(to, reply.output as Uint8Array, { headers: h });
      }
      const data = encodeJson(reply);
      if (data.length <= PART_BYTES) return void this.nc.publish(to, data);
      const count = Math.ceil(data.length / PART_BYTES);
      for (let i = 0; i < count; i++) {
        const h = natsHeaders();
        h.set(PART_HEADER, `${i}/${count}`);
        h.set(NODE_HEADER, node);
        this.nc.publish(to, data.subarray(i * PART_BYTES, (i + 1) * PART_BYTES), { headers: h });
      }
    } catch (err) {
      // The connection closed, or the value cannot be encoded: say so rather than let the caller time out.
      log(`could not reply on ${subject}: ${(err as Error).message}`);
      try {
        this.nc.publish(to, encodeJson({ ok: false, node, error: { kind: "Internal", message: `could not deliver the reply to ${subject}: ${(err as Error).message}` } }));
      } catch {
        // the connection is gone; the caller's deadline reports it
      }
    }
  }
}

function parseReply(data: Uint8Array, subject: string): Reply {
  try {
    const reply = decodeJson<Reply>(data);
    if (typeof reply === "object" && reply !== null && typeof reply.ok === "boolean" && typeof reply.node === "string") return reply;
  } catch {
    // fall through: not JSON
  }
  // A garbled reply still counts as an answer, so it shows up rather than vanishing.
  return { ok: false, node: "unknown", error: { kind: "Internal", message: `malformed reply from a node answering ${subject}` } };
}

function errorData(err: unknown, subject: string, requestId: unknown, log: (m: string) => void): HiveErrorData {
  if (err instanceof HiveError) return err.toJSON();
  // Anything else is a bug or a failed dependency: keep the stack in our log, give the caller the gist.
  log(`handler for ${subject} (request ${String(requestId)}) threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  return { kind: "Internal", message: `internal error in ${subject}: ${err instanceof Error ? err.message : String(err)}` };
}
