// Serving a volume over NBD from the storage daemon: its block nodes and its export, added and removed idempotently.

import { HiveError } from "../errors/index.ts";
import type { EbsMountResult } from "../bus/index.ts";
import { QmpDisconnectedError, type QmpBlockdevOptions, type QmpClient } from "../qmp/index.ts";

/** The protocol node under a volume's qcow2 node. */
const fileNode = (id: string): string => `f-${id}`;

const DELETE_TIMEOUT_MS = 10_000;
/** How long a safe unexport waits for clients that are closing anyway (a VM that just exited). */
const SAFE_RETRY_MS = 1_000;
const POLL_MS = 20;

export interface UnexportOptions {
  /** "hard" drops connected NBD clients; "safe" (default) refuses while any is connected. */
  mode?: "safe" | "hard";
}

/** How QEMU on this box reaches the export. */
export function nbdLocation(nbdSocket: string, id: string): EbsMountResult {
  return { uri: `nbd+unix:///${id}?socket=${nbdSocket}`, socket: nbdSocket, exportName: id };
}

/**
 * Opens `file` (an absolute qcow2 path) in the storage daemon as node `<id>` over node `f-<id>` and exports it
 * writable over NBD under the name `<id>`. Already exported: returns at once.
 */
export async function exportVolume(qmp: QmpClient, id: string, file: string, nbdSocket: string): Promise<EbsMountResult> {
  const existing = (await queryExports(qmp)).find((e) => e.id === id);
  if (existing && !existing["shutting-down"]) return nbdLocation(nbdSocket, id);
  // A previous unexport still draining its clients: let it finish, then export afresh.
  if (existing) await waitExportGone(qmp, id, DELETE_TIMEOUT_MS);

  const added = await openVolumeNodes(qmp, id, file);
  try {
    // On the main loop, not an iothread: QEMU 7.2's NBD server aborts the whole daemon (nbd_blockdev_client_closed's
    // main-thread assertion) when a client of an export in an iothread disconnects.
    await qmp.blockExportAdd({ type: "nbd", id, "node-name": id, name: id, writable: true });
  } catch (err) {
    // Leave nothing half-built: a retry then starts from a clean daemon.
    for (const node of added.reverse()) await qmp.blockdevDel(node).catch(() => undefined);
    if (err instanceof QmpDisconnectedError) throw err;
    throw new HiveError({ kind: "Internal", resource: "volume", message: `could not export ${id}: ${(err as Error).message}` });
  }
  return nbdLocation(nbdSocket, id);
}

/**
 * The two nodes the storage daemon opens for a volume: `file` (an absolute qcow2 path) as protocol node `f-<id>`
 * under qcow2 node `<id>`, writable. Exported so the disk benchmark opens its direct disk exactly the same way.
 */
export function volumeNodeOptions(id: string, file: string, aio: VolumeAio = "io_uring"): [QmpBlockdevOptions, QmpBlockdevOptions] {
  return [
    {
      driver: "file",
      "node-name": fileNode(id),
      filename: file,
      // Writes go through the host page cache; the guest's flushes still reach the disk.
      cache: { direct: false, "no-flush": false },
      // io_uring reads cached data in the submitting thread: no hop to a worker thread and back per request
      // (a 4 KiB read over NBD took ~40% less time than with aio=threads).
      aio,
      discard: "unmap",
      "auto-read-only": false,
    },
    {
      // The qcow2 driver opens the backing image named in the header itself, read-only and shareable.
      driver: "qcow2",
      "node-name": id,
      file: fileNode(id),
      discard: "unmap",
      cache: { direct: false, "no-flush": false },
      "auto-read-only": false,
    },
  ];
}

/** How the storage daemon submits a volume's file I/O; "threads" where io_uring is missing (old kernel, seccomp). */
export type VolumeAio = "io_uring" | "threads";

/** Once a daemon has refused io_uring, later volumes go straight to the thread pool. */
let aioFallback: VolumeAio | undefined;

/** Opens `file` in the storage daemon as node `<id>` over `f-<id>`, writable; returns the nodes it added. */
async function openVolumeNodes(qmp: QmpClient, id: string, file: string): Promise<string[]> {
  const nodes = await namedNodes(qmp);
  const added: string[] = [];
  try {
    const [fileOpts, qcow2Opts] = volumeNodeOptions(id, file, aioFallback);
    if (!nodes.has(fileNode(id))) {
      try {
        await qmp.blockdevAdd(fileOpts);
      } catch (err) {
        if (fileOpts.aio !== "io_uring" || !/io_uring|io-uring/i.test((err as Error).message)) throw err;
        aioFallback = "threads";
        await qmp.blockdevAdd({ ...fileOpts, aio: aioFallback });
      }
      added.push(fileNode(id));
    }
    if (!nodes.has(id)) {
      await qmp.blockdevAdd(qcow2Opts);
      added.push(id);
    }
  } catch (err) {
    for (const node of added.reverse()) await qmp.blockdevDel(node).catch(() => undefined);
    // The daemon died under us: its successor starts clean, and the caller may retry there.
    if (err instanceof QmpDisconnectedError) throw err;
    throw new HiveError({ kind: "Internal", resource: "volume", message: `could not open ${id}: ${(err as Error).message}` });
  }
  return added;
}

/** Closes a volume's nodes when nothing exports them (a snapshot's job has ended); false when an export keeps them. */
export async function closeUnexportedVolumeNodes(qmp: QmpClient, id: string): Promise<boolean> {
  if ((await queryExports(qmp)).some((e) => e.id === id)) return false;
  const nodes = await namedNodes(qmp);
  try {
    for (const node of [id, fileNode(id)]) if (nodes.has(node)) await qmp.blockdevDel(node);
  } catch (err) {
    // Another copy of the volume still runs; the last to end closes them.
    if (/is busy|in use/.test((err as Error).message) && !(err instanceof QmpDisconnectedError)) return false;
    throw err;
  }
  return true;
}

/** Closes volume nodes nothing exports (a snapshot's, left by an earlier hive process whose jobs were cleared). */
export async function closeStrayVolumeNodes(qmp: QmpClient): Promise<string[]> {
  const closed: string[] = [];
  for (const node of await namedNodes(qmp)) {
    if (node.startsWith("vol-") && (await closeUnexportedVolumeNodes(qmp, node))) closed.push(node);
  }
  return closed;
}

/**
 * Grows an open volume's node to `bytes`. QEMU 7.2's NBD export forbids resizing its node, so an exported volume's
 * export is removed (dropping its clients: a guest's NBD client reconnects, with reconnect-delay, and then sees the
 * new size), the node grown and the export added again, within one QMP turn.
 */
export async function resizeOpenVolume(qmp: QmpClient, id: string, bytes: number): Promise<void> {
  const exported = (await queryExports(qmp)).some((e) => e.id === id);
  // A backup job's filter forbids both the resize and a new export on its node: never drop a guest's disk for that.
  const jobs = await qmp.execute<Array<{ id: string; status: string }>>("query-jobs");
  if (jobs.some((j) => j.status !== "concluded")) {
    throw new HiveError({ kind: "Conflict", resource: "volume", message: `volume ${id} cannot grow while a snapshot or image copy runs on this node; retry once it completes` });
  }
  if (exported) {
    await qmp.blockExportDel(id, "hard");
    await waitExportGone(qmp, id, DELETE_TIMEOUT_MS);
  }
  try {
    await qmp.execute("block_resize", { "node-name": id, size: bytes });
  } finally {
    // Served again whether or not the resize worked: the guest must get its disk back.
    if (exported) await qmp.blockExportAdd({ type: "nbd", id, "node-name": id, name: id, writable: true });
  }
}

/** Whether the volume is open in the storage daemon (exported, or held by a copy's job). */
export async function volumeIsOpen(qmp: QmpClient, id: string): Promise<boolean> {
  return (await namedNodes(qmp)).has(id);
}

/** Stops the export and closes both block nodes; not exported (or half exported) is fine. */
export async function unexportVolume(qmp: QmpClient, id: string, opts: UnexportOptions = {}): Promise<void> {
  const mode = opts.mode ?? "safe";
  const existing = (await queryExports(qmp)).find((e) => e.id === id);
  if (existing && !existing["shutting-down"]) {
    const until = performance.now() + SAFE_RETRY_MS;
    for (;;) {
      try {
        await qmp.blockExportDel(id, mode);
        break;
      } catch (err) {
        // QEMU 7.2 says "export '<id>' still in use" (GenericError) when a safe delete meets a connected client.
        if (!/still in use/.test((err as Error).message)) throw err;
        if (performance.now() > until) {
          throw new HiveError({ kind: "Conflict", resource: "volume", message: `volume ${id} is in use by a connected NBD client (an attached VM)` });
        }
        await delay(POLL_MS * 5);
      }
    }
  }
  // Deletion is asynchronous: the node stays busy until the export is really gone (BLOCK_EXPORT_DELETED).
  if (existing) await waitExportGone(qmp, id, DELETE_TIMEOUT_MS);
  const nodes = await namedNodes(qmp);
  for (const node of [id, fileNode(id)]) {
    if (!nodes.has(node)) continue;
    try {
      await qmp.blockdevDel(node);
    } catch (err) {
      // A copy (snapshot, CreateImage) still reads the volume: its end closes the nodes (closeUnexportedVolumeNodes).
      if (/is busy|in use/.test((err as Error).message) && !(err instanceof QmpDisconnectedError)) return;
      throw err;
    }
  }
}

/** Ids of the volumes the daemon exports now (shutting-down ones excluded). */
export async function exportedVolumeIds(qmp: QmpClient): Promise<string[]> {
  return (await queryExports(qmp)).filter((e) => !e["shutting-down"]).map((e) => e.id);
}

const queryExports = (qmp: QmpClient) => qmp.queryBlockExports();

async function namedNodes(qmp: QmpClient): Promise<Set<string>> {
  const nodes = await qmp.execute<Array<{ "node-name"?: string }>>("query-named-block-nodes", { flat: true });
  return new Set(nodes.map((n) => n["node-name"]).filter((n): n is string => typeof n === "string"));
}

async function waitExportGone(qmp: QmpClient, id: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await queryExports(qmp)).some((e) => e.id === id)) {
    if (performance.now() > deadline) {
      throw new HiveError({ kind: "Internal", resource: "volume", message: `export ${id} was still shutting down after ${timeoutMs}ms` });
    }
    await delay(POLL_MS);
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
