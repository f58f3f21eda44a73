// Finds the nats-server executable: the copy embedded in the compiled hive binary, or one installed on the host.

import { accessSync, chmodSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { isBun } from "../runtime/index.ts";

/** Where Bun's virtual filesystem holds the embedded nats-server, when this is the compiled binary. */
let embeddedPath: string | undefined;
/** One unpack per process and target: concurrent callers share it instead of racing on the file. */
const unpacking = new Map<string, Promise<string>>();

/**
 * Called by the compiled binary's generated entry with the path of `import p from "./nats-server" with { type: "file" }`.
 * undefined forgets it (tests).
 */
export function setEmbeddedNats(bunfsPath: string | undefined): void {
  embeddedPath = bunfsPath;
}

export interface ResolveOptions {
  /** Directories searched when nothing is embedded; default: $PATH, then /usr/sbin and /usr/bin. */
  searchDirs?: string[];
}

/** The absolute path of a runnable nats-server; throws an Error that says how to install one. */
export async function resolveNatsServer(dataDir: string, opts: ResolveOptions = {}): Promise<string> {
  if (embeddedPath !== undefined) {
    const target = join(dataDir, "bin", "nats-server");
    let job = unpacking.get(target);
    if (!job) {
      job = unpackEmbedded(embeddedPath, target);
      unpacking.set(target, job);
      // A failed unpack may succeed later (disk full, permissions fixed): don't remember failures.
      job.catch(() => unpacking.delete(target));
    }
    return job;
  }
  const dirs = opts.searchDirs ?? defaultSearchDirs();
  const found = findExecutable("nats-server", dirs);
  if (found) return found;
  throw new Error(
    `nats-server was not found (searched ${dirs.join(", ")}). ` +
      "Hive needs it for its internal message bus: install it with `apt-get install nats-server` " +
      "(or put a nats-server binary on PATH), or use the compiled hive binary, which embeds one.",
  );
}

function defaultSearchDirs(): string[] {
  const fromEnv = (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  return [...new Set([...fromEnv, "/usr/sbin", "/usr/bin"])];
}

function findExecutable(name: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here, or not executable: keep looking
    }
  }
  return undefined;
}

async function unpackEmbedded(source: string, target: string): Promise<string> {
  const sourceSize = isBun ? Bun.file(source).size : statSync(source).size;
  const existingSize = sizeOf(target);
  if (existingSize !== sourceSize) {
    // Bun's virtual filesystem is only readable through Bun.file; Node reads a real file (tests).
    const bytes = isBun ? new Uint8Array(await Bun.file(source).arrayBuffer()) : readFileSync(source);
    mkdirSync(join(target, ".."), { recursive: true, mode: 0o755 });
    // Write beside and rename: a running nats-server keeps its old inode, and no one sees half a file.
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes, { mode: 0o755 });
    chmodSync(tmp, 0o755);
    renameSync(tmp, target);
  } else {
    chmodSync(target, 0o755);
  }
  return target;
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
