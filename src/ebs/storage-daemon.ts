// Keeps one qemu-storage-daemon per appliance: found again after hive restarts, restarted when it dies, quit on request.

import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { HiveError, unavailable } from "../errors/index.ts";
import { QmpClient, QmpDisconnectedError } from "../qmp/index.ts";
import { exportVolume } from "./exports.ts";
import { ebsPaths, type EbsPaths } from "./paths.ts";
import { checkSocketPath, liveDataDirOwner, logTail, pidRunning, readPidFile, RestartBackoff, RestartLoop, socketDir, spawnError, waitForExit } from "../runtime/index.ts";
import { isStorageDaemon } from "./proc.ts";

/** A volume that must be exported whenever a fresh storage daemon comes up. */
export interface WantedExport {
  id: string;
  /** Absolute path of the volume's qcow2. */
  file: string;
}

export interface StorageDaemonReadyInfo {
  pid: number;
  /** Spawn (or reattach) to a working QMP session, in milliseconds. */
  ms: number;
  /** True when a daemon left by an earlier hive process was found and reused. */
  reattached: boolean;
  restarts: number;
  /** Volumes re-exported because the daemon was fresh. */
  reexported: string[];
}

export interface StorageDaemonOptions {
  /** The executable; default "qemu-storage-daemon" from PATH. */
  binary?: string;
  /** Spawn to ready; default 10s. */
  readyTimeoutMs?: number;
  /** What a fresh daemon must export (its predecessor's exports died with it); asked on every fresh start. */
  wanted?: () => WantedExport[] | Promise<WantedExport[]>;
  onReady?: (info: StorageDaemonReadyInfo) => void;
  /** The daemon died while we were watching it; a restart follows unless we are detached or shutting down. */
  onExit?: (info: { pid: number; expected: boolean }) => void;
  onRestartError?: (err: Error) => void;
}

/** Catches a death the QMP socket did not report (it always should; this is the belt to its braces). */
const LIVENESS_EVERY_MS = 1_000;

interface Session {
  pid: number;
  qmp: QmpClient;
  startedAt: number;
}

export class StorageDaemon {
  readonly paths: EbsPaths;
  private readonly log: (message: string) => void;
  private readonly opts: StorageDaemonOptions;
  private session?: Session;
  private child?: ChildProcess;
  /** Set from detach() or shutdown(): no more restarts. */
  private stopping = false;
  private readonly restarts = new RestartLoop({
    attempt: () => this.attachOrSpawn().then(() => {}),
    stopped: () => this.stopping,
    failed: (err) => {
      this.log(`restart failed: ${err.message}`);
      this.opts.onRestartError?.(err);
    },
  });
  private livenessTimer?: NodeJS.Timeout;
  private lastReattached = false;
  /** Settles when a session is up; replaced whenever the daemon goes away. */
  private up!: Promise<void>;
  private markUp!: () => void;
  /** QMP work runs one call at a time, so two mounts of one volume cannot both add its nodes. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string, log: (message: string) => void, opts: StorageDaemonOptions = {}) {
    this.paths = ebsPaths(dataDir);
    this.log = log;
    this.opts = opts;
    this.resetUp();
  }

  /** The daemon's pid while a session is up. */
  get pid(): number | undefined {
    return this.session?.pid;
  }

  get running(): boolean {
    return this.session !== undefined;
  }

  /** Whether the latest session reused a daemon left by an earlier hive process. */
  get reattached(): boolean {
    return this.lastReattached;
  }

  get restartCount(): number {
    return this.restarts.attempts;
  }

  /** Reattaches to the daemon named by the pidfile if it is ours and alive, or starts a new one. */
  async start(): Promise<StorageDaemonReadyInfo> {
    if (this.session) throw new Error("storage daemon already started");
    this.stopping = false;
    for (const p of [this.paths.qmpSocket, this.paths.nbdSocket]) checkSocketPath(p);
    mkdirSync(this.paths.dir, { recursive: true, mode: 0o700 });
    // The sockets give full control of every disk: owner only (socketDir makes it 0700).
    socketDir(this.paths.dataDir, "ebs");
    mkdirSync(dirname(this.paths.logFile), { recursive: true });
    return this.attachOrSpawn();
  }

  /**
   * Runs QMP work on the daemon, one call at a time; waits out a restart in progress. A call cut off by the daemon
   * dying is retried once on the next daemon, so `fn` must be idempotent.
   */
  use<T>(fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        const qmp = await this.waitUp();
        try {
          return await fn(qmp);
        } catch (err) {
          if (!(err instanceof QmpDisconnectedError) || attempt > 0 || this.stopping) throw wrapQmpError(err);
        }
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Forgets the daemon and leaves it running (hive stopping while VMs still read their disks through it). */
  async detach(): Promise<void> {
    this.stopping = true;
    this.stopWatching();
    const session = this.session;
    this.session = undefined;
    this.child?.unref();
    this.child = undefined;
    await session?.qmp.close();
  }

  /** Quits the daemon through QMP (SIGKILL if it lingers) and removes its files. Every VM loses its disks. */
  async shutdown(timeoutMs = 5_000): Promise<void> {
    this.stopping = true;
    this.stopWatching();
    const session = this.session;
    this.session = undefined;
    // Without a session of ours, the pid file's daemon is another live hive's to quit, not ours.
    if (!session && liveDataDirOwner(this.paths.dataDir)) return;
    const pid = session?.pid ?? this.livePidFromFile();
    if (session) {
      await session.qmp.quit({ timeoutMs }).catch((err: Error) => this.log(`qemu-storage-daemon quit failed: ${err.message}`));
      await session.qmp.close();
    }
    if (pid !== undefined && !(await waitForExit(pid, timeoutMs))) {
      this.log(`qemu-storage-daemon (pid ${pid}) still running ${timeoutMs}ms after quit; sending SIGKILL`);
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone in the meantime
      }
      await waitForExit(pid, 2_000);
    }
    this.child = undefined;
    for (const p of [this.paths.pidFile, this.paths.qmpSocket, this.paths.nbdSocket]) rmSync(p, { force: true });
  }

  private async attachOrSpawn(): Promise<StorageDaemonReadyInfo> {
    const started = performance.now();
    // A daemon found through the pid file is a leftover only when no live hive holds the data directory.
    const owner = liveDataDirOwner(this.paths.dataDir);
    if (owner) throw new Error(`the data directory ${this.paths.dataDir} belongs to the running hive pid ${owner.pid}; not touching its storage daemon`);
    const existing = this.livePidFromFile();
    if (existing === undefined) this.refuseEarlierLayout();
    let session: Session;
    let reexported: string[] = [];
    if (existing !== undefined) {
      session = await this.reattach(existing);
    } else {
      session = await this.spawnAndConnect();
      reexported = await this.reexport(session.qmp);
    }
    this.lastReattached = existing !== undefined;
    this.session = session;
    this.watch(session);
    const info: StorageDaemonReadyInfo = {
      pid: session.pid,
      ms: Math.round(performance.now() - started),
      reattached: this.lastReattached,
      restarts: this.restarts.attempts,
      reexported,
    };
    this.log(
      `qemu-storage-daemon ${info.reattached ? "reattached" : "ready"} (pid ${info.pid}, ${info.ms}ms)` +
        (reexported.length ? `; re-exported ${reexported.join(", ")}` : ""),
    );
    this.markUp();
    this.opts.onReady?.(info);
    return info;
  }

  /** The pidfile's process, if it is alive and really the daemon serving our QMP socket. */
  private livePidFromFile(): number | undefined {
    const pid = readPidFile(this.paths.pidFile);
    return pid !== undefined && isStorageDaemon(pid, this.chardevArg()) ? pid : undefined;
  }

  /** A daemon an earlier Hive started with its sockets in the data directory serves running guests: never replaced. */
  private refuseEarlierLayout(): void {
    const pid = readPidFile(this.paths.pidFile);
    const earlierArg = `socket,path=${qemuOptValue(join(this.paths.dir, "qsd-qmp.sock"))},server=on,wait=off,id=qmp0`;
    if (pid !== undefined && isStorageDaemon(pid, earlierArg)) {
      throw new Error(
        `qemu-storage-daemon (pid ${pid}) was started by an earlier Hive with its sockets in the data directory, and running ` +
          `guests may read their disks through it; stop those guests and it (kill ${pid}), then start hive again`,
      );
    }
  }

  private async reattach(pid: number): Promise<Session> {
    const timeoutMs = this.opts.readyTimeoutMs ?? 10_000;
    try {
      const qmp = await QmpClient.connect(this.paths.qmpSocket, { timeoutMs });
      return { pid, qmp, startedAt: performance.now() };
    } catch (err) {
      // Never kill it: VMs may be reading their disks through it.
      throw new Error(
        `qemu-storage-daemon (pid ${pid}) is running but its QMP monitor ${this.paths.qmpSocket} did not answer ` +
          `(${(err as Error).message}); is another hive using this data directory?`,
      );
    }
  }

  private async spawnAndConnect(): Promise<Session> {
    const binary = this.opts.binary ?? "qemu-storage-daemon";
    // A dead daemon leaves its sockets and pidfile behind; QEMU would replace the sockets, but a stale pidfile misleads.
    for (const p of [this.paths.pidFile, this.paths.qmpSocket, this.paths.nbdSocket]) rmSync(p, { force: true });
    const args = [
      "--chardev",
      this.chardevArg(),
      "--monitor",
      "chardev=qmp0",
      "--nbd-server",
      `addr.type=unix,addr.path=${qemuOptValue(this.paths.nbdSocket)}`,
      "--pidfile",
      this.paths.pidFile,
    ];
    const logFd = openSync(this.paths.logFile, "a");
    const logStart = statSync(this.paths.logFile).size;
    writeSync(logFd, `--- ${new Date().toISOString()} hive starting ${binary} ${args.join(" ")}\n`);
    let child: ChildProcess;
    try {
      // Its own session, not waited for: it must outlive this process so running VMs keep their disks.
      child = spawn(binary, args, { detached: true, stdio: ["ignore", logFd, logFd], env: storageDaemonEnv(process.env) });
    } catch (err) {
      throw spawnError(err as NodeJS.ErrnoException, binary, QSD_PACKAGE);
    } finally {
      closeSync(logFd);
    }
    child.unref();
    let exit: string | undefined;
    let failedSpawn: NodeJS.ErrnoException | undefined;
    child.once("error", (err: NodeJS.ErrnoException) => (failedSpawn = err));
    child.once("exit", (code, signal) => (exit = signal ? `killed by ${signal}` : `exit code ${code}`));
    this.child = child;

    const timeoutMs = this.opts.readyTimeoutMs ?? 10_000;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (failedSpawn) throw spawnError(failedSpawn, binary, QSD_PACKAGE);
      if (exit !== undefined || child.pid === undefined) {
        throw new Error(`qemu-storage-daemon exited during start (${exit ?? "no pid"}).${logTail(this.paths.logFile, logStart)}`);
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        child.kill("SIGKILL");
        throw new Error(`qemu-storage-daemon (pid ${child.pid}) did not answer QMP within ${timeoutMs}ms.${logTail(this.paths.logFile, logStart)}`);
      }
      try {
        // Short tries, so an early exit is reported with its log rather than as a QMP timeout.
        const qmp = await QmpClient.connect(this.paths.qmpSocket, { timeoutMs: Math.min(remaining, 250) });
        return { pid: child.pid, qmp, startedAt: performance.now() };
      } catch {
        // not listening yet
      }
    }
  }

  /** A fresh daemon exports nothing: put back every volume that should be served. */
  private async reexport(qmp: QmpClient): Promise<string[]> {
    const wanted = (await this.opts.wanted?.()) ?? [];
    const done: string[] = [];
    for (const w of wanted) {
      try {
        await exportVolume(qmp, w.id, w.file, this.paths.nbdSocket);
        done.push(w.id);
      } catch (err) {
        // One unreadable volume must not keep the others (and the daemon) down.
        this.log(`could not re-export ${w.id}: ${(err as Error).message}`);
      }
    }
    return done;
  }

  private chardevArg(): string {
    return `socket,path=${qemuOptValue(this.paths.qmpSocket)},server=on,wait=off,id=qmp0`;
  }

  private watch(session: Session): void {
    // The monitor socket closes the moment the daemon dies, whoever its parent is.
    session.qmp.on("close", () => this.onGone(session));
    this.livenessTimer = setInterval(() => {
      if (!pidRunning(session.pid)) this.onGone(session);
    }, LIVENESS_EVERY_MS);
    this.livenessTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
    this.restarts.cancel();
  }

  private onGone(session: Session): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.stopWatching();
    this.resetUp();
    void session.qmp.close();
    this.opts.onExit?.({ pid: session.pid, expected: this.stopping });
    if (this.stopping) return;
    const wait = this.restarts.exited(performance.now() - session.startedAt);
    this.log(`qemu-storage-daemon (pid ${session.pid}) went away; restarting in ${wait}ms`);
  }

  private resetUp(): void {
    this.up = new Promise<void>((resolve) => (this.markUp = resolve));
  }

  private async waitUp(): Promise<QmpClient> {
    const timeoutMs = (this.opts.readyTimeoutMs ?? 10_000) + RestartBackoff.MAX_MS;
    for (;;) {
      if (this.stopping) throw unavailable("the block storage daemon is stopped");
      if (this.session) return this.session.qmp;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.up.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) throw unavailable(`the block storage daemon is not running (restarting for over ${timeoutMs}ms)`);
    }
  }
}

/**
 * Attaches to this appliance's storage daemon, or starts one. A fresh daemon gets `opts.wanted` exported again;
 * afterwards it is restarted (with back-off, re-exporting) whenever it dies while we watch.
 */
export async function ensureStorageDaemon(
  dataDir: string,
  log: (message: string) => void,
  opts: StorageDaemonOptions = {},
): Promise<StorageDaemon> {
  const daemon = new StorageDaemon(dataDir, log, opts);
  await daemon.start();
  return daemon;
}

/**
 * glibc serves each NBD request's buffer (up to 32 MiB) with its own mmap: its dynamic threshold never rises for
 * QEMU's aligned allocations, so every 1 MiB read or write faulted in a fresh megabyte and unmapped it again. Kept in
 * the heap (and not trimmed off it at once), a 1 MiB read over NBD took a third of the time.
 */
function storageDaemonEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const ours = `glibc.malloc.mmap_threshold=${32 * 1024 * 1024}:glibc.malloc.trim_threshold=${64 * 1024 * 1024}`;
  return { ...env, GLIBC_TUNABLES: env.GLIBC_TUNABLES ? `${env.GLIBC_TUNABLES}:${ours}` : ours };
}

/** Where Debian ships qemu-storage-daemon, for the message when it is missing. */
const QSD_PACKAGE = { pkg: "qemu-system-common", hint: "Debian ships it there" };

/** QEMU's option syntax splits on commas; a literal comma is written twice. */
const qemuOptValue = (value: string): string => value.replaceAll(",", ",,");

function wrapQmpError(err: unknown): unknown {
  if (err instanceof HiveError) return err;
  if (err instanceof QmpDisconnectedError) return unavailable(`the block storage daemon went away: ${err.message}`);
  return err;
}

