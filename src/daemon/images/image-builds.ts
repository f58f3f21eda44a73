// AMIs made on this node from what it already holds: CreateImage (an instance's root volume), RegisterImage (a file in
// the data directory), CopyImage (another AMI); and DeregisterImage. The row is `pending` at once, the copy runs behind.
import type { CopyImageRequest, CreateImageRequest, DeregisterImageRequest, RegisterImageRequest } from "@aws-sdk/client-ec2";
import { lstatSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { ActionRequest } from "../../bus/index.ts";
import { snapshotRelPath, type BlockService, type SnapshotJob } from "../../ebs/index.ts";
import { HiveError, invalidParameter, invalidState, notFound } from "../../errors/index.ts";
import { imageFile, imageFileRel, imagesTmpDir, importImage, qemuImgInfo, removeImageFile } from "../../images/index.ts";
import type { ImageBlockDeviceRecord, ImageRecord, Store, VolumeRecord } from "../../store/index.ts";
import { imageMappings, recordImageSnapshot } from "./image-snapshots.ts";
import type { DaemonContext } from "../shared/index.ts";
import { releaseImageIfUnused } from "./image-files.ts";
import { checkImageDescription, checkImageName, imageTagsOf } from "./image-rules.ts";
import { assertIds, isId, newId } from "../shared/index.ts";

/** What CreateImage needs of the lifecycle engine (instances depend on images, not the other way round). */
export interface GuestPauser {
  withGuestPaused<T>(id: string, pause: boolean, fn: (resume: () => Promise<void>) => Promise<T>): Promise<T>;
}

export interface ImageBuildDeps {
  ctx: DaemonContext;
  store: Store;
  blocks: BlockService;
  /** The instance lifecycle engine: runs a copy in the instance's operation queue, the guest paused if asked. */
  manager: GuestPauser;
  log: (line: string) => void;
  /** Settles once start-up recovery has cleared images/tmp and failed the pending rows of the previous run. */
  recovered?: Promise<void>;
}

type Owned<T> = T & { _owned: string[] };
/** Where an image's root snapshot came from, for DescribeSnapshots. */
type SnapshotOrigin = { volumeId?: string; description: string };
/** What a build leaves besides the root disk: the image's data devices. */
type Finish = { devices: ImageBlockDeviceRecord[] };

export interface ImageBuilds {
  createImage(req: ActionRequest<CreateImageRequest>): Owned<{ ImageId?: string }>;
  registerImage(req: ActionRequest<RegisterImageRequest>): { ImageId: string };
  copyImage(req: ActionRequest<CopyImageRequest>): Owned<{ ImageId?: string }>;
  deregisterImage(req: ActionRequest<DeregisterImageRequest>): { _owned: string[] };
  /** Settles when every copy running now has ended (available or failed). */
  settled(): Promise<void>;
  /** Cancels running copies (their images end failed, guests resumed) and waits for them. */
  stop(): Promise<void>;
}

const ROOT_DEVICE = "/dev/xvda";
const DEVICE_NAME = /^\/dev\/(?:xvd|sd|vd|hd)[a-z][0-9]{0,2}$/;
const imageGone = (id: string) => notFound("image", `The image id '[${id}]' does not exist`, "ImageId");
const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Where RegisterImage's ImageLocation points: a volume this node holds, or a file directly under images/. */
type Location = { kind: "volume"; volumeId: string } | { kind: "file"; file: string };

export function imageBuilds(deps: ImageBuildDeps): ImageBuilds {
  const { ctx, store, blocks, manager, log } = deps;
  const running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let stopping = false;

  /** Inserts the pending row with its tags, in one transaction, after the name check (no await in between). */
  const register = (
    fields: Pick<ImageRecord, "name" | "description" | "rootDeviceName" | "source">,
    tags: Array<{ key: string; value: string }>,
    ready?: { file: string; sizeBytes: number; snapshotId: string; devices: Array<Omit<ImageBlockDeviceRecord, "imageId">> },
  ): string => {
    const clash = store.images.byName(fields.name);
    if (clash) {
      throw new HiveError({ kind: "Conflict", resource: "image-name", param: "Name", message: `AMI name ${fields.name} is already in use by AMI ${clash.id}` });
    }
    if (stopping) throw new HiveError({ kind: "Unavailable", message: "this node is shutting down" });
    const id = newId("ami");
    store.transaction(() => {
      store.images.insert({
        id,
        name: fields.name,
        ...(fields.description !== undefined ? { description: fields.description } : {}),
        state: ready ? "available" : "pending",
        architecture: "x86_64",
        rootDeviceName: fields.rootDeviceName,
        sizeBytes: ready?.sizeBytes ?? 0,
        file: ready?.file ?? imageFileRel(id),
        ...(ready ? { snapshotId: ready.snapshotId } : {}),
        ...(fields.source !== undefined ? { source: fields.source } : {}),
        node: ctx.node,
        ownerId: ctx.accountId,
        createdAt: new Date().toISOString(),
      });
      store.tags.put(tags.map((t) => ({ resourceId: id, resourceType: "image", ...t })));
      if (ready) store.images.putBlockDevices(ready.devices.map((d) => ({ ...d, imageId: id })));
    });
    return id;
  };

  /**
   * Runs `produce` (which leaves the disk at images/<id>.qcow2) in the background, then marks the image available
   * with its size; on failure, or when it was deregistered meanwhile, the file goes and a pending row becomes failed.
   */
  const build = (imageId: string, what: string, origin: SnapshotOrigin, produce: (signal: AbortSignal) => Promise<Finish | void>): void => {
    const abort = new AbortController();
    const t0 = performance.now();
    const run = async (): Promise<void> => {
      try {
        await deps.recovered;
        const finish = await produce(abort.signal);
        const info = await qemuImgInfo(imageFile(ctx.dataDir, imageId));
        if (info.format !== "qcow2") throw new Error(`the copy is ${info.format}, not qcow2`);
        if (store.images.get(imageId)?.state !== "pending") throw new Error("the image was deregistered while it was being made");
        store.transaction(() => {
          store.images.setSize(imageId, info.virtualSize);
          store.images.setState(imageId, "available");
          // The root device's snapshot is the image's file; data devices were snapshotted beside it.
          recordImageSnapshot(ctx, store, imageId, origin);
          if (finish?.devices.length) store.images.putBlockDevices(finish.devices);
        });
        log(`image ${imageId}: available (${what}, ${Math.round(performance.now() - t0)} ms)`);
      } catch (err) {
        log(`image ${imageId}: ${what} failed after ${Math.round(performance.now() - t0)} ms: ${reasonOf(err)}`);
        try {
          if (store.images.get(imageId)?.state === "pending") store.images.setState(imageId, "failed");
        } catch {
          // The store closed under us (shutdown): the next start marks the row failed.
        }
        await removeImageFile(ctx.dataDir, imageId).catch(() => undefined);
      }
    };
    const done = run().finally(() => running.delete(imageId));
    running.set(imageId, { abort, done });
  };

  /** Copies volume `volumeId` into images/<imageId>.qcow2 through a scratch file, pausing `instanceId` if asked. */
  const copyVolumeInto = async (
    imageId: string,
    volumeId: string,
    signal: AbortSignal,
    instanceId?: string,
    pause = false,
    alsoFix: () => Promise<void> = async () => undefined,
  ): Promise<{ pausedMs: number }> => {
    await mkdir(imagesTmpDir(ctx.dataDir), { recursive: true, mode: 0o700 });
    const work = await mkdtemp(path.join(imagesTmpDir(ctx.dataDir), `${imageId}-`));
    let pausedMs = 0;
    try {
      const out = path.join(work, "out.qcow2");
      const copy = async (resume: () => Promise<void>): Promise<void> => {
        const t0 = performance.now();
        const started = await blocks.copyVolume(volumeId, out, { signal });
        await alsoFix();
        // The copies' content is fixed now; the guest may run again while the jobs copy.
        await resume();
        pausedMs = performance.now() - t0;
        await started.done;
      };
      if (instanceId) await manager.withGuestPaused(instanceId, pause, copy);
      else await copy(async () => undefined);
      await rename(out, imageFile(ctx.dataDir, imageId));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    return { pausedMs: pause ? pausedMs : 0 };
  };

  /** RegisterImage's ImageLocation: relative to the data directory, directly under images/ or volumes/, no links. */
  const locate = (location: string | undefined): Location => {
    const param = "ImageLocation";
    if (typeof location !== "string" || location === "") {
      throw invalidParameter(param, "ImageLocation is required: a file under images/ or volumes/ of the data directory, e.g. volumes/vol-0123456789abcdef0.qcow2");
    }
    const parts = path.posix.normalize(location).split("/");
    if (path.isAbsolute(location) || location.includes("\0") || parts.length !== 2 || !["images", "volumes"].includes(parts[0]!) || parts[1] === "..") {
      throw invalidParameter(param, `ImageLocation must name a file directly under images/ or volumes/ of the data directory, not ${location.slice(0, 256)}`);
    }
    const [dir, name] = parts as [string, string];
    if (dir === "volumes") {
      const volumeId = /^(.+)\.qcow2$/.exec(name)?.[1] ?? "";
      const vol = isId("vol", volumeId) ? store.volumes.get(volumeId) : undefined;
      if (!vol || vol.state === "deleted" || vol.state === "deleting" || vol.state === "creating") {
        throw invalidParameter(param, `${location} is not a volume of this node`);
      }
      return { kind: "volume", volumeId };
    }
    if (name === "tmp") throw invalidParameter(param, "images/tmp holds imports in flight, not images");
    const known = /^(ami-[0-9a-f]+)\.qcow2$/.exec(name)?.[1];
    const rec = known ? store.images.get(known) : undefined;
    if (rec && rec.state !== "available") throw invalidParameter(param, `${location} belongs to ${rec.id}, which is ${rec.state}`);
    const file = path.join(ctx.dataDir, dir, name);
    let st;
    try {
      st = lstatSync(file);
    } catch {
      // reported below
    }
    // A link would let a caller copy any file of this host into an AMI.
    if (!st?.isFile()) throw invalidParameter(param, `${location} is not a regular file in the data directory`);
    return { kind: "file", file };
  };

  const instanceOf = (req: ActionRequest<CreateImageRequest>) => {
    const id = req.input.InstanceId ?? "";
    assertIds("i", [id], "InstanceId");
    const rec = store.instances.get(id);
    if (!rec && req.nodes === 1) throw notFound("instance", `The instance ID '${id}' does not exist`, "InstanceId");
    return rec;
  };

  return {
    createImage(req) {
      const inst = instanceOf(req);
      if (!inst) return { _owned: [] };
      const input = req.input;
      const name = checkImageName(input.Name);
      const description = checkImageDescription(input.Description);
      // Tags for the snapshots are accepted and not applied (the image's snapshots are made behind the answer).
      const tags = imageTagsOf(input.TagSpecifications, ["snapshot"]);
      if ((input.BlockDeviceMappings ?? []).length > 0) {
        throw invalidParameter("BlockDeviceMapping", "Hive images hold the root volume only; leave BlockDeviceMappings out", "block-device-mapping");
      }
      if (inst.state !== "running" && inst.state !== "stopped") {
        throw invalidState("instance", `The instance '${inst.id}' is not in a state from which an image can be created (it is ${inst.state}).`);
      }
      const root = inst.rootVolumeId ? store.volumes.get(inst.rootVolumeId) : undefined;
      if (!root || root.state === "creating" || root.state === "deleted" || root.state === "deleting") {
        throw invalidState("instance", `The instance '${inst.id}' has no root volume to make an image of.`);
      }
      const imageId = register({ name, description, rootDeviceName: inst.rootDeviceName || ROOT_DEVICE, source: inst.id }, tags);
      // EC2 reboots to get a clean disk; Hive pauses the guest while the copy's point in time is taken (see README).
      const pause = input.NoReboot !== true && inst.state === "running";
      // Data volumes attached now become the image's other devices, each a snapshot fixed in the same pause as the root.
      const data = store.volumes.forInstance(inst.id).filter((v) => v.id !== root.id && v.state === "in-use" && v.attachState !== "detaching");
      const origin = { volumeId: root.id, description: `Created by CreateImage(${inst.id}) for ${imageId}` };
      build(imageId, `CreateImage from ${inst.id}${pause ? "" : " (no pause)"}`, origin, async (signal) => {
        const snapshots: Array<{ volume: VolumeRecord; id: string; job: SnapshotJob }> = [];
        const alsoFix = async (): Promise<void> => {
          for (const volume of data) {
            const id = newId("snap");
            snapshots.push({ volume, id, job: await blocks.snapshotVolume(volume.id, id, { signal }) });
          }
        };
        try {
          const { pausedMs } = await copyVolumeInto(imageId, root.id, signal, inst.id, pause, alsoFix);
          if (pause) log(`image ${imageId}: guest ${inst.id} was paused for ${Math.round(pausedMs)} ms`);
          const devices: ImageBlockDeviceRecord[] = [];
          for (const { volume, id, job } of snapshots) {
            const { allocatedBytes } = await job.done;
            store.snapshots.insert({
              id,
              volumeId: volume.id,
              volumeSizeGiB: volume.sizeGiB,
              state: "completed",
              progress: 100,
              description: `Created by CreateImage(${inst.id}) for ${imageId}`,
              file: job.file,
              allocatedBytes,
              node: ctx.node,
              ownerId: ctx.accountId,
              createdAt: new Date().toISOString(),
            });
            devices.push({ imageId, deviceName: volume.device!, snapshotId: id, volumeSizeGiB: volume.sizeGiB, volumeType: volume.volumeType, iops: volume.iops, throughput: volume.throughput, deleteOnTermination: true });
          }
          return { devices };
        } catch (err) {
          // Whatever was copied of the data volumes goes with the failed image.
          for (const { job } of snapshots) await job.done.catch(() => undefined);
          for (const { id } of snapshots) if (!store.snapshots.get(id)) await rm(path.join(ctx.dataDir, snapshotRelPath(id)), { force: true });
          throw err;
        }
      });
      return { ImageId: imageId, _owned: [inst.id] };
    },

    registerImage(req) {
      const input = req.input;
      const name = checkImageName(input.Name);
      const description = checkImageDescription(input.Description);
      const tags = imageTagsOf(input.TagSpecifications);
      if (input.Architecture !== undefined && input.Architecture !== "x86_64") {
        throw invalidParameter("Architecture", `Hive runs x86_64 images only, not ${input.Architecture}`);
      }
      if (input.VirtualizationType !== undefined && input.VirtualizationType !== "hvm") {
        throw invalidParameter("VirtualizationType", `Hive runs hvm images only, not ${input.VirtualizationType}`);
      }
      if (input.BootMode !== undefined && input.BootMode !== "legacy-bios") {
        throw invalidParameter("BootMode", `Hive guests boot with legacy BIOS only, not ${input.BootMode}`);
      }
      if (input.KernelId || input.RamdiskId) throw invalidParameter("KernelId", "Hive images boot their own kernel; KernelId and RamdiskId are not supported");
      const rootDeviceName = input.RootDeviceName ?? ROOT_DEVICE;
      if (!DEVICE_NAME.test(rootDeviceName)) throw invalidParameter("RootDeviceName", `Invalid device name ${rootDeviceName.slice(0, 64)}`);
      // The EC2 way: the root device is a snapshot (the image shares its file, nothing is copied), data devices beside it.
      const mapped = imageMappings(store, input.BlockDeviceMappings, rootDeviceName);
      if (mapped.root) {
        if (input.ImageLocation) throw invalidParameter("ImageLocation", "Give the root device either as ImageLocation or as a snapshot in BlockDeviceMappings, not both");
        const snap = mapped.root;
        const imageId = register({ name, description, rootDeviceName, source: snap.id }, tags, {
          file: snap.file,
          sizeBytes: Math.max(snap.volumeSizeGiB, mapped.rootSizeGiB ?? 0) * 1024 ** 3,
          snapshotId: snap.id,
          devices: mapped.devices,
        });
        log(`image ${imageId}: registered from snapshot ${snap.id}`);
        return { ImageId: imageId };
      }
      if (mapped.devices.length > 0) {
        throw invalidParameter("BlockDeviceMapping", "Data devices need a root device from a snapshot: map the root device with Ebs.SnapshotId too", "block-device-mapping");
      }
      const where = locate(input.ImageLocation);
      const location = input.ImageLocation ?? "";
      const imageId = register({ name, description, rootDeviceName, source: location }, tags);
      build(imageId, `RegisterImage from ${location}`, { description: `Created for ${imageId} from ${location}` }, async (signal) => {
        if (where.kind === "file") {
          await importImage({ source: where.file, dataDir: ctx.dataDir, imageId, signal });
          return;
        }
        const vol = store.volumes.get(where.volumeId);
        const attached = vol?.instanceId && vol.state === "in-use" && store.instances.get(vol.instanceId) ? vol.instanceId : undefined;
        await copyVolumeInto(imageId, where.volumeId, signal, attached, false);
      });
      return { ImageId: imageId };
    },

    copyImage(req) {
      const input = req.input;
      const sourceId = input.SourceImageId ?? "";
      assertIds("ami", [sourceId], "SourceImageId");
      const source = store.images.get(sourceId);
      if (!source || source.state === "deregistered") {
        if (req.nodes === 1) throw notFound("image", `The image id '[${sourceId}]' does not exist`, "SourceImageId");
        return { _owned: [] };
      }
      // In a region every box has the image's row; the box holding its file copies it.
      if (source.node !== ctx.node) return { _owned: [] };
      if (input.SourceRegion !== ctx.region) {
        throw invalidParameter("SourceRegion", `Hive copies images within its region ${ctx.region}; SourceRegion ${String(input.SourceRegion)} is not it`);
      }
      if (input.Encrypted || input.KmsKeyId) throw invalidParameter("Encrypted", "Hive does not encrypt images");
      if (input.DestinationOutpostArn) throw invalidParameter("DestinationOutpostArn", "Hive has no Outposts");
      const name = checkImageName(input.Name);
      const description = checkImageDescription(input.Description);
      const given = imageTagsOf(input.TagSpecifications);
      if (source.state !== "available") throw invalidState("image", `The image '${sourceId}' is ${source.state}; only available images can be copied`);
      const copied = input.CopyImageTags ? store.tags.forResource(sourceId).map((t) => ({ key: t.key, value: t.value })) : [];
      // Tags named in TagSpecifications win over the source's of the same key.
      const tags = [...new Map([...copied, ...given].map((t) => [t.key, t])).values()];
      const imageId = register({ name, description, rootDeviceName: source.rootDeviceName, source: sourceId }, imageTagsOf([{ ResourceType: "image", Tags: tags.map((t) => ({ Key: t.key, Value: t.value })) }]));
      const sourceFile = path.join(ctx.dataDir, source.file);
      build(imageId, `CopyImage of ${sourceId}`, { description: `Copied for DestinationAmi ${imageId} from SourceAmi ${sourceId}` }, async (signal) => {
        await importImage({ source: sourceFile, dataDir: ctx.dataDir, imageId, signal });
      });
      return { ImageId: imageId, _owned: [sourceId] };
    },

    deregisterImage(req) {
      const id = req.input.ImageId ?? "";
      assertIds("ami", [id], "ImageId");
      const rec = store.images.get(id);
      if (!rec || rec.state === "deregistered") {
        if (req.nodes === 1) throw imageGone(id);
        return { _owned: [] };
      }
      // The box holding the file deregisters it; the region's log carries the change to the others' copies.
      if (rec.node !== ctx.node) return { _owned: [] };
      store.transaction(() => {
        store.images.setState(id, "deregistered");
        store.tags.delete(store.tags.forResource(id).map((t) => ({ resourceId: id, key: t.key })));
        // Its public parameters (/aws/service/...) named it alone: they go with it.
        store.publicParameters.removeImage(id);
      });
      // A copy still making it stops; the build then removes what it wrote.
      running.get(id)?.abort.abort();
      void releaseImageIfUnused(store, ctx.dataDir, id).then(
        (released) => log(`image ${id}: deregistered; ${released ? "file removed" : "file kept while volumes use it"}`),
        (err: unknown) => log(`image ${id}: could not remove its file: ${reasonOf(err)}`),
      );
      return { _owned: [id] };
    },

    async settled() {
      await Promise.all([...running.values()].map((r) => r.done));
    },

    async stop() {
      stopping = true;
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}
