// The node's block service: volume files, their NBD exports through the storage daemon, and the bus subjects for both.

import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { subjects, type Bus, type EbsMountResult, type EbsVolumeRequest, type Envelope } from "../bus/index.ts";
import { HiveError, invalidParameter, notFound } from "../errors/index.ts";
import type { Store, VolumeRecord } from "../store/index.ts";
import { closeStrayVolumeNodes, closeUnexportedVolumeNodes, exportedVolumeIds, exportVolume, unexportVolume } from "./exports.ts";
import { resizeVolumeFile } from "./resize.ts";
import { copySnapshotFile, deleteSnapshotFile, snapshotVolumeFile, type SnapshotJob, type SnapshotOptions } from "./snapshots.ts";
import { allocatedBytesOf, assertRoomOn, flattenedBytesAtMost, storageUsage, type StorageUsage } from "./storage-usage.ts";
import { sweepLeftovers, type KnownFiles } from "./sweep.ts";
import { newId } from "../runtime/index.ts";
import { clearStaleCopies, startVolumeCopy, type VolumeCopy, type VolumeCopyOptions } from "./volume-copy.ts";
import { ensureStorageDaemon, type StorageDaemon, type StorageDaemonOptions, type WantedExport } from "./storage-daemon.ts";
import { assertVolumeId, createVolumeFile, deleteVolumeFile, GiB, type VolumeFile } from "./volumes.ts";

export interface BlockServiceOptions {
  bus: Bus;
  node: string;
  dataDir: string;
  /** Volume rows are read here (mount needs the file); writing them stays with the caller, e.g. in a launch transaction. */
  store: Pick<Store, "volumes">;
  log?: (message: string) => void;
  /**
   * Volumes to export if the storage daemon has to be started afresh (after a reboot, say); default: every volume
   * the store has "in-use". Ignored when a running daemon is found: its exports are taken as they are.
   */
  exported?: string[];
  /** Binary and timeouts of the storage daemon. */
  storageDaemon?: Pick<StorageDaemonOptions, "binary" | "readyTimeoutMs">;
  /** Free bytes assertRoom keeps back on the data directory's filesystem; default 5% of it, at most 2 GiB. */
  headroomBytes?: number;
}

export interface CreateVolumeOptions {
  /** Default: a new vol- id. */
  id?: string;
  /** Grown to the backing file's virtual size (rounded up to GiB) when smaller. */
  sizeGiB: number;
  /**
   * Absolute path of a snapshot's or an image's qcow2: the volume is a copy-on-write overlay on it, made at once and
   * small whatever its size. Delete the snapshot's file with deleteSnapshotFile, which keeps it while overlaid.
   */
  backingFile?: string;
}

export interface CreateRootVolumeOptions {
  id?: string;
  /** Absolute path of the AMI's disk image; the volume is a copy-on-write overlay on it. */
  imageFile: string;
  /** Grown to the image's virtual size (rounded up to GiB) when smaller. */
  sizeGiB: number;
}

export interface UnmountOptions {
  /** Disconnect NBD clients still attached (use once the VM using the volume has stopped). */
  force?: boolean;
}

export interface BlockService {
  readonly daemon: StorageDaemon;
  /** A blank qcow2 volume file, or an overlay on `backingFile`; insert its VolumeRecord yourself. CapacityExhausted if it cannot fit. */
  createVolume(opts: CreateVolumeOptions): Promise<VolumeFile>;
  /** A root volume overlaying an image; insert its VolumeRecord yourself (RunInstances does so with the instance). */
  createRootVolume(opts: CreateRootVolumeOptions): Promise<VolumeFile>;
  /** Unexports the volume (Conflict while a client is connected) and removes its file; the row is the caller's. */
  deleteVolume(id: string): Promise<void>;
  /**
   * Starts copying a volume the store knows into a standalone qcow2 at `dest`; resolves once the copy's content is
   * fixed (see startVolumeCopy), with `done` for the rest. Whoever could attach or detach it meanwhile must wait.
   */
  copyVolume(id: string, dest: string, opts?: VolumeCopyOptions): Promise<VolumeCopy>;
  /**
   * Snapshots a volume the store knows into snapshots/<snapshotId>.qcow2, crash-consistent as of this call (a guest
   * writing to it goes on); resolves once the content is fixed, with `done` for the copy. CapacityExhausted
   * ("snapshot") when the flattened copy could not fit. A volume nobody has open is copied before this resolves
   * (attach it only afterwards); an attached one may be detached or deleted meanwhile (the job keeps it open).
   */
  snapshotVolume(volumeId: string, snapshotId: string, opts?: SnapshotOptions): Promise<SnapshotJob>;
  /** An independent copy of a snapshot's file (`srcFile` relative to the data directory) as snapshots/<snapshotId>.qcow2. */
  copySnapshot(srcFile: string, snapshotId: string, opts?: SnapshotOptions): Promise<SnapshotJob>;
  /**
   * Removes the snapshot's file (missing is fine). A file a volume still overlays stays (false is returned), until
   * sweepLeftovers finds it unnamed by the store and unread by any volume.
   */
  deleteSnapshotFile(snapshotId: string): boolean;
  /**
   * Grows a volume the store knows to `sizeGiB` (InvalidParameter if smaller; equal does nothing), in the storage
   * daemon while it is open there. An exported volume's NBD clients are dropped (QEMU 7.2 cannot resize under an
   * NBD export) and it is served again at once: a new connection sees the new size.
   */
  resizeVolume(volumeId: string, sizeGiB: number): Promise<void>;
  /** What volumes, snapshots and images take on the data directory's filesystem, and what is left. */
  usage(): StorageUsage;
  /** Bytes one file (relative to the data directory) takes on disk; 0 when missing. */
  allocatedBytes(relFile: string): number;
  /**
   * CapacityExhausted unless `bytesNeeded` more leaves the headroom free on the data directory's filesystem;
   * `resource` ("volume", default, or "snapshot") picks the AWS code. The service checks its own operations too.
   */
  assertRoom(bytesNeeded: number, resource?: "volume" | "snapshot"): void;
  /**
   * At start, before anything makes files: removes `*.creating` files and files whose id `known` lacks from
   * volumes/ and snapshots/, keeping any file another one reads through; returns what it removed (relative paths).
   */
  sweepLeftovers(known: KnownFiles): string[];
  /** Exports a volume the store knows over NBD; idempotent. */
  mount(id: string): Promise<EbsMountResult>;
  /** Stops exporting; idempotent. */
  unmount(id: string, opts?: UnmountOptions): Promise<void>;
  /** Ids of the volumes this service exports now, sorted. */
  exported(): string[];
  /** Stops answering on the bus and lets go of the storage daemon, which keeps serving running VMs. */
  close(): Promise<void>;
  /** close(), then quits the storage daemon: only when no VM still uses a volume. */
  shutdown(): Promise<void>;
}

/** Starts (or reattaches to) the storage daemon and answers ebs.<node>.mount / ebs.<node>.unmount. */
export async function startBlockService(opts: BlockServiceOptions): Promise<BlockService> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`[ebs] ${m}\n`));
  const { dataDir, store } = opts;
  const exported = new Set<string>(
    opts.exported ?? store.volumes.list().filter((v) => v.state === "in-use").map((v) => v.id),
  );

  /** The volume's row, or NotFound: a deleted volume is as gone as one never made. */
  const volumeRow = (id: string): VolumeRecord => {
    assertVolumeId(id);
    const row = store.volumes.get(id);
    if (!row || row.state === "deleted" || row.state === "deleting") {
      throw notFound("volume", `The volume '${id}' does not exist.`, "VolumeId");
    }
    return row;
  };
  const fileOf = (row: VolumeRecord): string => (isAbsolute(row.file) ? row.file : join(dataDir, row.file));

  const wanted = (): WantedExport[] => {
    const out: WantedExport[] = [];
    for (const id of [...exported].sort()) {
      const row = store.volumes.get(id);
      if (row && row.state !== "deleted") out.push({ id, file: fileOf(row) });
      else log(`not re-exporting ${id}: the store no longer has it`);
    }
    return out;
  };

  const daemon = await ensureStorageDaemon(dataDir, log, { ...opts.storageDaemon, wanted });
  const nbdSocket = daemon.paths.nbdSocket;
  // A daemon found running is the truth about what is exported: it outlived our bookkeeping.
  if (daemon.reattached) {
    const live = await daemon.use((qmp) => exportedVolumeIds(qmp));
    exported.clear();
    for (const id of live) exported.add(id);
    // Copies (CreateImage) that an earlier hive process started are nobody's now: their images were marked failed.
    const stale = await daemon.use((qmp) => clearStaleCopies(qmp));
    if (stale.length > 0) log(`cancelled copies left by an earlier run: ${stale.join(", ")}`);
    // Volumes those copies (snapshots of unattached volumes) had opened, and nothing exports.
    const stray = await daemon.use((qmp) => closeStrayVolumeNodes(qmp));
    if (stray.length > 0) log(`closed volumes only an earlier run's copies held open: ${stray.join(", ")}`);
  }

  const mount = async (id: string): Promise<EbsMountResult> => {
    const file = fileOf(volumeRow(id));
    if (!existsSync(file)) throw new HiveError({ kind: "Internal", resource: "volume", message: `the file of volume ${id} is missing: ${file}` });
    return daemon.use(async (qmp) => {
      const result = await exportVolume(qmp, id, file, nbdSocket);
      exported.add(id);
      return result;
    });
  };

  const unmount = async (id: string, unmountOpts: UnmountOptions = {}): Promise<void> => {
    assertVolumeId(id);
    await daemon.use(async (qmp) => {
      await unexportVolume(qmp, id, { mode: unmountOpts.force ? "hard" : "safe" });
      exported.delete(id);
    });
  };

  const serving = { node: opts.node, log };
  const subs = [
    opts.bus.serve(subjects.ebsMount(opts.node), async (env) => mount(volumeRequest(env).volumeId), serving),
    opts.bus.serve(subjects.ebsUnmount(opts.node), async (env) => {
      const req = volumeRequest(env);
      await unmount(req.volumeId, { force: req.force === true });
      return {};
    }, serving),
  ];
  // Registered at the server before anyone is told we serve.
  await Promise.all(subs.map((s) => s.ready));

  const assertRoom = (bytesNeeded: number, resource: "volume" | "snapshot" = "volume"): void =>
    assertRoomOn(dataDir, bytesNeeded, opts.headroomBytes, resource);
  /** Closes a volume's nodes once a copy ends if an unmount during it had to leave them open. */
  const afterCopy = (id: string): Promise<unknown> => daemon.use((qmp) => closeUnexportedVolumeNodes(qmp, id)).catch(() => undefined);

  const close = async (): Promise<void> => {
    await Promise.all(subs.map((s) => s.close()));
  };

  return {
    daemon,
    createVolume: async (o) => {
      if (o.backingFile !== undefined && (!isAbsolute(o.backingFile) || !existsSync(o.backingFile))) {
        throw new HiveError({ kind: "NotFound", resource: "snapshot", message: `the backing file ${o.backingFile} does not exist` });
      }
      // Thin: it takes ~nothing now, but one the box could not fill even alone fails here rather than as a guest's
      // I/O error later; several together may still overcommit, as thin provisioning does.
      if (Number.isInteger(o.sizeGiB) && o.sizeGiB > 0) assertRoom(o.sizeGiB * GiB, "volume");
      return createVolumeFile(dataDir, { id: o.id ?? newId("vol"), sizeGiB: o.sizeGiB, backingFile: o.backingFile });
    },
    createRootVolume: async (o) => {
      if (!isAbsolute(o.imageFile) || !existsSync(o.imageFile)) {
        throw new HiveError({ kind: "NotFound", resource: "image", message: `image file ${o.imageFile} does not exist` });
      }
      return createVolumeFile(dataDir, { id: o.id ?? newId("vol"), sizeGiB: o.sizeGiB, backingFile: o.imageFile });
    },
    deleteVolume: async (id) => {
      assertVolumeId(id);
      await daemon.use(async (qmp) => {
        await unexportVolume(qmp, id, { mode: "safe" });
        exported.delete(id);
      });
      await deleteVolumeFile(dataDir, id);
    },
    copyVolume: async (id, dest, copyOpts) => {
      const copy = await startVolumeCopy(daemon, id, fileOf(volumeRow(id)), dest, copyOpts);
      return { ...copy, done: copy.done.finally(() => afterCopy(id)) };
    },
    snapshotVolume: async (volumeId, snapshotId, snapOpts) => {
      const row = volumeRow(volumeId);
      const file = fileOf(row);
      // The flattened copy takes at most the allocation of the volume's whole backing chain.
      assertRoom(flattenedBytesAtMost(file, row.sizeGiB * GiB), "snapshot");
      return snapshotVolumeFile(daemon, dataDir, volumeId, file, snapshotId, snapOpts);
    },
    copySnapshot: async (srcFile, snapshotId, snapOpts) => {
      // A reflink may take nothing, but a plain copy takes what the source does.
      assertRoom(allocatedBytesOf(isAbsolute(srcFile) ? srcFile : join(dataDir, srcFile)), "snapshot");
      return copySnapshotFile(dataDir, srcFile, snapshotId, snapOpts);
    },
    deleteSnapshotFile: (snapshotId) => deleteSnapshotFile(dataDir, snapshotId),
    resizeVolume: async (volumeId, sizeGiB) => {
      const row = volumeRow(volumeId);
      // The same rule as a new volume's: what the growth adds must fit now.
      if (Number.isInteger(sizeGiB) && sizeGiB > row.sizeGiB) assertRoom((sizeGiB - row.sizeGiB) * GiB, "volume");
      await resizeVolumeFile(daemon, volumeId, fileOf(row), sizeGiB);
    },
    usage: () => storageUsage(dataDir),
    allocatedBytes: (relFile) => allocatedBytesOf(isAbsolute(relFile) ? relFile : join(dataDir, relFile)),
    assertRoom,
    sweepLeftovers: (known) => {
      const removed = sweepLeftovers(dataDir, known);
      if (removed.length > 0) log(`removed leftover files: ${removed.join(", ")}`);
      return removed;
    },
    mount,
    unmount,
    exported: () => [...exported].sort(),
    close: async () => {
      await close();
      await daemon.detach();
    },
    shutdown: async () => {
      await close();
      await daemon.shutdown();
    },
  };
}

/** The request inside an envelope, checked: callers on the bus are other processes. */
function volumeRequest(env: Envelope): EbsVolumeRequest {
  const req = env.input as EbsVolumeRequest | undefined;
  if (typeof req !== "object" || req === null || typeof req.volumeId !== "string") {
    throw invalidParameter("VolumeId", "the request must name a volume: { volumeId }");
  }
  return req;
}
