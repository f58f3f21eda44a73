// CreateVolume, DeleteVolume and the volume describes: the EBS volumes this node holds, as EC2 reports them.
import type {
  CreateVolumeRequest,
  DeleteVolumeRequest,
  DescribeVolumeAttributeRequest,
  DescribeVolumeStatusRequest,
  DescribeVolumesModificationsRequest,
  DescribeVolumesRequest,
  EnableVolumeIORequest,
  ModifyVolumeAttributeRequest,
  Volume,
  VolumeModification,
  VolumeStatusItem,
} from "@aws-sdk/client-ec2";
import path from "node:path";
import type { ActionRequest, Room } from "../../bus/index.ts";
import { conflict, invalidParameter, invalidState, notFound, unsupported } from "../../errors/index.ts";
import type { Store, VolumeRecord } from "../../store/index.ts";
import { applyFilters, assertIds, newId, specTags, tagFilters, type FilterFields } from "../shared/index.ts";
import { releaseBackingOf } from "../images/index.ts";
import { now, type VolumeDeps } from "./volume-deps.ts";
import { checkVolumeShape, volumeType } from "./volume-types.ts";
import { modificationView, volumeStatusView, volumeView } from "./volume-view.ts";

const volumeGone = (id: string) => notFound("volume", `The volume '${id}' does not exist.`, "VolumeId");

/** The volume's row, or InvalidVolume.NotFound: a deleted volume is as gone as one never made. */
export function volumeRow(store: Store, id: string | undefined, param = "VolumeId"): VolumeRecord {
  assertIds("vol", id === undefined ? undefined : [id], param);
  const row = id ? store.volumes.get(id) : undefined;
  if (!row || row.state === "deleted") throw volumeGone(id ?? "");
  return row;
}

/**
 * The rows among `all` that `ids` asks for (all of them without ids). A node that answers alone (`nodes` 1) reports an
 * id it lacks as NotFound; in a fan-out another node may hold it, and the gateway reports what nobody holds.
 */
export function heldRows<R extends { id: string }>(all: R[], ids: string[] | undefined, nodes: number | undefined, gone: (id: string) => Error): R[] {
  if (!ids || ids.length === 0) return all;
  const wanted = new Set(ids);
  const rows = all.filter((r) => wanted.has(r.id));
  if (nodes === 1 && rows.length < wanted.size) throw gone(ids.find((id) => !rows.some((r) => r.id === id))!);
  return rows;
}

function selected(req: ActionRequest<{ VolumeIds?: string[] }>, store: Store): VolumeRecord[] {
  assertIds("vol", req.input.VolumeIds, "VolumeId");
  return heldRows(store.volumes.list(), req.input.VolumeIds, req.nodes, volumeGone);
}

const tags = tagFilters<Volume>((v) => v.Tags);
const fields: FilterFields<Volume> = {
  ...tags.fields,
  "volume-id": (v) => v.VolumeId,
  status: (v) => v.State,
  size: (v) => v.Size,
  "volume-type": (v) => v.VolumeType,
  iops: (v) => v.Iops,
  throughput: (v) => v.Throughput,
  "availability-zone": (v) => v.AvailabilityZone,
  "create-time": (v) => v.CreateTime?.toISOString(),
  encrypted: (v) => v.Encrypted,
  "snapshot-id": (v) => v.SnapshotId,
  "multi-attach-enabled": (v) => v.MultiAttachEnabled,
  "attachment.instance-id": (v) => v.Attachments?.map((a) => a.InstanceId),
  "attachment.device": (v) => v.Attachments?.map((a) => a.Device),
  "attachment.status": (v) => v.Attachments?.map((a) => a.State),
  "attachment.attach-time": (v) => v.Attachments?.map((a) => a.AttachTime?.toISOString()),
  "attachment.delete-on-termination": (v) => v.Attachments?.map((a) => a.DeleteOnTermination),
};

export function describeVolumes(req: ActionRequest<DescribeVolumesRequest>, store: Store) {
  const rows = selected(req, store);
  const t = store.tags.forResources(rows.map((v) => v.id));
  return { Volumes: applyFilters(rows.map((v) => volumeView(v, t.get(v.id))), req.input.Filters, fields, tags.dynamic), _owned: rows.map((v) => v.id) };
}

const statusFields: FilterFields<VolumeStatusItem> = {
  "availability-zone": (s) => s.AvailabilityZone,
  "volume-status.status": (s) => s.VolumeStatus?.Status,
  "volume-status.details-name": (s) => s.VolumeStatus?.Details?.map((d) => d.Name),
  "volume-status.details-status": (s) => s.VolumeStatus?.Details?.map((d) => d.Status),
  "event.event-type": (s) => s.Events?.map((e) => e.EventType),
  "action.code": (s) => s.Actions?.map((a) => a.Code),
};

export function describeVolumeStatus(req: ActionRequest<DescribeVolumeStatusRequest>, store: Store) {
  const rows = selected(req, store);
  return { VolumeStatuses: applyFilters(rows.map(volumeStatusView), req.input.Filters, statusFields), _owned: rows.map((v) => v.id) };
}

const modificationFields: FilterFields<VolumeModification> = {
  "volume-id": (m) => m.VolumeId,
  "modification-state": (m) => m.ModificationState,
  "target-size": (m) => m.TargetSize,
  "target-iops": (m) => m.TargetIops,
  "target-volume-type": (m) => m.TargetVolumeType,
  "target-throughput": (m) => m.TargetThroughput,
  "original-size": (m) => m.OriginalSize,
  "original-iops": (m) => m.OriginalIops,
  "original-volume-type": (m) => m.OriginalVolumeType,
  "original-throughput": (m) => m.OriginalThroughput,
  "start-time": (m) => m.StartTime?.toISOString(),
};

export function describeVolumesModifications(req: ActionRequest<DescribeVolumesModificationsRequest>, store: Store) {
  const rows = selected(req, store);
  const mods = rows.flatMap((v) => {
    const m = store.snapshots.modifications.get(v.id);
    return m ? [modificationView(m)] : [];
  });
  return { VolumesModifications: applyFilters(mods, req.input.Filters, modificationFields), _owned: rows.map((v) => v.id) };
}

/** CreateVolume parameters Hive does not build: refused, never ignored. */
function refuseUnbuilt(input: CreateVolumeRequest): void {
  if (input.Encrypted) throw unsupported("Hive does not encrypt volumes yet: leave Encrypted out (or false)");
  if (input.KmsKeyId) throw unsupported("Hive does not encrypt volumes yet: leave KmsKeyId out");
  if (input.OutpostArn) throw invalidParameter("OutpostArn", "Hive has no Outposts: leave OutpostArn out");
  if (input.MultiAttachEnabled) throw unsupported("Hive volumes attach to one instance at a time: leave MultiAttachEnabled out");
}

/** The answer for a ClientToken seen before: the same volume if the call is the same, else EC2's mismatch error. */
function repeatedCall(store: Store, input: CreateVolumeRequest): Volume | undefined {
  const prev = input.ClientToken ? store.volumes.byClientToken(input.ClientToken) : undefined;
  if (!prev) return undefined;
  const same =
    (input.Size === undefined || input.Size === prev.sizeGiB) &&
    (input.SnapshotId ?? "") === (prev.snapshotId ?? "") &&
    (input.VolumeType ?? "gp2") === prev.volumeType;
  if (!same) throw conflict("client-token", `Client token '${input.ClientToken}' was already used with different parameters.`, "ClientToken");
  return volumeView(prev, store.tags.forResource(prev.id));
}

export async function createVolume(req: ActionRequest<CreateVolumeRequest>, deps: VolumeDeps): Promise<Volume> {
  const { ctx, store, blocks } = deps;
  const input = req.input;
  refuseUnbuilt(input);
  const again = repeatedCall(store, input);
  if (again) return again;
  if (input.AvailabilityZone === undefined && input.AvailabilityZoneId === undefined) {
    throw invalidParameter("AvailabilityZone", "The request must contain the parameter AvailabilityZone", "missing-parameter");
  }
  if (input.AvailabilityZone !== undefined && input.AvailabilityZone !== ctx.az) {
    throw invalidParameter("AvailabilityZone", `Invalid availability zone: [${input.AvailabilityZone}]; this box serves ${ctx.az}`);
  }
  if (input.AvailabilityZoneId !== undefined && input.AvailabilityZoneId !== ctx.azId) {
    throw invalidParameter("AvailabilityZoneId", `Invalid availability zone id: [${input.AvailabilityZoneId}]; this box serves ${ctx.azId}`);
  }
  if (input.Size === undefined && input.SnapshotId === undefined) {
    throw invalidParameter("Size", "The request must contain the parameter size or snapshotId", "missing-parameter");
  }
  let snapshotFile: string | undefined;
  let sizeGiB = input.Size;
  if (input.SnapshotId !== undefined) {
    assertIds("snap", [input.SnapshotId], "SnapshotId");
    const snap = store.snapshots.get(input.SnapshotId);
    if (!snap || snap.state === "deleted") throw notFound("snapshot", `The snapshot '${input.SnapshotId}' does not exist.`, "SnapshotId");
    if (snap.state !== "completed") throw invalidState("snapshot", `Snapshot '${snap.id}' is ${snap.state}; a volume can be made of a completed snapshot only`);
    sizeGiB ??= snap.volumeSizeGiB;
    if (sizeGiB < snap.volumeSizeGiB) {
      throw invalidParameter("Size", `Volume of size ${sizeGiB}GB is smaller than snapshot '${snap.id}', expect size >= ${snap.volumeSizeGiB}GB`);
    }
    snapshotFile = snap.file;
  }
  const shape = checkVolumeShape({ type: volumeType(input.VolumeType), sizeGiB: sizeGiB!, iops: input.Iops, throughput: input.Throughput });
  const id = newId("vol");
  const tagRows = specTags(input.TagSpecifications, "volume", id);
  const file = await blocks.createVolume({ id, sizeGiB: shape.sizeGiB, backingFile: snapshotFile ? path.join(ctx.dataDir, snapshotFile) : undefined });
  const row: VolumeRecord = {
    id,
    sizeGiB: file.sizeGiB,
    volumeType: shape.type,
    state: "available",
    az: ctx.az,
    node: ctx.node,
    file: file.file,
    snapshotId: input.SnapshotId,
    createdAt: now(),
    iops: shape.iops,
    throughput: shape.throughput,
    clientToken: input.ClientToken,
    deleteOnTermination: false,
  };
  try {
    store.transaction(() => {
      store.volumes.insert(row);
      store.tags.put(tagRows);
    });
  } catch (err) {
    // Two calls with one ClientToken raced: the first one's volume is the answer, this file is nobody's.
    await blocks.deleteVolume(id).catch(() => undefined);
    const again2 = repeatedCall(store, input);
    if (again2) return again2;
    throw err;
  }
  return volumeView(row, tagRows);
}

export function deleteVolume(req: ActionRequest<DeleteVolumeRequest>, deps: VolumeDeps): object {
  const { store } = deps;
  const row = volumeRow(store, req.input.VolumeId);
  if (row.state === "in-use") {
    throw conflict("volume-in-use", `Volume ${row.id} is currently attached to ${row.instanceId ?? "an instance"}`, "VolumeId");
  }
  // Asked again while its file goes: the same answer, as a retried call expects.
  if (row.state === "deleting") return { _owned: [row.id] };
  if (row.state === "creating") throw invalidState("volume", `The volume '${row.id}' is ${row.state}.`);
  if (store.snapshots.list().some((s) => s.volumeId === row.id && s.state === "pending")) {
    throw invalidState("volume", `The volume '${row.id}' has a snapshot in progress; delete it once the snapshot completes.`);
  }
  // EC2 answers at once and the volume is `deleting` until its file is gone (a restart finishes what this leaves).
  store.volumes.update(row.id, { state: "deleting" });
  void finishDeletion(deps, row);
  return { _owned: [row.id] };
}

/** Unexports and removes a `deleting` volume's file, then the row is `deleted` and what it overlaid may go too. */
async function finishDeletion(deps: VolumeDeps, row: VolumeRecord): Promise<void> {
  const { store, blocks, ctx, log } = deps;
  try {
    await blocks.deleteVolume(row.id);
    store.transaction(() => {
      store.volumes.update(row.id, { state: "deleted", clientToken: null });
      store.tags.delete(store.tags.forResource(row.id).map((t) => ({ resourceId: t.resourceId, key: t.key })));
    });
    await releaseBackingOf(store, ctx.dataDir, row);
  } catch (err) {
    log(`volume ${row.id}: could not be deleted: ${err instanceof Error ? err.message : String(err)}`);
    try {
      store.volumes.update(row.id, { state: "error" });
    } catch {
      // The store closed under us (shutdown): the next start finishes the deletion.
    }
  }
}

export function describeVolumeAttribute(req: ActionRequest<DescribeVolumeAttributeRequest>, store: Store) {
  const row = volumeRow(store, req.input.VolumeId);
  switch (req.input.Attribute) {
    case "autoEnableIO":
      return { VolumeId: row.id, AutoEnableIO: { Value: row.autoEnableIo === true }, _owned: [row.id] };
    case "productCodes":
      return { VolumeId: row.id, ProductCodes: [], _owned: [row.id] };
    default:
      throw invalidParameter("Attribute", `Value (${req.input.Attribute ?? ""}) for parameter attribute is invalid. Valid values: autoEnableIO, productCodes.`);
  }
}

export function modifyVolumeAttribute(req: ActionRequest<ModifyVolumeAttributeRequest>, store: Store) {
  const row = volumeRow(store, req.input.VolumeId);
  const value = req.input.AutoEnableIO?.Value;
  if (value === undefined) throw invalidParameter("AutoEnableIO", "The request must contain the parameter AutoEnableIO", "missing-parameter");
  store.volumes.update(row.id, { autoEnableIo: value });
  return { _owned: [row.id] };
}

/** Hive never suspends a volume's I/O (there is no consistency check that would), so enabling it is already true. */
export function enableVolumeIO(req: ActionRequest<EnableVolumeIORequest>, store: Store) {
  const row = volumeRow(store, req.input.VolumeId);
  return { _owned: [row.id] };
}

/** After a restart: deletions a killed hive left half done are finished (the file may or may not be gone yet). */
export async function recoverDeletions(deps: VolumeDeps): Promise<void> {
  for (const row of deps.store.volumes.list()) {
    if (row.state !== "deleting") continue;
    await finishDeletion(deps, row);
    deps.log(`volume ${row.id}: finished its interrupted deletion`);
  }
}

/** A volume lives in the zone the call names: this node takes it when that is its zone (a call naming none gets its
 * MissingParameter from whichever node answers). */
export function createVolumeRoom(req: ActionRequest<CreateVolumeRequest>, deps: VolumeDeps): Room {
  const { AvailabilityZone: az, AvailabilityZoneId: azId } = req.input;
  if (az === undefined && azId === undefined) return { fits: 1 };
  return { fits: (az === undefined || az === deps.ctx.az) && (azId === undefined || azId === deps.ctx.azId) ? 1 : 0 };
}
