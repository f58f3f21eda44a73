// What block storage takes on the data directory's filesystem, and the refusal to start something it cannot hold.

import { readdirSync, statfsSync, statSync } from "node:fs";
import { join } from "node:path";
import { capacityExhausted, type HiveError } from "../errors/index.ts";
import { qcow2Backing } from "./qcow2-header.ts";
import { ebsPaths } from "./paths.ts";
import { GiB } from "./volumes.ts";

export interface FileGroupUsage {
  count: number;
  /** Blocks really taken on disk (sparse and thin files count what they hold, not their virtual size). */
  allocatedBytes: number;
}

export interface StorageUsage {
  filesystem: { totalBytes: number; freeBytes: number };
  volumes: FileGroupUsage;
  snapshots: FileGroupUsage;
  images: FileGroupUsage;
}

/** The free space kept back by default: 5% of the filesystem, at most 2 GiB. */
export const defaultHeadroomBytes = (totalBytes: number): number => Math.min(Math.floor(totalBytes * 0.05), 2 * GiB);

/** Bytes a file takes on disk (stat blocks × 512); 0 when it is missing. */
export function allocatedBytesOf(path: string): number {
  try {
    return statSync(path).blocks * 512;
  } catch {
    return 0;
  }
}

/** The filesystem holding `dir`: its size and what an unprivileged writer may still use. */
export function filesystemOf(dir: string): { totalBytes: number; freeBytes: number } {
  const fs = statfsSync(dir);
  return { totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
}

/** Counts and allocation of the finished `*.qcow2` files of volumes/, snapshots/ and images/. */
export function storageUsage(dataDir: string): StorageUsage {
  const paths = ebsPaths(dataDir);
  return {
    filesystem: filesystemOf(dataDir),
    volumes: groupUsage(paths.volumesDir),
    snapshots: groupUsage(paths.snapshotsDir),
    images: groupUsage(join(dataDir, "images")),
  };
}

function groupUsage(dir: string): FileGroupUsage {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".qcow2"));
  } catch {
    return { count: 0, allocatedBytes: 0 };
  }
  return { count: names.length, allocatedBytes: names.reduce((sum, n) => sum + allocatedBytesOf(join(dir, n)), 0) };
}

/**
 * Throws CapacityExhausted when writing `bytesNeeded` more would leave less than `headroomBytes` free on the data
 * directory's filesystem. `resource` ("volume", "snapshot") picks the AWS code at the gateway.
 */
export function assertRoomOn(dataDir: string, bytesNeeded: number, headroomBytes: number | undefined, resource: string): void {
  const fs = filesystemOf(dataDir);
  const headroom = headroomBytes ?? defaultHeadroomBytes(fs.totalBytes);
  if (fs.freeBytes - Math.max(0, bytesNeeded) < headroom) throw roomError(bytesNeeded, fs.freeBytes, headroom, resource);
}

function roomError(needed: number, free: number, headroom: number, resource: string): HiveError {
  const gib = (n: number): string => (n / GiB).toFixed(2);
  return capacityExhausted(
    `There is not enough capacity to fulfill your ${resource} request: it needs ${gib(needed)} GiB and this node has ` +
      `${gib(Math.max(0, free - headroom))} GiB free above its ${gib(headroom)} GiB reserve.`,
    resource,
  );
}

/**
 * What a flattened copy of `file` can take at most: the allocation of every file in its backing chain, never more
 * than `virtualBytes` plus qcow2's metadata.
 */
export function flattenedBytesAtMost(file: string, virtualBytes: number): number {
  let sum = 0;
  const seen = new Set<string>();
  for (let f: string | undefined | null = file; f && !seen.has(f); f = qcow2Backing(f)) {
    seen.add(f);
    sum += allocatedBytesOf(f);
  }
  // qcow2 metadata: about one 8-byte L2 entry per 64 KiB cluster, plus refcounts.
  return Math.min(sum, virtualBytes + Math.ceil(virtualBytes / 4096) + 1024 * 1024);
}
