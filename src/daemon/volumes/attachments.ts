// AttachVolume and DetachVolume: the attachment is recorded at once (attaching / detaching), and the disk is plugged
// into or pulled out of a running guest in the instance's operation queue; a stopped instance gets it at its next start.
import type { AttachVolumeRequest, DetachVolumeRequest, VolumeAttachment } from "@aws-sdk/client-ec2";
import { existsSync } from "node:fs";
import path from "node:path";
import type { ActionRequest } from "../../bus/index.ts";
import { HiveError, invalidParameter, invalidState, notFound, unsupported } from "../../errors/index.ts";
import type { InstanceRecord, Store, VolumeRecord } from "../../store/index.ts";
import { attachDisk, detachDisk, pluggedDisks, type DataDisk } from "../../vm/index.ts";
import { assertIds } from "../shared/index.ts";
import { now, throttleOf, type VolumeDeps } from "./volume-deps.ts";
import { attachmentView } from "./volume-view.ts";
import { volumeRow } from "./volumes.ts";

/** EC2's names for data volumes on a Nitro or Xen instance: /dev/sd[f-p] or /dev/xvd[f-p]. */
const DATA_DEVICE = /^\/dev\/(?:sd|xvd)([f-p])$/;
/** How long a guest gets to let go of a disk (pciehp waits 5 s for an abort before it removes the device). */
const UNPLUG_TIMEOUT_MS = 30_000;
const FORCED_UNPLUG_TIMEOUT_MS = 8_000;

const attachmentGone = (volumeId: string, instanceId?: string) =>
  notFound("volume-attachment", `The volume ${volumeId} is not attached to ${instanceId ? `instance ${instanceId}` : "that device"}`, "VolumeId");

function instanceRow(store: Store, id: string | undefined): InstanceRecord {
  assertIds("i", id === undefined ? undefined : [id], "InstanceId");
  const rec = id ? store.instances.get(id) : undefined;
  if (!rec || rec.state === "terminated") throw notFound("instance", `The instance ID '${id ?? ""}' does not exist`, "InstanceId");
  return rec;
}

/** The attachment of a volume to this device, if the instance has one there (sdf and xvdf are the same slot). */
const slotOf = (device: string | undefined): string | undefined => device?.match(DATA_DEVICE)?.[1];

export function attachVolume(req: ActionRequest<AttachVolumeRequest>, deps: VolumeDeps): VolumeAttachment & { _owned: string[] } {
  const { store } = deps;
  const { VolumeId, InstanceId, Device } = req.input;
  const vol = volumeRow(store, VolumeId);
  const inst = instanceRow(store, InstanceId);
  if (vol.az !== inst.az) {
    throw invalidParameter("VolumeId", `The volume '${vol.id}' is not in the same availability zone as instance '${inst.id}'`, "zone-mismatch");
  }
  if (vol.state === "in-use") throw new HiveError({ kind: "Conflict", resource: "volume-in-use", param: "VolumeId", message: `${vol.id} is already attached to an instance` });
  if (vol.state !== "available") throw invalidState("volume", `The volume '${vol.id}' is not 'available' (it is ${vol.state}).`);
  if (inst.state !== "running" && inst.state !== "stopped") {
    throw invalidState("instance", `The instance '${inst.id}' is not in a state from which a volume can be attached (${inst.state}).`);
  }
  const slot = slotOf(Device);
  if (!Device || !slot) throw invalidParameter("Device", `Value (${Device ?? ""}) for parameter device is invalid. ${Device ?? ""} is not a valid EBS device name: use /dev/sd[f-p] or /dev/xvd[f-p].`);
  const taken = store.volumes.forInstance(inst.id).find((v) => v.state === "in-use" && slotOf(v.device) === slot);
  if (taken) throw invalidParameter("Device", `Invalid value '${Device}' for unixDevice. Attachment point ${Device} is already in use`);

  const running = inst.state === "running";
  const patch = { state: "in-use", instanceId: inst.id, device: Device, attachTime: now(), attachState: running ? "attaching" : "attached", deleteOnTermination: false } as const;
  store.volumes.update(vol.id, patch);
  if (running) void plug(deps, vol.id, inst.id);
  return { ...attachmentView({ ...vol, ...patch })!, _owned: [vol.id] };
}

export function detachVolume(req: ActionRequest<DetachVolumeRequest>, deps: VolumeDeps): VolumeAttachment & { _owned: string[] } {
  const { store } = deps;
  const { VolumeId, InstanceId, Device, Force } = req.input;
  const vol = volumeRow(store, VolumeId);
  if (InstanceId !== undefined) assertIds("i", [InstanceId], "InstanceId");
  if (vol.state !== "in-use" || !vol.instanceId) throw invalidState("volume", `Volume '${vol.id}' is in the '${vol.state}' state.`);
  if ((InstanceId !== undefined && InstanceId !== vol.instanceId) || (Device !== undefined && Device !== vol.device)) throw attachmentGone(vol.id, InstanceId);
  const inst = store.instances.get(vol.instanceId);
  if (inst?.rootVolumeId === vol.id) {
    if (inst.state !== "stopped") throw invalidState("volume", `Unable to detach root volume '${vol.id}' from instance '${inst.id}'`);
    throw unsupported(`Hive cannot swap root volumes yet: ${vol.id} stays the root volume of ${inst.id}`);
  }
  if (vol.attachState === "detaching" && !Force) return { ...attachmentView(vol)!, _owned: [vol.id] };
  store.volumes.update(vol.id, { attachState: "detaching" });
  void unplug(deps, vol.id, vol.instanceId, Force === true);
  return { ...attachmentView({ ...vol, attachState: "detaching" })!, _owned: [vol.id] };
}

/** Plugs an `attaching` volume into its running guest; any failure rolls the attachment back. */
async function plug(deps: VolumeDeps, volumeId: string, instanceId: string): Promise<void> {
  const { store, blocks, guests, log } = deps;
  await guests.withGuest(instanceId, async (vm) => {
    const row = store.volumes.get(volumeId);
    if (!row || row.instanceId !== instanceId || row.attachState !== "attaching") return;
    // The instance stopped meanwhile: the disk goes in at its next start.
    if (!vm) return void store.volumes.update(volumeId, { attachState: "attached" });
    try {
      await deps.copies.get(volumeId)?.catch(() => undefined);
      await attachDisk(vm.qmp, await dataDisk(deps, row));
      store.volumes.update(volumeId, { attachState: "attached" });
      log(`volume ${volumeId}: attached to ${instanceId} as ${row.device}`);
    } catch (err) {
      log(`volume ${volumeId}: attaching to ${instanceId} failed, rolled back: ${err instanceof Error ? err.message : String(err)}`);
      await blocks.unmount(volumeId, { force: true }).catch(() => undefined);
      store.volumes.update(volumeId, { state: "available", instanceId: null, device: null, attachTime: null, attachState: null });
    }
  }).catch((err: unknown) => log(`volume ${volumeId}: ${String(err)}`));
}

/** Pulls a `detaching` volume out of its guest (if one runs) and frees it; a guest that holds on keeps it detaching unless forced. */
async function unplug(deps: VolumeDeps, volumeId: string, instanceId: string, force: boolean): Promise<void> {
  const { store, blocks, guests, log } = deps;
  await guests.withGuest(instanceId, async (vm) => {
    const row = store.volumes.get(volumeId);
    if (!row || row.instanceId !== instanceId || row.attachState !== "detaching") return;
    if (vm) {
      const outcome = await detachDisk(vm.qmp, volumeId, { timeoutMs: force ? FORCED_UNPLUG_TIMEOUT_MS : UNPLUG_TIMEOUT_MS, force });
      if (outcome === "pending" && !force) {
        log(`volume ${volumeId}: ${instanceId} has not released ${row.device}; it stays detaching (DetachVolume --force ends it)`);
        return;
      }
    }
    await blocks.unmount(volumeId, { force: true });
    store.volumes.update(volumeId, { state: "available", instanceId: null, device: null, attachTime: null, attachState: null });
    log(`volume ${volumeId}: detached from ${instanceId}`);
  }).catch((err: unknown) => log(`volume ${volumeId}: detaching failed: ${String(err)}`));
}

/** Exports the volume and says how the guest's QEMU reaches it, with its limits. */
async function dataDisk(deps: Pick<VolumeDeps, "blocks">, row: VolumeRecord): Promise<DataDisk> {
  const where = await deps.blocks.mount(row.id);
  return { volumeId: row.id, nbdSocket: where.socket, exportName: where.exportName, throttle: throttleOf(row) };
}

/**
 * The data volumes to plug at an instance's start (made with it by RunInstances, attached while it was stopped, or
 * before a restart), exported; those made with it get their files first.
 */
export async function dataDisksAtStart(deps: Pick<VolumeDeps, "store" | "blocks">, instanceId: string, rootVolumeId: string | undefined): Promise<DataDisk[]> {
  const out: DataDisk[] = [];
  for (let row of deps.store.volumes.forInstance(instanceId)) {
    if (row.id === rootVolumeId) continue;
    if (row.state === "creating") row = await createLaunchVolume(deps, row);
    if (row.state !== "in-use") continue;
    if (row.attachState === "detaching") {
      // Asked to go while the guest was down: it is free now.
      deps.store.volumes.update(row.id, { state: "available", instanceId: null, device: null, attachTime: null, attachState: null });
      continue;
    }
    out.push(await dataDisk(deps, row));
    if (row.attachState !== "attached") deps.store.volumes.update(row.id, { attachState: "attached" });
  }
  return out;
}

/** A data volume RunInstances recorded: its file (blank, or an overlay on its snapshot) is made at the first start. */
async function createLaunchVolume(deps: Pick<VolumeDeps, "store" | "blocks">, row: VolumeRecord): Promise<VolumeRecord> {
  const { store, blocks } = deps;
  const snapshot = row.snapshotId ? store.snapshots.get(row.snapshotId) : undefined;
  if (row.snapshotId && !snapshot) throw new HiveError({ kind: "Internal", resource: "volume", message: `snapshot ${row.snapshotId} of ${row.id} is gone` });
  // A file left by a launch that died after making it is reused rather than made twice.
  if (!existsSync(path.join(blocks.daemon.paths.dataDir, row.file))) {
    await blocks.createVolume({ id: row.id, sizeGiB: row.sizeGiB, backingFile: snapshot ? path.join(blocks.daemon.paths.dataDir, snapshot.file) : undefined });
  }
  store.volumes.update(row.id, { state: "in-use", attachState: "attached" });
  return store.volumes.get(row.id)!;
}

/** After a restart: plugs and unplugs left half done (hive was killed between the record and the guest) are finished. */
export async function recoverAttachments(deps: VolumeDeps): Promise<void> {
  const { store, guests } = deps;
  for (const row of store.volumes.list()) {
    if (row.state !== "in-use" || !row.instanceId || (row.attachState !== "attaching" && row.attachState !== "detaching")) continue;
    const instanceId = row.instanceId;
    const plugged = await guests.withGuest(instanceId, async (vm) => (vm ? (await pluggedDisks(vm.qmp)).includes(row.id) : undefined));
    if (row.attachState === "attaching") {
      if (plugged === true) store.volumes.update(row.id, { attachState: "attached" });
      else await plug(deps, row.id, instanceId);
    } else {
      await unplug(deps, row.id, instanceId, false);
    }
  }
}
