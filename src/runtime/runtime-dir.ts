// Where an appliance's unix sockets live: a short directory under /run (root) or the user's runtime directory, never
// the data directory, which may sit at any path length (sun_path holds 107 bytes) or on a filesystem without sockets.

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** The kernel's limit on a unix socket path (sun_path), terminating NUL excluded. */
export const MAX_SOCKET_PATH = 107;

/** The longest socket path below a runtime directory: a guest's console socket. */
const LONGEST_SOCKET = path.join("vm", "i-0123456789abcdef0", "console.sock");

/** A short, stable name for one data directory: names its runtime directory and what it creates on the host. */
export const scopeOf = (dataDir: string): string => `hive-${createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 8)}`;

/**
 * The parent of every appliance's runtime directory: /run/hive as root; else $XDG_RUNTIME_DIR/hive, else
 * /run/user/<uid>/hive when the session manager made it, else <tmpdir>/hive-<uid> (checked to be ours at start).
 */
export function runtimeBase(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): string {
  if (uid === 0) return "/run/hive";
  const xdg = env.XDG_RUNTIME_DIR;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "hive");
  const userRun = `/run/user/${uid}`;
  if (ownedDir(userRun, uid)) return path.join(userRun, "hive");
  return path.join(os.tmpdir(), `hive-${uid}`);
}

/** The data directory's runtime directory: `<runtimeBase>/<scope>`; the same for the same data directory on every start. */
export const runtimeDir = (dataDir: string): string => path.join(runtimeBase(), scopeOf(dataDir));

/**
 * Creates the runtime directory (and its parent) if missing; sockets that outlived an earlier hive stay, for re-adoption.
 * Owner only, except as root: the VPC resolvers (dnsmasq, which drops root) read their files under it, so others may
 * pass through (0711) but never list it; the sockets sit in 0700 subdirectories.
 */
export function prepareRuntimeDir(dataDir: string): string {
  const dir = runtimeDir(dataDir);
  const uid = process.getuid?.() ?? 0;
  if (Buffer.byteLength(path.join(dir, LONGEST_SOCKET)) > MAX_SOCKET_PATH) {
    throw new Error(`the runtime directory ${dir} is too long for unix sockets (${MAX_SOCKET_PATH} bytes); set XDG_RUNTIME_DIR to a shorter path`);
  }
  const base = path.dirname(dir);
  fs.mkdirSync(base, { recursive: true, mode: uid === 0 ? 0o755 : 0o700 });
  // A shared temporary directory: someone else may have made the path first, to read or replace our sockets.
  if (!ownedDir(base, uid)) throw new Error(`${base} is not a directory owned by uid ${uid}; refusing to keep sockets there`);
  fs.mkdirSync(dir, { recursive: true });
  if (!ownedDir(dir, uid)) throw new Error(`${dir} is not a directory owned by uid ${uid}; refusing to keep sockets there`);
  fs.chmodSync(dir, uid === 0 ? 0o711 : 0o700);
  return dir;
}

/** A private directory for sockets below the runtime directory (0700; it and the runtime directory made if missing). */
export function socketDir(dataDir: string, ...parts: string[]): string {
  const dir = path.join(prepareRuntimeDir(dataDir), ...parts);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  return dir;
}

/**
 * At a clean stop: removes the runtime directory's empty folders, and the directory itself if nothing is left. What
 * still holds a socket or file (a guest or storage daemon left running for the next start) stays.
 */
export function releaseRuntimeDir(dataDir: string): void {
  const prune = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) prune(path.join(dir, e.name));
    try {
      fs.rmdirSync(dir);
    } catch {
      // not empty: in use
    }
  };
  prune(runtimeDir(dataDir));
}

/** Throws when `socketPath` cannot be bound (longer than sun_path holds). */
export function checkSocketPath(socketPath: string): void {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new Error(`socket path ${socketPath} is longer than the ${MAX_SOCKET_PATH} bytes unix sockets allow`);
  }
}

function ownedDir(dir: string, uid: number): boolean {
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() && st.uid === uid;
  } catch {
    return false;
  }
}
