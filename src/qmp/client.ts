// A QMP client over a unix socket: one execute() that matches replies by id, typed command wrappers, and an event stream.

import { EventEmitter } from "node:events";
import { createConnection, type Socket } from "node:net";
import { QmpCommandError, QmpDisconnectedError, QmpTimeoutError } from "./errors.ts";
import { LineSplitter } from "./line-splitter.ts";
import type {
  QmpBlockExportInfo,
  QmpBlockExportOptions,
  QmpBlockInfo,
  QmpBlockNodeInfo,
  QmpBlockdevOptions,
  QmpDeviceOptions,
  QmpEvent,
  QmpGreeting,
  QmpObjectProperty,
  QmpPciBus,
  QmpSocketAddress,
  QmpStatus,
  QmpTimestamp,
} from "./types.ts";

export interface QmpConnectOptions {
  /** How long to keep trying to connect, read the greeting and negotiate capabilities; default 10 s. */
  timeoutMs?: number;
  /** Default reply timeout for each command (0 = wait forever); default 30 s. */
  commandTimeoutMs?: number;
}

export interface QmpExecuteOptions {
  /** Overrides the client's command timeout for this call (0 = wait forever). */
  timeoutMs?: number;
}

export type QmpEventListener = (name: string, data: Record<string, unknown>, timestamp: QmpTimestamp) => void;
export type QmpCloseListener = (error: QmpDisconnectedError) => void;

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
}

const RETRY_MS = 25;
// These mean "QEMU has not created or opened its socket yet": worth another try.
const RETRYABLE = new Set(["ENOENT", "ECONNREFUSED", "EAGAIN", "ENOTSOCK"]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class QmpClient {
  readonly socketPath: string;
  private readonly socket: Socket;
  private readonly splitter = new LineSplitter();
  private readonly pending = new Map<string, Pending>();
  private readonly emitter = new EventEmitter();
  private readonly commandTimeoutMs: number;
  private nextId = 1;
  private closedWith?: QmpDisconnectedError;
  private socketError?: Error;
  private greetingValue?: QmpGreeting;
  private greetingWaiter?: { resolve: (g: QmpGreeting) => void; reject: (e: Error) => void };
  private closeEmitted = false;

  private constructor(socketPath: string, socket: Socket, commandTimeoutMs: number) {
    this.socketPath = socketPath;
    this.socket = socket;
    this.commandTimeoutMs = commandTimeoutMs;
    // Listeners are optional: an EventEmitter without them must not throw on "close".
    this.emitter.on("error", () => {});
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      for (const line of this.splitter.push(chunk)) this.handleLine(line);
    });
    socket.on("error", (err) => (this.socketError = err));
    socket.on("close", () => this.shutdown(this.closedWith ?? new QmpDisconnectedError(this.closeReason())));
  }

  /** Connects to a QMP socket, retrying until it accepts, then reads the greeting and leaves negotiation mode. */
  static async connect(socketPath: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    let lastError = "no attempt";
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new QmpDisconnectedError(`QMP at ${socketPath}: not ready within ${timeoutMs} ms (${lastError})`);
      }
      let socket: Socket;
      try {
        socket = await openSocket(socketPath, remaining);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "";
        if (!RETRYABLE.has(code)) throw new QmpDisconnectedError(`QMP at ${socketPath}: ${(err as Error).message}`);
        lastError = code;
        await sleep(Math.min(RETRY_MS, Math.max(1, deadline - Date.now())));
        continue;
      }
      const client = new QmpClient(socketPath, socket, opts.commandTimeoutMs ?? 30_000);
      try {
        // A monitor already held by another client accepts the connection but never greets.
        await client.waitForGreeting(deadline - Date.now());
        await client.execute("qmp_capabilities", undefined, { timeoutMs: Math.max(1, deadline - Date.now()) });
        return client;
      } catch (err) {
        await client.close();
        if (err instanceof QmpCommandError) throw err;
        throw new QmpDisconnectedError(`QMP at ${socketPath}: ${(err as Error).message}`);
      }
    }
  }

  /** QEMU's greeting: its version and offered capabilities. */
  get greeting(): QmpGreeting {
    if (!this.greetingValue) throw new QmpDisconnectedError("QMP greeting not received");
    return this.greetingValue;
  }

  /** True once the socket has closed, for whatever reason. */
  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Runs one command and resolves with its `return` value; QmpCommandError if QEMU refuses, QmpDisconnectedError if it goes away. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: QmpExecuteOptions = {}): Promise<T> {
    if (this.closedWith) return Promise.reject(new QmpDisconnectedError(`QMP ${command}: ${this.closedWith.message}`));
    const id = `hive-${this.nextId++}`;
    const timeoutMs = opts.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { command, resolve: resolve as (v: unknown) => void, reject };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          // The id is forgotten, so a late reply is dropped rather than given to another command.
          this.pending.delete(id);
          reject(new QmpTimeoutError(command, timeoutMs));
        }, timeoutMs);
        entry.timer.unref?.();
      }
      this.pending.set(id, entry);
      const message = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Subscribes to QMP events or to the end of the connection. */
  on(kind: "event", listener: QmpEventListener): this;
  on(kind: "close", listener: QmpCloseListener): this;
  on(kind: "event" | "close", listener: QmpEventListener | QmpCloseListener): this {
    this.emitter.on(kind, listener);
    return this;
  }

  off(kind: "event", listener: QmpEventListener): this;
  off(kind: "close", listener: QmpCloseListener): this;
  off(kind: "event" | "close", listener: QmpEventListener | QmpCloseListener): this {
    this.emitter.off(kind, listener);
    return this;
  }

  /** Resolves with the next event called `name` (and passing `match`, if given). */
  waitForEvent(name: string, opts: { timeoutMs?: number; match?: (data: Record<string, unknown>) => boolean } = {}): Promise<QmpEvent> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<QmpEvent>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        this.off("event", onEvent);
        this.off("close", onClose);
      };
      const onEvent: QmpEventListener = (event, data, timestamp) => {
        if (event !== name || (opts.match && !opts.match(data))) return;
        done();
        resolve({ event, data, timestamp });
      };
      const onClose: QmpCloseListener = (error) => {
        done();
        reject(error);
      };
      this.on("event", onEvent).on("close", onClose);
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          done();
          reject(new QmpTimeoutError(`event ${name}`, opts.timeoutMs!));
        }, opts.timeoutMs);
      }
    });
  }

  /** Closes the connection; pending commands reject with QmpDisconnectedError. QEMU keeps running. */
  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.socket.once("close", () => resolve());
      this.closedWith ??= new QmpDisconnectedError(`QMP at ${this.socketPath}: closed by client`);
      this.socket.destroy();
    });
  }

  // ---- typed wrappers -------------------------------------------------------------------------

  async queryStatus(): Promise<QmpStatus> {
    const r = await this.execute<{ status: string; running: boolean }>("query-status");
    return { status: r.status, running: r.running };
  }

  /** ACPI power button: the guest decides whether and when to shut down. */
  async powerdown(): Promise<void> {
    await this.execute("system_powerdown");
  }

  /** Hard reset of the machine; QEMU keeps running (Hive never passes -no-reboot). */
  async reset(): Promise<void> {
    await this.execute("system_reset");
  }

  /** Asks QEMU to exit; a socket that closes before the reply arrives counts as success. */
  async quit(opts: QmpExecuteOptions = {}): Promise<void> {
    try {
      await this.execute("quit", undefined, opts);
    } catch (err) {
      if (!(err instanceof QmpDisconnectedError)) throw err;
    }
  }

  async stop(): Promise<void> {
    await this.execute("stop");
  }

  async cont(): Promise<void> {
    await this.execute("cont");
  }

  queryBlock(): Promise<QmpBlockInfo[]> {
    return this.execute<QmpBlockInfo[]>("query-block");
  }

  async blockdevAdd(opts: QmpBlockdevOptions): Promise<void> {
    await this.execute("blockdev-add", opts);
  }

  async blockdevDel(nodeName: string): Promise<void> {
    await this.execute("blockdev-del", { "node-name": nodeName });
  }

  /** Every named block node, each on its own (children are not nested). */
  queryNamedBlockNodes(): Promise<QmpBlockNodeInfo[]> {
    return this.execute<QmpBlockNodeInfo[]>("query-named-block-nodes", { flat: true });
  }

  /** Changes open nodes' options in place; each entry is the node's full set of options (what is left out is reset). */
  async blockdevReopen(options: QmpBlockdevOptions[]): Promise<void> {
    await this.execute("blockdev-reopen", { options });
  }

  /** Sets a node's size; the devices above it are told (virtio-blk raises a config change in the guest). */
  async blockResize(nodeName: string, size: number): Promise<void> {
    await this.execute("block_resize", { "node-name": nodeName, size });
  }

  async objectAdd(qomType: string, id: string, props: Record<string, unknown> = {}): Promise<void> {
    await this.execute("object-add", { "qom-type": qomType, id, ...props });
  }

  async objectDel(id: string): Promise<void> {
    await this.execute("object-del", { id });
  }

  /** The properties and children of the QOM object at `path` (e.g. "/objects", "/machine/peripheral"). */
  qomList(path: string): Promise<QmpObjectProperty[]> {
    return this.execute<QmpObjectProperty[]>("qom-list", { path });
  }

  qomGet<T = unknown>(path: string, property: string): Promise<T> {
    return this.execute<T>("qom-get", { path, property });
  }

  async qomSet(path: string, property: string, value: unknown): Promise<void> {
    await this.execute("qom-set", { path, property, value });
  }

  /** The PCI buses and their devices, bridges with the devices behind them. */
  queryPci(): Promise<QmpPciBus[]> {
    return this.execute<QmpPciBus[]>("query-pci");
  }

  async deviceAdd(opts: QmpDeviceOptions): Promise<void> {
    await this.execute("device_add", opts);
  }

  /** Starts unplugging; the guest must cooperate, and DEVICE_DELETED announces the end (see waitForEvent). */
  async deviceDel(id: string): Promise<void> {
    await this.execute("device_del", { id });
  }

  async nbdServerStart(addr: QmpSocketAddress, opts: { tlsCreds?: string; maxConnections?: number } = {}): Promise<void> {
    // nbd-server-start still takes the legacy SocketAddress form, the fields nested under "data".
    const { type, ...data } = addr;
    const args: Record<string, unknown> = { addr: { type, data } };
    if (opts.tlsCreds !== undefined) args["tls-creds"] = opts.tlsCreds;
    if (opts.maxConnections !== undefined) args["max-connections"] = opts.maxConnections;
    await this.execute("nbd-server-start", args);
  }

  async nbdServerStop(): Promise<void> {
    await this.execute("nbd-server-stop");
  }

  async blockExportAdd(opts: QmpBlockExportOptions): Promise<void> {
    await this.execute("block-export-add", opts);
  }

  /** "safe" (the default) refuses while clients are connected; "hard" disconnects them. */
  async blockExportDel(id: string, mode?: "safe" | "hard"): Promise<void> {
    await this.execute("block-export-del", mode === undefined ? { id } : { id, mode });
  }

  queryBlockExports(): Promise<QmpBlockExportInfo[]> {
    return this.execute<QmpBlockExportInfo[]>("query-block-exports");
  }

  // ---- wire -----------------------------------------------------------------------------------

  private waitForGreeting(timeoutMs: number): Promise<QmpGreeting> {
    if (this.greetingValue) return Promise.resolve(this.greetingValue);
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<QmpGreeting>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.greetingWaiter = undefined;
        reject(new Error(`no greeting within ${timeoutMs} ms (is another client holding the monitor?)`));
      }, Math.max(1, timeoutMs));
      this.greetingWaiter = {
        resolve: (g) => (clearTimeout(timer), resolve(g)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  private handleLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // Not JSON: nothing we can match it to.
    }
    if (typeof msg !== "object" || msg === null) return;
    if ("QMP" in msg) {
      this.greetingValue = msg as unknown as QmpGreeting;
      this.greetingWaiter?.resolve(this.greetingValue);
      this.greetingWaiter = undefined;
      return;
    }
    if (typeof msg.event === "string") {
      const timestamp = (msg.timestamp as QmpTimestamp | undefined) ?? { seconds: 0, microseconds: 0 };
      this.emitter.emit("event", msg.event, (msg.data as Record<string, unknown> | undefined) ?? {}, timestamp);
      return;
    }
    if (!("return" in msg) && !("error" in msg)) return;
    const entry = this.takePending(msg.id);
    if (!entry) return;
    if ("error" in msg) {
      const e = (msg.error ?? {}) as { class?: string; desc?: string };
      entry.reject(new QmpCommandError(entry.command, e.class ?? "GenericError", e.desc ?? "unknown error"));
    } else {
      entry.resolve(msg.return);
    }
  }

  /** The waiter for a reply's id; a reply without one (QEMU's answer to unparsable input) goes to a lone waiter. */
  private takePending(id: unknown): Pending | undefined {
    let key: string | undefined;
    if (typeof id === "string" && this.pending.has(id)) key = id;
    else if (id === undefined && this.pending.size === 1) key = this.pending.keys().next().value;
    if (key === undefined) return undefined;
    const entry = this.pending.get(key)!;
    this.pending.delete(key);
    if (entry.timer) clearTimeout(entry.timer);
    return entry;
  }

  private closeReason(): string {
    const why = this.socketError ? this.socketError.message : "QEMU closed the monitor (process exited?)";
    return `QMP at ${this.socketPath}: ${why}`;
  }

  private shutdown(error: QmpDisconnectedError): void {
    if (this.closeEmitted) return;
    this.closeEmitted = true;
    this.closedWith = error;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(new QmpDisconnectedError(`QMP ${entry.command}: ${error.message}`));
    }
    this.greetingWaiter?.reject(error);
    this.greetingWaiter = undefined;
    this.emitter.emit("close", error);
  }
}

/** One connection attempt; resolves when connected, rejects with the socket's error (ENOENT, ECONNREFUSED...). */
function openSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = createConnection({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}
