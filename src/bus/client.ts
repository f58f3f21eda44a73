// Connecting to Hive's bus, and the JSON encoding every bus message uses.

import { connect, JSONCodec, type NatsConnection } from "nats";

export interface BusConnectOptions {
  /** e.g. nats://127.0.0.1:4222 (several may be given comma-separated). */
  servers: string;
  user: string;
  pass: string;
  /** Shown in the server's connection list: "hive-gateway", "hive-daemon node-1". */
  name: string;
}

/** Connects and keeps reconnecting forever: the server may restart under us or not be up yet. */
export function connectBus(opts: BusConnectOptions): Promise<NatsConnection> {
  return connect({
    servers: opts.servers.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    user: opts.user,
    pass: opts.pass,
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  });
}

const json = JSONCodec<unknown>();

export function encodeJson(value: unknown): Uint8Array {
  return json.encode(value);
}

/** Throws on anything that is not JSON; callers decide what a bad message means. */
export function decodeJson<T = unknown>(data: Uint8Array): T {
  return json.decode(data) as T;
}
