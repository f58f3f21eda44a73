// Where block storage keeps its files under the data directory, and its sockets under the runtime directory.

import { join } from "node:path";
import { runtimeDir } from "../runtime/index.ts";

export interface EbsPaths {
  dataDir: string;
  /** <dataDir>/ebs: the storage daemon's pidfile. */
  dir: string;
  pidFile: string;
  /** <runtimeDir>/ebs: the storage daemon's QMP and NBD sockets (never in the data directory: see runtime-dir.ts). */
  socketDir: string;
  qmpSocket: string;
  nbdSocket: string;
  /** The storage daemon's stdout and stderr. */
  logFile: string;
  /** <dataDir>/volumes: one <vol-id>.qcow2 per volume. */
  volumesDir: string;
  /** <dataDir>/snapshots: one standalone <snap-id>.qcow2 per snapshot. */
  snapshotsDir: string;
}

export function ebsPaths(dataDir: string): EbsPaths {
  const dir = join(dataDir, "ebs");
  const socketDir = join(runtimeDir(dataDir), "ebs");
  return {
    dataDir,
    dir,
    pidFile: join(dir, "qsd.pid"),
    socketDir,
    qmpSocket: join(socketDir, "qmp.sock"),
    nbdSocket: join(socketDir, "nbd.sock"),
    logFile: join(dataDir, "logs", "qemu-storage-daemon.log"),
    volumesDir: join(dataDir, "volumes"),
    snapshotsDir: join(dataDir, "snapshots"),
  };
}

/** The volume's file relative to the data directory, as VolumeRecord.file stores it. */
export const volumeRelPath = (id: string): string => join("volumes", `${id}.qcow2`);

/** The snapshot's file relative to the data directory, as the snapshot's row keeps it. */
export const snapshotRelPath = (id: string): string => join("snapshots", `${id}.qcow2`);

/** Files in the making carry this suffix until they are renamed into place. */
export const CREATING = ".creating";
