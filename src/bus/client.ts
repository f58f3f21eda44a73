// Connecting to Hive's bus.

import { connect } from "nats";
import { Bus } from "./bus.ts";

export interface BusConnectOptions {
  /** e.g. nats://127.0.0.1:4222 (several may be given comma-separated). */
  servers: string;
  user: string;
  pass: string;
  /** Shown in the server's connection list: "hive-gateway", "hive-daemon node-1". */
  name: string;
}

/** Connects and keeps reconnecting forever: the server may restart under us or not be up yet. */
export async function connectBus(opts: BusConnectOptions): Promise<Bus> {
  const nc = await connect({
    servers: opts.servers.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    user: opts.user,
    pass: opts.pass,
    name: opts.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: true,
  });
  return new Bus(nc);
}
