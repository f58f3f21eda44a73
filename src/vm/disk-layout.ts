// How an EBS volume is laid out inside a guest's QEMU, in one place: the names of its device, block nodes and throttle
// group, and the options that create them, used both on the command line (qemu-args.ts) and over QMP (disks.ts).
//
//   virtio-blk-pci  id=disk-<vol>, serial=<vol without its hyphen>, on pcie.0 (root) or a hot-plug port (data)
//     └─ throttle   node <vol>, in the throttle group throttle-<vol> (the volume's IOPS and bytes/s limits)
//          └─ nbd   node <vol>-nbd or <vol>-nbd.1 (alternating: a resize opens the other one with the new size)

import type { QmpBlockdevOptions, QmpDeviceOptions } from "../qmp/index.ts";
import { invalidParameter } from "../errors/index.ts";

/** A volume's performance limits, enforced by QEMU block throttling (totals: reads + writes). 0 = no limit. */
export interface DiskThrottle {
  iops: number;
  bytesPerSec: number;
}

/** An EBS data volume as the guest sees it. */
export interface DataDisk {
  volumeId: string;
  nbdSocket: string;
  exportName: string;
  throttle?: DiskThrottle;
}

/** Where a volume is served: the storage daemon's NBD socket and the export's name. */
export interface NbdSource {
  nbdSocket: string;
  exportName: string;
}

/**
 * Empty PCIe root ports made at start, one per hot-plugged disk (q35's root bus takes no hot-plug): enough for EC2's
 * /dev/sd[f-p] with one to spare.
 */
export const HOTPLUG_PORTS = 12;
export const hotplugPortId = (index: number): string => `hotplug${index}`;
export const isHotplugPortId = (id: string): boolean => /^hotplug\d+$/.test(id);

const DEVICE_PREFIX = "disk-";

// QEMU node names are at most 31 characters; the longest we derive is "<vol>-gone.null" (vol + 10).
const VOLUME_ID = /^[A-Za-z][A-Za-z0-9-]{0,20}$/;

export interface DiskNames {
  /** virtio-blk-pci's id; device_del and DEVICE_DELETED name it. */
  device: string;
  /** The throttle filter node the device is attached to; resized and reopened in place. */
  top: string;
  /** The two names the NBD node alternates between (a resize opens the unused one). */
  nbd: readonly [string, string];
  /** The throttle-group object holding the limits. */
  group: string;
  /** After a forced detach: the node every I/O fails on (blkdebug) and the null image under it. */
  gone: string;
  goneImage: string;
}

export function diskNames(volumeId: string): DiskNames {
  if (!VOLUME_ID.test(volumeId)) throw invalidParameter("VolumeId", `"${volumeId}" cannot name a disk's QEMU nodes`);
  return {
    device: `${DEVICE_PREFIX}${volumeId}`,
    top: volumeId,
    nbd: [`${volumeId}-nbd`, `${volumeId}-nbd.1`],
    group: `throttle-${volumeId}`,
    gone: `${volumeId}-gone`,
    goneImage: `${volumeId}-gone.null`,
  };
}

/** The volume a disk device belongs to, or undefined for any other device id. */
export const volumeOfDevice = (deviceId: string): string | undefined =>
  deviceId.startsWith(DEVICE_PREFIX) ? deviceId.slice(DEVICE_PREFIX.length) : undefined;

/** The virtio serial the guest reads (/dev/disk/by-id/virtio-<serial>): the id without its hyphen, as Nitro shows it. */
export const volumeSerial = (volumeId: string): string => volumeId.replace("-", "");

// reconnect-delay: a restarted storage daemon stalls guest I/O for up to 5 s instead of failing it.
export const nbdNode = (nodeName: string, source: NbdSource): QmpBlockdevOptions => ({
  driver: "nbd",
  "node-name": nodeName,
  server: { type: "unix", path: source.nbdSocket },
  export: source.exportName,
  "reconnect-delay": 5,
  cache: { direct: false },
});

export const throttleNode = (volumeId: string, file: string): QmpBlockdevOptions => {
  const n = diskNames(volumeId);
  return { driver: "throttle", "node-name": n.top, file, "throttle-group": n.group };
};

/**
 * Every field of QEMU's ThrottleLimits: a qom-set of `limits` changes only the fields it names, so all are named.
 * No burst allowance beyond QEMU's own (a bucket of a tenth of a second at the average rate), so a benchmark measures
 * the limits themselves.
 */
export function throttleLimits(throttle?: DiskThrottle): Record<string, number> {
  const limits: Record<string, number> = {
    "iops-total": rate(throttle?.iops ?? 0, "Iops"),
    "bps-total": rate(throttle?.bytesPerSec ?? 0, "Throughput"),
    "iops-size": 0,
  };
  for (const kind of ["iops", "bps"]) {
    for (const dir of ["total", "read", "write"]) {
      if (dir !== "total") limits[`${kind}-${dir}`] = 0;
      limits[`${kind}-${dir}-max`] = 0;
      limits[`${kind}-${dir}-max-length`] = 1;
    }
  }
  return limits;
}

function rate(value: number, param: string): number {
  // QEMU's ceiling for a throttle value is 1e15.
  if (!Number.isSafeInteger(value) || value < 0 || value > 1e15) throw invalidParameter(param, `${param} must be a whole number from 0 to 1e15`);
  return value;
}

/** object-add's arguments for the volume's throttle group: a new group needs only the limits that are set. */
export function throttleGroup(volumeId: string, throttle?: DiskThrottle): Record<string, unknown> {
  const all = throttleLimits(throttle);
  const limits = Object.fromEntries(["iops-total", "bps-total"].filter((k) => all[k] > 0).map((k) => [k, all[k]]));
  return { "qom-type": "throttle-group", id: diskNames(volumeId).group, ...(Object.keys(limits).length ? { limits } : {}) };
}

export interface DiskDeviceOptions {
  /** A hot-plug port's id; the root bus when absent. */
  bus?: string;
  bootindex?: number;
  iothread?: string;
}

export function diskDevice(volumeId: string, opts: DiskDeviceOptions = {}): QmpDeviceOptions {
  const n = diskNames(volumeId);
  const dev: QmpDeviceOptions = { driver: "virtio-blk-pci", id: n.device, drive: n.top, serial: volumeSerial(volumeId) };
  if (opts.bus !== undefined) dev.bus = opts.bus;
  if (opts.bootindex !== undefined) dev.bootindex = opts.bootindex;
  if (opts.iothread !== undefined) dev.iothread = opts.iothread;
  return dev;
}

/** An empty PCIe root port a disk can be hot-plugged into; no I/O window (virtio on PCIe needs none, and x86 has 64 KiB). */
export const hotplugPort = (index: number): QmpDeviceOptions => ({
  driver: "pcie-root-port",
  id: hotplugPortId(index),
  bus: "pcie.0",
  chassis: index + 1,
  "io-reserve": 0,
});
