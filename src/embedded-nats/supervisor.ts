// Runs nats-server as a child process: writes its config, waits until it serves, restarts it when it dies, stops it cleanly.

import { spawn, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { get as httpGet } from "node:http";
import { connect as tcpConnect, createServer } from "node:net";
import { join } from "node:path";
import { liveDataDirOwner, logTail, pidRunning, processArgv, readLogFrom, readPidFile, RestartLoop, signal, spawnError } from "../runtime/index.ts";
import { resolveNatsServer } from "./binary.ts";
import { hostPort, renderNatsConfig, type NatsConfigOptions } from "./config.ts";

export interface NatsReadyInfo {
  pid: number;
  /** Spawn to ready, in milliseconds. */
  ms: number;
  /** How many times the server has been restarted since start(). */
  restarts: number;
}

export interface NatsExitInfo {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for it; otherwise the supervisor restarts the server. */
  expected: boolean;
}

export interface NatsSupervisorOptions extends NatsConfigOptions {
  /** Holds nats/nats.conf, logs/nats-server.log and (when embedded) bin/nats-server. */
  dataDir: string;
  /** The nats-server executable; default: resolveNatsServer(dataDir). */
  binary?: string;
  /** Default 10s. */
  readyTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL on stop(); default 5s. */
  stopTimeoutMs?: number;
  onReady?: (info: NatsReadyInfo) => void;
  onExit?: (info: NatsExitInfo) => void;
  /** A restart attempt failed; the supervisor keeps trying with back-off. */
  onRestartError?: (err: Error) => void;
  /** Supervisor's own messages; default: stderr with a [nats] prefix. */
  log?: (message: string) => void;
}

const PROBE_EVERY_MS = 20;

export class NatsSupervisor {
  readonly confPath: string;
  readonly logPath: string;
  private readonly opts: NatsSupervisorOptions;
  private readonly log: (message: string) => void;
  private binary?: string;
  private child?: ChildProcess;
  private childExited?: Promise<void>;
  private ready = false;
  private stopping = false;
  private readonly restarts = new RestartLoop({
    attempt: () => this.spawnAndWait(),
    stopped: () => this.stopping,
    failed: async (err) => {
      this.log(`restart failed: ${err.message}`);
      this.opts.onRestartError?.(err);
      await this.killChild(1_000);
    },
  });
  private readonly killOnExit = (): void => {
    // Our process is going away and cannot wait: make sure nats-server does not outlive it.
    this.child?.kill("SIGKILL");
  };

  constructor(opts: NatsSupervisorOptions) {
    this.opts = opts;
    this.log = opts.log ?? ((m) => process.stderr.write(`[nats] ${m}\n`));
    this.confPath = join(opts.dataDir, "nats", "nats.conf");
    this.logPath = join(opts.dataDir, "logs", "nats-server.log");
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  get running(): boolean {
    return this.ready && this.pid !== undefined;
  }

  /** Where local clients connect; a wildcard listener is reached over loopback. */
  get clientUrl(): string {
    return `nats://${hostPort(reachable(this.opts.host), this.opts.port)}`;
  }

  /** Where leaf nodes on other boxes connect (give them the box's address instead of a wildcard). */
  get leafUrl(): string {
    return `nats-leaf://${hostPort(reachable(this.opts.leafHost), this.opts.leafPort)}`;
  }

  /** How many times the server was restarted after dying. */
  get restartCount(): number {
    return this.restarts.attempts;
  }

  /** Writes the config, spawns nats-server and resolves once it accepts clients; rejects with a clear reason. */
  async start(): Promise<void> {
    if (this.child) throw new Error("nats supervisor already started");
    this.stopping = false;
    // Its config and its pid file's server belong to that appliance: rewriting or ending them would take it down.
    const owner = liveDataDirOwner(this.opts.dataDir);
    if (owner) throw new Error(`the data directory ${this.opts.dataDir} belongs to the running hive pid ${owner.pid}; not starting a second nats-server on it`);
    this.binary = this.opts.binary ?? (await resolveNatsServer(this.opts.dataDir));
    this.writeConfig();
    await this.endStaleServer();
    await assertPortsFree(this.opts);
    process.on("exit", this.killOnExit);
    try {
      await this.spawnAndWait();
    } catch (err) {
      process.off("exit", this.killOnExit);
      throw err;
    }
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.restarts.cancel();
    await this.killChild(this.opts.stopTimeoutMs ?? 5_000);
    process.off("exit", this.killOnExit);
  }

  /**
   * A hive killed with SIGKILL cannot take its nats-server along; the next start finds it by the pid file and ends it,
   * but only if that process really is nats-server running our config, and no live hive holds the data directory
   * (then it is that appliance's server, not a leftover).
   */
  private async endStaleServer(): Promise<void> {
    const pid = this.opts.pidFile ? readPidFile(this.opts.pidFile) : undefined;
    const argv = pid === undefined ? undefined : processArgv(pid);
    if (pid === undefined || !argv || !/nats-server/.test(argv[0] ?? "") || !argv.includes(this.confPath) || !pidRunning(pid)) return;
    const owner = liveDataDirOwner(this.opts.dataDir);
    if (owner) throw new Error(`nats-server pid ${pid} belongs to the running hive pid ${owner.pid}; not ending it`);
    this.log(`ending nats-server pid ${pid} left over from an earlier run`);
    signal(pid, "SIGTERM");
    for (let waited = 0; waited < 3_000; waited += 50) {
      if (!pidRunning(pid)) return;
      await delay(50);
    }
    signal(pid, "SIGKILL");
  }

  private writeConfig(): void {
    const dir = join(this.opts.dataDir, "nats");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    mkdirSync(join(this.opts.dataDir, "logs"), { recursive: true });
    // The file holds the bus passwords: owner-only, and written whole before anyone reads it.
    const tmp = `${this.confPath}.tmp`;
    writeFileSync(tmp, renderNatsConfig(this.opts), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.confPath);
  }

  private async spawnAndWait(): Promise<void> {
    const binary = this.binary as string;
    const logFd = openSync(this.logPath, "a");
    const logStart = statSync(this.logPath).size;
    writeSync(logFd, `--- ${new Date().toISOString()} hive starting ${binary} -c ${this.confPath}\n`);
    const started = performance.now();
    let child: ChildProcess;
    try {
      // Its own process group: a Ctrl-C (or a group-wide SIGTERM) reaches hive, which stops the server last, instead
      // of ending the server under a hive that is still shutting down (and would start it again).
      child = spawn(binary, ["-c", this.confPath], { stdio: ["ignore", logFd, logFd], detached: true });
    } catch (err) {
      // Some runtimes throw here instead of emitting "error".
      throw spawnError(err as NodeJS.ErrnoException, binary, NATS_PACKAGE);
    } finally {
      // The child holds its own copy of the descriptor.
      closeSync(logFd);
    }
    this.child = child;
    this.ready = false;

    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let failedSpawn: NodeJS.ErrnoException | undefined;
    this.childExited = new Promise<void>((resolve) => {
      child.once("error", (err: NodeJS.ErrnoException) => {
        failedSpawn = err;
        // A process that never started emits no "exit".
        if (child.pid === undefined) resolve();
      });
      child.once("exit", (code, signal) => {
        exitInfo = { code, signal };
        resolve();
      });
    });
    const exited = this.childExited;
    void exited.then(() => this.onChildGone(child, started, exitInfo));

    const deadline = started + (this.opts.readyTimeoutMs ?? 10_000);
    let gone = false;
    void exited.then(() => (gone = true));
    while (!gone) {
      if (this.stopping) throw new Error("nats-server start aborted: the supervisor is stopping");
      if (await this.probeReady()) break;
      if (performance.now() > deadline) {
        await this.killChild(1_000);
        throw new Error(
          `nats-server (pid ${child.pid}) did not become ready within ${this.opts.readyTimeoutMs ?? 10_000}ms ` +
            `on ${this.clientUrl}.${logTail(this.logPath, logStart)}`,
        );
      }
      await delay(PROBE_EVERY_MS);
    }
    if (gone || this.child !== child) {
      if (failedSpawn) throw spawnError(failedSpawn, binary, NATS_PACKAGE);
      throw new Error(
        `nats-server exited during start (${describeExit(exitInfo)}).` +
          `${portInUseHint(this.logPath, logStart, this.opts)}${logTail(this.logPath, logStart)}`,
      );
    }
    this.ready = true;
    const ms = Math.round(performance.now() - started);
    this.log(`nats-server ready (pid ${child.pid}, ${ms}ms) on ${this.clientUrl}`);
    this.opts.onReady?.({ pid: child.pid as number, ms, restarts: this.restarts.attempts });
  }

  /** Ready means the client port accepts connections and the monitor says healthy. */
  private async probeReady(): Promise<boolean> {
    // nats-server opens the client listener last, so it implies the leaf and monitor listeners are up.
    if (!(await tcpAccepts(reachable(this.opts.host), this.opts.port))) return false;
    return healthz(reachable(this.opts.monitorHost), this.opts.monitorPort);
  }

  private onChildGone(
    child: ChildProcess,
    started: number,
    exit: { code: number | null; signal: NodeJS.Signals | null } | undefined,
  ): void {
    if (this.child !== child) return;
    const wasReady = this.ready;
    this.ready = false;
    this.child = undefined;
    const expected = this.stopping;
    if (child.pid !== undefined) {
      this.opts.onExit?.({ pid: child.pid, code: exit?.code ?? null, signal: exit?.signal ?? null, expected });
    }
    // A failed start is reported to start()'s caller; only a server that was serving gets restarted.
    if (expected || !wasReady) return;
    const wait = this.restarts.exited(performance.now() - started);
    this.log(`nats-server (pid ${child.pid}) died (${describeExit(exit)}); restarting in ${wait}ms`);
  }

  private async killChild(graceMs: number): Promise<void> {
    const child = this.child;
    const exited = this.childExited;
    if (!child || !exited || child.pid === undefined) return;
    if (child.exitCode !== null || child.signalCode !== null) return void (await exited);
    child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const killed = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (killed) {
      this.log(`nats-server (pid ${child.pid}) ignored SIGTERM for ${graceMs}ms; sending SIGKILL`);
      child.kill("SIGKILL");
      await exited;
    }
  }
}

/** How a missing or unusable nats-server is named, and which package brings it. */
const NATS_PACKAGE = { name: "nats-server binary", pkg: "nats-server" };

/** Builds a supervisor and starts it. */
export async function startNats(opts: NatsSupervisorOptions): Promise<NatsSupervisor> {
  const supervisor = new NatsSupervisor(opts);
  await supervisor.start();
  return supervisor;
}

/** Fails fast with a clear message instead of letting nats-server die, or worse, probing someone else's server. */
async function assertPortsFree(opts: NatsConfigOptions): Promise<void> {
  const listeners: Array<readonly [string, string, number]> = [
    ["client", opts.host, opts.port],
    ...(opts.leafListen === false ? [] : [["leaf-node", opts.leafHost, opts.leafPort] as const]),
    ["monitoring", opts.monitorHost, opts.monitorPort],
  ];
  for (const [what, host, port] of listeners) {
    const err = await tryListen(host, port);
    if (err?.code === "EADDRINUSE") {
      throw new Error(`nats ${what} port ${hostPort(host, port)} is already in use by another process; stop it or choose another port`);
    }
    if (err) throw new Error(`nats ${what} port ${hostPort(host, port)} cannot be opened: ${err.message}`);
  }
}

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

function tcpAccepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function healthz(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host, port, path: "/healthz", agent: false, timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("timeout", () => req.destroy());
    req.once("error", () => resolve(false));
  });
}

function reachable(host: string): string {
  return host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" || host === "[::]" ? "::1" : host;
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null } | undefined): string {
  if (!exit) return "no exit status";
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** nats-server's own words when a listener could not bind, turned into which of our ports it was. */
function portInUseHint(logPath: string, from: number, opts: NatsConfigOptions): string {
  const text = readLogFrom(logPath, from);
  // e.g. `Error listening on port: 127.0.0.1:4222, "listen tcp 127.0.0.1:4222: bind: address already in use"`
  const m = /listen tcp (\S+): bind: address already in use/.exec(text);
  if (!m) return "";
  const addr = m[1] as string;
  const port = Number(addr.slice(addr.lastIndexOf(":") + 1));
  const what =
    port === opts.port ? "client" : port === opts.leafPort ? "leaf-node" : port === opts.monitorPort ? "monitoring" : "a";
  return ` The ${what} port ${addr} is already in use by another process; stop it or choose another port.`;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
