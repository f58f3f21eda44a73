// The node's block service: volume files, their NBD exports through the storage daemon, and the bus subjects for both.

import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { subjects, type Bus, type EbsMountResult, type EbsVolumeRequest, type Envelope } from "../bus/index.ts";
import { HiveError, invalidParameter, notFound } from "../errors/index.ts";
import type { Store, VolumeRecord } from "../store/index.ts";
import { exportedVolumeIds, exportVolume, unexportVolume } from "./exports.ts";
import { newId } from "../runtime/index.ts";
import { clearStaleCopies, startVolumeCopy, type VolumeCopy, type VolumeCopyOptions } from "./volume-copy.ts";
import { ensureStorageDaemon, type StorageDaemon, type StorageDaemonOptions, type WantedExport } from "./storage-daemon.ts";
import { assertVolumeId, createVolumeFile, deleteVolumeFile, type VolumeFile } from "./volumes.ts";

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
}

export interface CreateVolumeOptions {
  /** Default: a new vol- id. */
  id?: string;
  sizeGiB: number;
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
  /** A blank qcow2 volume file; insert its VolumeRecord yourself. */
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

  const close = async (): Promise<void> => {
    await Promise.all(subs.map((s) => s.close()));
  };

  return {
    daemon,
    createVolume: (o) => createVolumeFile(dataDir, { id: o.id ?? newId("vol"), sizeGiB: o.sizeGiB }),
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
      deleteVolumeFile(dataDir, id);
    },
    copyVolume: async (id, dest, copyOpts) => startVolumeCopy(daemon, id, fileOf(volumeRow(id)), dest, copyOpts),
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
