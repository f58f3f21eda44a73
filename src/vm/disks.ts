// EBS volumes in a running guest over QMP: hot-plug, hot-unplug, online grow and IOPS/throughput limits.
// The layout (names, node options) is disk-layout.ts's; this file only changes a live QEMU from one state to another.

import { QmpCommandError, QmpTimeoutError, type QmpClient, type QmpPciDevice } from "../qmp/index.ts";
import { capacityExhausted, invalidParameter, invalidState, notFound } from "../errors/index.ts";
import {
  diskDevice,
  diskNames,
  isHotplugPortId,
  nbdNode,
  throttleGroup,
  throttleLimits,
  throttleNode,
  volumeOfDevice,
  type DataDisk,
  type DiskNames,
  type DiskThrottle,
  type NbdSource,
} from "./disk-layout.ts";

/** The iothread KVM guests run their disks on (qemu-args.ts); a hot-plugged disk joins it when it exists. */
export const IOTHREAD_ID = "iothread0";

const DEFAULT_DETACH_TIMEOUT_MS = 30_000;

/**
 * Hot-plugs the disk into a running guest on a free hot-plug port; the virtio serial is the volume id without its
 * hyphen, so the guest sees /dev/disk/by-id/virtio-vol0123…. Idempotent (already plugged: no-op). Any failing step
 * rolls back what it added. No free port: CapacityExhausted.
 */
export async function attachDisk(qmp: QmpClient, disk: DataDisk): Promise<void> {
  const n = diskNames(disk.volumeId);
  if (await deviceExists(qmp, n.device)) return;
  // Nodes without a device are what a detach that timed out (or a crash mid-attach) left behind.
  await removeDiskNodes(qmp, n);
  const port = freeHotplugPort(await qmp.queryPci());
  if (port === undefined) throw capacityExhausted(`no free hot-plug port for ${disk.volumeId}: every port holds a disk`);
  const iothread = (await qmp.qomList("/objects")).some((p) => p.name === IOTHREAD_ID) ? IOTHREAD_ID : undefined;

  const undo: (() => Promise<void>)[] = [];
  try {
    await qmp.blockdevAdd(nbdNode(n.nbd[0], disk));
    undo.push(() => qmp.blockdevDel(n.nbd[0]));
    const { "qom-type": qomType, id, ...props } = throttleGroup(disk.volumeId, disk.throttle);
    await qmp.objectAdd(qomType as string, id as string, props);
    undo.push(() => qmp.objectDel(n.group));
    await qmp.blockdevAdd(throttleNode(disk.volumeId, n.nbd[0]));
    undo.push(() => qmp.blockdevDel(n.top));
    await qmp.deviceAdd(diskDevice(disk.volumeId, { bus: port, iothread }));
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

/**
 * Asks the guest to release the disk (device_del) and waits for DEVICE_DELETED up to timeoutMs (default 30 s), then
 * removes its block nodes. Returns "removed", or "pending" when the guest did not let go in time; with `force` the
 * volume's NBD connection is then closed anyway (the device's I/O fails from then on) and the device goes when the
 * guest lets go or at the next start. Leftover nodes of a pending detach are removed when DEVICE_DELETED arrives on
 * this connection, or by the next attachDisk/detachDisk of the volume. Not plugged: "removed". The root disk:
 * InvalidState.
 */
export async function detachDisk(
  qmp: QmpClient,
  volumeId: string,
  opts: { timeoutMs?: number; force?: boolean } = {},
): Promise<"removed" | "pending"> {
  const n = diskNames(volumeId);
  const plugged = pluggedDeviceIds(await qmp.queryPci());
  if (!plugged.has(n.device)) {
    if (await deviceExists(qmp, n.device)) throw invalidState(volumeId, `${volumeId} is the root disk and cannot be detached from a running guest`);
    await removeDiskNodes(qmp, n);
    return "removed";
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DETACH_TIMEOUT_MS;
  // Listening before asking: a quick guest answers before device_del's reply is read.
  const deleted = qmp.waitForEvent("DEVICE_DELETED", { timeoutMs, match: (d) => d.device === n.device }).then(
    () => true,
    (err: unknown) => {
      if (err instanceof QmpTimeoutError) return false;
      throw err;
    },
  );
  try {
    await qmp.deviceDel(n.device);
  } catch (err) {
    // "Already in the process of unplug" (an earlier detach timed out) also lands here: then keep waiting.
    if (!(err instanceof QmpCommandError)) throw err;
  }
  const gone = (await deleted) || !(await deviceExists(qmp, n.device));
  if (gone) {
    await removeDiskNodes(qmp, n);
    return "removed";
  }
  if (opts.force) await cutOff(qmp, volumeId);
  const onDeleted = (event: string, data: Record<string, unknown>) => {
    if (event !== "DEVICE_DELETED" || data.device !== n.device) return;
    qmp.off("event", onDeleted);
    void removeDiskNodes(qmp, n).catch(() => undefined);
  };
  qmp.on("event", onDeleted);
  return "pending";
}

/**
 * After the volume grew in the storage daemon: makes the guest see the new size online (virtio-blk config change).
 * QEMU's nbd driver cannot grow a connection it has, so a second connection (which learns the new size) replaces the
 * first under the throttle node, which is then resized. `volumeId` may be the root volume. Shrinking: InvalidParameter.
 */
export async function resizeDisk(qmp: QmpClient, volumeId: string, newSizeBytes: number, source: NbdSource): Promise<void> {
  const n = diskNames(volumeId);
  if (!Number.isSafeInteger(newSizeBytes) || newSizeBytes <= 0) throw invalidParameter("Size", `bad size ${newSizeBytes}`);
  let nodes = await namedNodes(qmp);
  const top = nodes.get(n.top);
  if (!top) throw notFound(volumeId, `${volumeId} is not attached to this guest`);
  const size = top.image["virtual-size"];
  if (newSizeBytes === size) return;
  if (newSizeBytes < size) throw invalidParameter("Size", `${volumeId} is ${size} bytes and cannot shrink to ${newSizeBytes}`);

  // Normally one NBD node exists; two mean an earlier resize stopped half-way: the unused one goes (the other refuses).
  if (n.nbd.every((name) => nodes.has(name))) {
    for (const name of n.nbd) await qmp.blockdevDel(name).catch(() => undefined);
    nodes = await namedNodes(qmp);
  }
  const next = n.nbd.find((name) => !nodes.has(name))!;
  const old = n.nbd.find((name) => nodes.has(name));

  await qmp.blockdevAdd(nbdNode(next, source));
  try {
    const served = (await namedNodes(qmp)).get(next)?.image["virtual-size"] ?? 0;
    if (served < newSizeBytes) {
      throw invalidState(volumeId, `the storage daemon serves ${volumeId} with ${served} bytes, not ${newSizeBytes}: grow the volume first`);
    }
    await qmp.blockdevReopen([throttleNode(volumeId, next)]);
  } catch (err) {
    await qmp.blockdevDel(next).catch(() => undefined);
    throw err;
  }
  if (old !== undefined) await qmp.blockdevDel(old);
  await qmp.blockResize(n.top, newSizeBytes);
}

/** Changes a plugged disk's (or the root disk's) limits online; 0 lifts a limit. */
export async function setDiskThrottle(qmp: QmpClient, volumeId: string, throttle: DiskThrottle): Promise<void> {
  const n = diskNames(volumeId);
  const limits = throttleLimits(throttle);
  if (!(await qmp.qomList("/objects")).some((p) => p.name === n.group)) {
    throw notFound(volumeId, `${volumeId} is not attached to this guest`);
  }
  await qmp.qomSet(`/objects/${n.group}`, "limits", limits);
}

/** The limits in force for a disk, as its throttle group holds them. */
export async function diskThrottle(qmp: QmpClient, volumeId: string): Promise<DiskThrottle> {
  const limits = await qmp.qomGet<Record<string, number>>(`/objects/${diskNames(volumeId).group}`, "limits");
  return { iops: limits["iops-total"] ?? 0, bytesPerSec: limits["bps-total"] ?? 0 };
}

/** Volume ids of the data disks plugged now (root excluded), including those whose detach is still pending. */
export async function pluggedDisks(qmp: QmpClient): Promise<string[]> {
  return [...pluggedDeviceIds(await qmp.queryPci())].map((id) => volumeOfDevice(id)!).sort();
}

// ---- helpers --------------------------------------------------------------------------------------

/** Every device on a hot-plug port: the port ids and what sits behind them. */
function hotplugPorts(buses: { devices: QmpPciDevice[] }[]): { id: string; devices: QmpPciDevice[] }[] {
  const ports: { id: string; devices: QmpPciDevice[] }[] = [];
  const walk = (devices: QmpPciDevice[]) => {
    for (const d of devices) {
      if (!d.pci_bridge) continue;
      if (isHotplugPortId(d.qdev_id)) ports.push({ id: d.qdev_id, devices: d.pci_bridge.devices ?? [] });
      walk(d.pci_bridge.devices ?? []);
    }
  };
  for (const bus of buses) walk(bus.devices);
  return ports;
}

function pluggedDeviceIds(buses: { devices: QmpPciDevice[] }[]): Set<string> {
  const ids = new Set<string>();
  for (const port of hotplugPorts(buses)) {
    for (const d of port.devices) if (volumeOfDevice(d.qdev_id) !== undefined) ids.add(d.qdev_id);
  }
  return ids;
}

/** The first empty hot-plug port, in port order. */
function freeHotplugPort(buses: { devices: QmpPciDevice[] }[]): string | undefined {
  const free = hotplugPorts(buses).filter((p) => p.devices.length === 0).map((p) => p.id);
  return free.sort((a, b) => Number(a.replace(/\D/g, "")) - Number(b.replace(/\D/g, "")))[0];
}

async function deviceExists(qmp: QmpClient, id: string): Promise<boolean> {
  return (await qmp.qomList("/machine/peripheral")).some((p) => p.name === id);
}

async function namedNodes(qmp: QmpClient) {
  return new Map((await qmp.queryNamedBlockNodes()).map((node) => [node["node-name"], node]));
}

/** Removes whatever nodes and throttle group of the volume exist, parents first; the device must be gone. */
async function removeDiskNodes(qmp: QmpClient, n: DiskNames): Promise<void> {
  const nodes = await namedNodes(qmp);
  for (const name of [n.top, n.gone, n.goneImage, ...n.nbd]) if (nodes.has(name)) await qmp.blockdevDel(name);
  if ((await qmp.qomList("/objects")).some((p) => p.name === n.group)) await qmp.objectDel(n.group);
}

/**
 * A forced detach the guest has not answered: every I/O of the device now fails (blkdebug injecting EIO over a null
 * image of the same size) and the NBD connection closes, so the storage daemon can let the volume go.
 */
async function cutOff(qmp: QmpClient, volumeId: string): Promise<void> {
  const n = diskNames(volumeId);
  const nodes = await namedNodes(qmp);
  if (nodes.has(n.gone)) return;
  const size = nodes.get(n.top)?.image["virtual-size"] ?? 0;
  await qmp.blockdevAdd({ driver: "null-co", "node-name": n.goneImage, size });
  await qmp.blockdevAdd({ driver: "blkdebug", "node-name": n.gone, image: n.goneImage, "inject-error": [{ event: "none", once: false }] });
  await qmp.blockdevReopen([throttleNode(volumeId, n.gone)]);
  for (const name of n.nbd) if (nodes.has(name)) await qmp.blockdevDel(name);
}
