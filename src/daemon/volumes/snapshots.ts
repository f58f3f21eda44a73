// CreateSnapshot, CopySnapshot, DeleteSnapshot and DescribeSnapshots: point-in-time copies of this node's volumes,
// each a standalone qcow2; a volume made from one overlays its file, so the file stays until the last such volume goes.
import type {
  CopySnapshotRequest,
  CopySnapshotResult,
  CreateSnapshotRequest,
  DeleteSnapshotRequest,
  DescribeSnapshotsRequest,
  Snapshot,
} from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { snapshotRelPath, type SnapshotJob } from "../../ebs/index.ts";
import { HiveError, invalidParameter, invalidState, notFound, unsupported } from "../../errors/index.ts";
import type { SnapshotRecord, Store } from "../../store/index.ts";
import { NO_VOLUME, releaseFileIfUnused } from "../images/index.ts";
import { applyFilters, assertIds, newId, specTags, tagFilters, type FilterFields } from "../shared/index.ts";
import { now, type VolumeDeps } from "./volume-deps.ts";
import { snapshotView } from "./volume-view.ts";
import { heldRows, volumeRow } from "./volumes.ts";

const MAX_DESCRIPTION = 255;

const snapshotGone = (id: string, param = "SnapshotId") => notFound("snapshot", `The snapshot '${id}' does not exist.`, param);

function snapshotRow(store: Store, id: string | undefined, param = "SnapshotId"): SnapshotRecord {
  assertIds("snap", id === undefined ? undefined : [id], param);
  const row = id ? store.snapshots.get(id) : undefined;
  if (!row || row.state === "deleted") throw snapshotGone(id ?? "", param);
  return row;
}

function description(text: string | undefined): string {
  if (text !== undefined && text.length > MAX_DESCRIPTION) {
    throw invalidParameter("Description", `Value for parameter description is invalid: at most ${MAX_DESCRIPTION} characters.`);
  }
  return text ?? "";
}

/** Snapshot jobs running now, by snapshot id: their progress is read live. */
export type SnapshotJobs = Map<string, SnapshotJob>;

/** Follows a started job: `completed` with its size when done, `error` (file gone) when not. */
function follow(deps: VolumeDeps, jobs: SnapshotJobs, id: string, job: SnapshotJob): void {
  jobs.set(id, job);
  job.done
    .then(({ allocatedBytes }) => {
      deps.store.snapshots.update(id, { state: "completed", progress: 100, allocatedBytes });
      deps.log(`snapshot ${id}: completed`);
    }, (err: unknown) => fail(deps, id, err))
    .finally(() => jobs.delete(id));
}

function fail(deps: VolumeDeps, id: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  deps.log(`snapshot ${id}: failed: ${message}`);
  try {
    deps.store.snapshots.update(id, { state: "error", stateMessage: message.slice(0, 255), progress: 0 });
  } catch {
    // The store closed under us (shutdown): the next start marks the row error.
  }
}

export async function createSnapshot(req: ActionRequest<CreateSnapshotRequest>, deps: VolumeDeps, jobs: SnapshotJobs): Promise<Snapshot & { _owned: string[] }> {
  const { ctx, store, blocks } = deps;
  const input = req.input;
  const vol = volumeRow(store, input.VolumeId);
  if (input.OutpostArn) throw invalidParameter("OutpostArn", "Hive has no Outposts: leave OutpostArn out");
  if (input.Location) throw unsupported("Hive keeps snapshots on the box: leave Location out");
  if (vol.state !== "available" && vol.state !== "in-use") throw invalidState("volume", `The volume '${vol.id}' is ${vol.state}.`);
  const text = description(input.Description);
  const id = newId("snap");
  const tags = specTags(input.TagSpecifications, "snapshot", id);
  // Resolves once the content is fixed: what the guest writes from now on is not in the snapshot. A volume no guest
  // has open is copied whole first (nothing writes it meanwhile; an attach waits for the copy, see attachments.ts).
  const starting = blocks.snapshotVolume(vol.id, id);
  const attached = vol.state === "in-use";
  const job = attached ? await starting : undefined;
  const row: SnapshotRecord = {
    id,
    volumeId: vol.id,
    volumeSizeGiB: vol.sizeGiB,
    state: "pending",
    progress: 0,
    description: text,
    file: snapshotRelPath(id),
    node: ctx.node,
    ownerId: ctx.accountId,
    createdAt: now(),
  };
  store.snapshots.insert(row, tags);
  if (job) follow(deps, jobs, id, job);
  else {
    deps.copies.set(vol.id, starting);
    starting.then((j) => follow(deps, jobs, id, j), (err: unknown) => fail(deps, id, err)).finally(() => {
      if (deps.copies.get(vol.id) === starting) deps.copies.delete(vol.id);
    });
  }
  return { ...snapshotView(row, tags), _owned: [vol.id] };
}

export async function copySnapshot(req: ActionRequest<CopySnapshotRequest>, deps: VolumeDeps, jobs: SnapshotJobs): Promise<CopySnapshotResult & { _owned: string[] }> {
  const { ctx, store, blocks } = deps;
  const input = req.input;
  const src = snapshotRow(store, input.SourceSnapshotId, "SourceSnapshotId");
  if (input.SourceRegion !== undefined && input.SourceRegion !== req.region) {
    throw invalidParameter("SourceRegion", `Hive copies snapshots within its own region (${req.region}), not from ${input.SourceRegion}`);
  }
  if (input.DestinationRegion !== undefined && input.DestinationRegion !== req.region) {
    throw invalidParameter("DestinationRegion", `Hive copies snapshots within its own region (${req.region})`);
  }
  if (input.Encrypted) throw unsupported("Hive does not encrypt snapshots yet: leave Encrypted out (or false)");
  if (input.KmsKeyId) throw unsupported("Hive does not encrypt snapshots yet: leave KmsKeyId out");
  if (input.PresignedUrl) throw unsupported("Hive copies snapshots within its own region: leave PresignedUrl out");
  if (input.DestinationOutpostArn) throw invalidParameter("DestinationOutpostArn", "Hive has no Outposts: leave DestinationOutpostArn out");
  if (input.CompletionDurationMinutes !== undefined) throw unsupported("Hive does not schedule copies: leave CompletionDurationMinutes out");
  if (src.state !== "completed") throw invalidState("snapshot", `Snapshot is in invalid state - ${src.state}`);
  const text = description(input.Description ?? `[Copied ${src.id} from ${req.region}]`);
  const id = newId("snap");
  const tags = specTags(input.TagSpecifications, "snapshot", id);
  const job = await blocks.copySnapshot(src.file, id);
  const row: SnapshotRecord = {
    id,
    volumeId: NO_VOLUME,
    volumeSizeGiB: src.volumeSizeGiB,
    state: "pending",
    progress: 0,
    description: text,
    file: job.file,
    sourceSnapshotId: src.id,
    node: ctx.node,
    ownerId: ctx.accountId,
    createdAt: now(),
  };
  store.snapshots.insert(row, tags);
  follow(deps, jobs, id, job);
  return { SnapshotId: id, Tags: tags.map((t) => ({ Key: t.key, Value: t.value })), _owned: [src.id] };
}

export async function deleteSnapshot(req: ActionRequest<DeleteSnapshotRequest>, deps: VolumeDeps): Promise<object> {
  const { ctx, store } = deps;
  const snap = snapshotRow(store, req.input.SnapshotId);
  const images = store.images.usingSnapshot(snap.id);
  if (images.length > 0) {
    throw new HiveError({ kind: "Conflict", resource: "snapshot-in-use", param: "SnapshotId", message: `The snapshot ${snap.id} is currently in use by ${images[0]}` });
  }
  if (snap.state === "pending") throw invalidState("snapshot", `The snapshot '${snap.id}' is still pending; delete it once it completes.`);
  store.transaction(() => {
    store.snapshots.update(snap.id, { state: "deleted", clientToken: null });
    store.tags.delete(store.tags.forResource(snap.id).map((t) => ({ resourceId: t.resourceId, key: t.key })));
  });
  // Volumes made from it overlay its file: the file (and the row, hidden) stays until the last of them goes. The
  // removal runs behind the answer; a restart releases what it did not finish (releaseUnusedFiles).
  void releaseFileIfUnused(store, ctx.dataDir, snap.file).catch((err: unknown) => deps.log(`snapshot ${snap.id}: could not remove its file: ${String(err)}`));
  return { _owned: [snap.id] };
}

const tags = tagFilters<Snapshot>((s) => s.Tags);
const fields: FilterFields<Snapshot> = {
  ...tags.fields,
  "snapshot-id": (s) => s.SnapshotId,
  "volume-id": (s) => s.VolumeId,
  status: (s) => s.State,
  "owner-id": (s) => s.OwnerId,
  "owner-alias": () => undefined,
  description: (s) => s.Description,
  progress: (s) => s.Progress,
  "start-time": (s) => s.StartTime?.toISOString(),
  "volume-size": (s) => s.VolumeSize,
  encrypted: (s) => s.Encrypted,
  "storage-tier": (s) => s.StorageTier,
};

/** OwnerIds / RestorableByUserIds: this account's snapshots are owned by (and restorable by) "self" or its id only. */
function ownersMatch(values: string[] | undefined, accountId: string, extra: string[] = []): boolean {
  if (!values || values.length === 0) return true;
  return values.some((v) => v === "self" || v === accountId || extra.includes(v));
}

export function describeSnapshots(req: ActionRequest<DescribeSnapshotsRequest>, deps: VolumeDeps, jobs: SnapshotJobs) {
  const { ctx, store } = deps;
  const ids = req.input.SnapshotIds;
  assertIds("snap", ids, "SnapshotId");
  let rows = heldRows(store.snapshots.list(), ids, req.nodes, (id) => snapshotGone(id));
  const owned = rows.map((s) => s.id);
  if (!ownersMatch(req.input.OwnerIds, ctx.accountId) || !ownersMatch(req.input.RestorableByUserIds, ctx.accountId, ["all"])) rows = [];
  const t = store.tags.forResources(rows.map((s) => s.id));
  const views = rows.map((s) => {
    const live = s.state === "pending" ? jobs.get(s.id) : undefined;
    return snapshotView(live ? { ...s, progress: Math.min(99, Math.floor(live.progress())) } : s, t.get(s.id));
  });
  return { Snapshots: applyFilters(views, req.input.Filters, fields, tags.dynamic), _owned: owned };
}

/** After a restart: snapshots whose copy died with the previous run are failed (their half-written files are swept). */
export function recoverSnapshots(store: Store, log: (line: string) => void): void {
  for (const s of store.snapshots.list()) {
    if (s.state !== "pending") continue;
    store.snapshots.update(s.id, { state: "error", stateMessage: "interrupted: hive stopped while the snapshot was being copied", progress: 0 });
    log(`snapshot ${s.id}: marked error (its copy was interrupted by a restart)`);
  }
}
