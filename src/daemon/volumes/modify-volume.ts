// ModifyVolume: grow a volume and change its type, IOPS or throughput, online. The file grows in the storage daemon,
// a running guest sees the new size and limits through QMP; DescribeVolumesModifications follows the progress.
import type { ModifyVolumeRequest, ModifyVolumeResult } from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { invalidParameter, invalidState, unsupported } from "../../errors/index.ts";
import type { VolumeModificationRecord } from "../../store/index.ts";
import { resizeDisk, setDiskThrottle } from "../../vm/index.ts";
import { now, throttleOf, type VolumeDeps } from "./volume-deps.ts";
import { checkVolumeShape, volumeType } from "./volume-types.ts";
import { modificationView } from "./volume-view.ts";
import { volumeRow } from "./volumes.ts";

const GiB = 1024 ** 3;

export function modifyVolume(req: ActionRequest<ModifyVolumeRequest>, deps: VolumeDeps): ModifyVolumeResult & { _owned: string[] } {
  const { store, blocks } = deps;
  const input = req.input;
  const vol = volumeRow(store, input.VolumeId);
  if (input.MultiAttachEnabled) throw unsupported("Hive volumes attach to one instance at a time: leave MultiAttachEnabled out");
  if (vol.state !== "available" && vol.state !== "in-use") throw invalidState("volume", `The volume '${vol.id}' is ${vol.state}.`);
  const prev = store.snapshots.modifications.get(vol.id);
  if (prev && (prev.state === "modifying" || prev.state === "optimizing")) {
    throw invalidState("volume-modification", `Volume ${vol.id} is already being modified (${prev.state}).`);
  }
  const sizeGiB = input.Size ?? vol.sizeGiB;
  if (sizeGiB < vol.sizeGiB) throw invalidParameter("Size", `New size cannot be smaller than existing size (${vol.sizeGiB}GiB); volumes only grow.`);
  const type = volumeType(input.VolumeType ?? vol.volumeType);
  const sameType = type === vol.volumeType;
  const target = checkVolumeShape({
    type,
    sizeGiB,
    iops: input.Iops ?? (sameType ? vol.iops : undefined),
    throughput: input.Throughput ?? (sameType ? vol.throughput : undefined),
  });
  if (target.sizeGiB === vol.sizeGiB && type === vol.volumeType && target.iops === vol.iops && target.throughput === vol.throughput) {
    throw invalidParameter("VolumeId", `Volume ${vol.id}: the requested size, type, IOPS and throughput are those it has already.`);
  }
  // Refused now rather than failing behind the answer (the block service checks again when it grows the file).
  if (target.sizeGiB > vol.sizeGiB) blocks.assertRoom((target.sizeGiB - vol.sizeGiB) * GiB, "volume");
  const mod: VolumeModificationRecord = {
    volumeId: vol.id,
    state: "modifying",
    progress: 0,
    originalSizeGiB: vol.sizeGiB,
    originalType: vol.volumeType,
    originalIops: vol.iops,
    originalThroughput: vol.throughput,
    targetSizeGiB: target.sizeGiB,
    targetType: target.type,
    targetIops: target.iops,
    targetThroughput: target.throughput,
    startTime: now(),
  };
  store.snapshots.modifications.put(mod);
  void applyModification(deps, vol.id);
  return { VolumeModification: modificationView(mod), _owned: [vol.id] };
}

/** Carries a recorded modification out: grow the file, update the row, tell a running guest; idempotent, so a restart re-runs it. */
export async function applyModification(deps: VolumeDeps, volumeId: string): Promise<void> {
  const { store, blocks, guests, log } = deps;
  const mod = store.snapshots.modifications.get(volumeId);
  const vol = store.volumes.get(volumeId);
  if (!mod || !vol || (mod.state !== "modifying" && mod.state !== "optimizing")) return;
  try {
    if (mod.targetSizeGiB > vol.sizeGiB) await blocks.resizeVolume(volumeId, mod.targetSizeGiB);
    store.volumes.update(volumeId, { sizeGiB: mod.targetSizeGiB, volumeType: mod.targetType, iops: mod.targetIops ?? null, throughput: mod.targetThroughput ?? null });
    // EC2: the new size is usable from "optimizing"; the rest of the change completes behind it.
    store.snapshots.modifications.update(volumeId, { state: "optimizing", progress: 50 });
    const row = store.volumes.get(volumeId)!;
    if (row.state === "in-use" && row.instanceId && row.attachState !== "detaching") {
      await guests.withGuest(row.instanceId, async (vm) => {
        if (!vm) return;
        if (mod.targetSizeGiB > mod.originalSizeGiB) {
          const where = await blocks.mount(volumeId);
          await resizeDisk(vm.qmp, volumeId, mod.targetSizeGiB * GiB, { nbdSocket: where.socket, exportName: where.exportName });
        }
        await setDiskThrottle(vm.qmp, volumeId, throttleOf(row));
      });
    }
    store.snapshots.modifications.update(volumeId, { state: "completed", progress: 100, endTime: now() });
    log(`volume ${volumeId}: modified to ${mod.targetSizeGiB} GiB ${mod.targetType}`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`volume ${volumeId}: modification failed: ${message}`);
    store.snapshots.modifications.update(volumeId, { state: "failed", statusMessage: message.slice(0, 255), endTime: now() });
  }
}

/** After a restart: modifications left in progress are carried out again (each step is safe to repeat). */
export async function recoverModifications(deps: VolumeDeps): Promise<void> {
  for (const m of deps.store.snapshots.modifications.list()) {
    if (m.state === "modifying" || m.state === "optimizing") await applyModification(deps, m.volumeId);
  }
}
