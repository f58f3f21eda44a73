// Repair at start: what a crash left in volumes/ and snapshots/ (files in the making, files no row names), removed
// only when nothing reads through them.

import { readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { isId } from "../runtime/index.ts";
import { CREATING, ebsPaths } from "./paths.ts";
import { qcow2Backing } from "./qcow2-header.ts";
import { realPath } from "./snapshots.ts";

export interface KnownFiles {
  volumes: Set<string>;
  snapshots: Set<string>;
}

const QCOW2 = /^([a-z]+-[0-9a-f]+)\.qcow2$/;

/**
 * Removes `*.creating` files, and `<id>.qcow2` files whose id `known` lacks, from volumes/ and snapshots/; returns
 * what went, relative to the data directory. A file some kept file reads through (its backing chain, whatever folder
 * the reader is in) is kept, and so is any file whose name is not ours or whose header cannot be read.
 * Run it before anything starts new files: a `.creating` file of a copy in flight would go too.
 */
export function sweepLeftovers(dataDir: string, known: KnownFiles): string[] {
  const paths = ebsPaths(dataDir);
  const dirs = [
    { dir: paths.volumesDir, prefix: "vol", ids: known.volumes },
    { dir: paths.snapshotsDir, prefix: "snap", ids: known.snapshots },
  ];
  const doomed = new Set<string>();
  const kept: string[] = [];
  for (const { dir, prefix, ids } of dirs) {
    for (const name of list(dir)) {
      const path = join(dir, name);
      if (name.endsWith(CREATING)) {
        doomed.add(path);
        continue;
      }
      const id = QCOW2.exec(name)?.[1];
      if (id !== undefined && isId(prefix, id) && !ids.has(id)) doomed.add(path);
      else kept.push(path);
    }
  }
  // Images are never swept, but what they read through must stay too.
  for (const name of list(join(dataDir, "images"))) kept.push(join(dataDir, "images", name));

  // Walk every kept file's backing chain; an orphan on it is kept and its own chain walked in turn.
  const protectedFiles = new Set<string>();
  const byReal = new Map([...doomed].map((p) => [realPath(p), p]));
  const queue = [...kept];
  let blind = false;
  for (let f = queue.pop(); f !== undefined; f = queue.pop()) {
    const backing = qcow2Backing(f);
    // A volume or snapshot whose header we cannot read might read through any orphan: spare them all.
    if (backing === null && f.endsWith(".qcow2") && !f.startsWith(join(dataDir, "images"))) blind = true;
    if (!backing) continue;
    const real = realPath(backing);
    if (protectedFiles.has(real)) continue;
    protectedFiles.add(real);
    const orphan = byReal.get(real);
    if (orphan !== undefined) doomed.delete(orphan);
    queue.push(backing);
  }

  if (blind) for (const p of doomed) if (!p.endsWith(CREATING)) doomed.delete(p);
  const removed: string[] = [];
  for (const path of [...doomed].sort()) {
    rmSync(path, { force: true });
    removed.push(relative(dataDir, path));
  }
  return removed;
}

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};
