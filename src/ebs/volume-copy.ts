// Copying a volume into one standalone qcow2 (backing chain flattened), as of one instant: a `blockdev-backup` job in
// the storage daemon while the volume is open there, `qemu-img convert` of the file while it is not.

import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { HiveError } from "../errors/index.ts";
import type { QmpClient } from "../qmp/index.ts";
import { qemuImg, qemuImgConvert } from "../images/index.ts";
import type { StorageDaemon } from "./storage-daemon.ts";

/** Job ids and block node names of copies start with this; a restarted hive clears the ones a dead run left. */
const PREFIX = "copy-";
const POLL_MS = 100;
const CANCEL_WAIT_MS = 10_000;

export interface VolumeCopy {
  /** Settles when `dest` holds the whole copy; rejects (and removes `dest`) on failure or abort. */
  done: Promise<void>;
  /** 0..100: the backup job's current/total progress as last polled, or qemu-img's; 100 once `done` resolved. */
  progress(): number;
}

export interface VolumeCopyOptions {
  /** Aborting cancels the copy: the job or qemu-img is stopped and `dest` removed. */
  signal?: AbortSignal;
}

interface JobInfo {
  id: string;
  status: string;
  error?: string;
  "current-progress"?: number;
  "total-progress"?: number;
}

/**
 * Starts copying volume `id` (its qcow2 at `file`, exported or not) into a new standalone qcow2 at `dest`. Resolves
 * once the copy's content is fixed: writes to the volume after that are not in it. While the volume is open in the
 * storage daemon (an attached guest), that instant is the start of a backup job with copy-before-write semantics,
 * so the guest may go on writing; otherwise nothing else writes the file and qemu-img copies it whole first.
 */
export async function startVolumeCopy(daemon: StorageDaemon, id: string, file: string, dest: string, opts: VolumeCopyOptions = {}): Promise<VolumeCopy> {
  const open = await daemon.use(async (qmp) => (await namedNodes(qmp)).has(id));
  if (!open) {
    await convert(file, dest, opts.signal).catch((err: unknown) => {
      rmSync(dest, { force: true });
      throw err;
    });
    return { done: Promise.resolve(), progress: () => 100 };
  }

  const tag = `${PREFIX}${randomBytes(4).toString("hex")}`;
  const names = { job: tag, node: tag, fileNode: `${tag}-f` };
  const size = await daemon.use(async (qmp) => virtualSize(qmp, id));
  // Written by the storage daemon, so created first: a blockdev-create job would be a second job to watch.
  await qemuImg(["create", "-q", "-f", "qcow2", dest, String(size)]);
  try {
    await daemon.use(async (qmp) => {
      const nodes = await namedNodes(qmp);
      if (!nodes.has(names.fileNode)) await qmp.blockdevAdd({ driver: "file", "node-name": names.fileNode, filename: dest });
      if (!nodes.has(names.node)) await qmp.blockdevAdd({ driver: "qcow2", "node-name": names.node, file: names.fileNode });
      // sync=full reads the whole disk through the backing chain; the job's filter copies a block aside before a
      // guest write replaces it, so the target is the disk as it was when the job started.
      await qmp.execute("blockdev-backup", { "job-id": names.job, device: id, target: names.node, sync: "full", "auto-dismiss": false });
    });
  } catch (err) {
    await daemon.use((qmp) => dropNodes(qmp, names)).catch(() => undefined);
    rmSync(dest, { force: true });
    throw new HiveError({ kind: "Internal", resource: "volume", message: `could not start copying ${id}: ${(err as Error).message}` });
  }
  let percent = 0;
  const done = follow(daemon, id, dest, names, (p) => (percent = p), opts.signal).then(() => {
    percent = 100;
  });
  return { done, progress: () => percent };
}

/** Waits for the backup job to conclude, then closes the target; any failure removes `dest`. */
async function follow(
  daemon: StorageDaemon,
  id: string,
  dest: string,
  names: { job: string; node: string; fileNode: string },
  onPercent: (percent: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  try {
    for (;;) {
      if (signal?.aborted) throw new HiveError({ kind: "Internal", resource: "volume", message: `the copy of ${id} was cancelled` });
      const job = await daemon.use(async (qmp) => (await queryJobs(qmp)).find((j) => j.id === names.job));
      // A storage daemon that died took the job with it; its successor never heard of it.
      if (!job) throw new HiveError({ kind: "Internal", resource: "volume", message: `the copy of ${id} was lost: the storage daemon restarted` });
      if (job.status === "concluded") {
        if (job.error) throw new HiveError({ kind: "Internal", resource: "volume", message: `copying ${id} failed: ${job.error}` });
        return;
      }
      const total = job["total-progress"] ?? 0;
      // Kept under 100 until the target is closed: the job's figures reach the end before it concludes.
      if (total > 0) onPercent(Math.min(99, Math.floor((100 * (job["current-progress"] ?? 0)) / total)));
      await delay(POLL_MS);
    }
  } catch (err) {
    rmSync(dest, { force: true });
    throw err;
  } finally {
    await daemon.use((qmp) => endJob(qmp, names.job).then(() => dropNodes(qmp, names))).catch(() => undefined);
  }
}

/** Clears copies a previous hive process left in a storage daemon it reattached to: their jobs, then their nodes. */
export async function clearStaleCopies(qmp: QmpClient): Promise<string[]> {
  const jobs = (await queryJobs(qmp)).filter((j) => j.id.startsWith(PREFIX));
  for (const j of jobs) await endJob(qmp, j.id);
  const nodes = [...(await namedNodes(qmp))].filter((n) => n.startsWith(PREFIX));
  // Format nodes first: a protocol node cannot go while a format node sits on it.
  for (const n of nodes.sort((a, b) => Number(a.endsWith("-f")) - Number(b.endsWith("-f")))) await qmp.blockdevDel(n).catch(() => undefined);
  return jobs.map((j) => j.id);
}

/** Cancels the job if it still runs, then dismisses it; a job already gone is fine. */
async function endJob(qmp: QmpClient, jobId: string): Promise<void> {
  let job = (await queryJobs(qmp)).find((j) => j.id === jobId);
  if (!job) return;
  if (job.status !== "concluded") {
    await qmp.execute("job-cancel", { id: jobId }).catch(() => undefined);
    const deadline = performance.now() + CANCEL_WAIT_MS;
    while (job && job.status !== "concluded" && performance.now() < deadline) {
      await delay(POLL_MS / 2);
      job = (await queryJobs(qmp)).find((j) => j.id === jobId);
    }
  }
  if (job) await qmp.execute("job-dismiss", { id: jobId });
}

async function dropNodes(qmp: QmpClient, names: { node: string; fileNode: string }): Promise<void> {
  const nodes = await namedNodes(qmp);
  for (const n of [names.node, names.fileNode]) if (nodes.has(n)) await qmp.blockdevDel(n);
}

const queryJobs = (qmp: QmpClient): Promise<JobInfo[]> => qmp.execute<JobInfo[]>("query-jobs");

async function namedNodes(qmp: QmpClient): Promise<Set<string>> {
  const nodes = await qmp.execute<Array<{ "node-name"?: string }>>("query-named-block-nodes", { flat: true });
  return new Set(nodes.map((n) => n["node-name"]).filter((n): n is string => typeof n === "string"));
}

async function virtualSize(qmp: QmpClient, node: string): Promise<number> {
  const nodes = await qmp.execute<Array<{ "node-name"?: string; image?: { "virtual-size"?: number } }>>("query-named-block-nodes", { flat: true });
  const size = nodes.find((n) => n["node-name"] === node)?.image?.["virtual-size"];
  if (typeof size !== "number" || size <= 0) throw new HiveError({ kind: "Internal", resource: "volume", message: `the storage daemon reports no size for ${node}` });
  return size;
}

/** `qemu-img convert -O qcow2`: follows the backing chain, so the result stands alone. Takes the file's read lock. */
function convert(src: string, dest: string, signal?: AbortSignal): Promise<void> {
  return qemuImgConvert(src, "qcow2", dest, () => {}, signal).catch((err: Error) => {
    throw new HiveError({ kind: "Internal", resource: "volume", message: `copying ${src} failed: ${err.message}` });
  });
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
