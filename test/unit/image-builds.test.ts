// The image actions' checks and bookkeeping over a real store and data directory: CreateImage's states and names,
// RegisterImage's locations, CopyImage (with real qemu-img), DeregisterImage and when an AMI's file may go.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ActionRequest } from "../../src/bus/index.ts";
import type { BlockService } from "../../src/ebs/index.ts";
import type { DaemonContext } from "../../src/daemon/index.ts";
import { imageBuilds, type ImageBuilds } from "../../src/daemon/images/index.ts";
import { releaseImageIfUnused, releaseUnusedFiles } from "../../src/daemon/images/index.ts";
import type { InstanceManager } from "../../src/daemon/instances/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { openStore, type ImageRecord, type InstanceRecord, type Store, type VolumeRecord } from "../../src/store/index.ts";

const AMI = "ami-0123456789abcdef0";
const now = new Date().toISOString();

const req = <I>(input: I, nodes = 1): ActionRequest<I> => ({
  requestId: "r-1",
  caller: { accountId: "123456789012", arn: "arn:aws:iam::123456789012:root", userId: "123456789012" } as ActionRequest["caller"],
  region: "us-east-1",
  input,
  nodes,
});

const rejects = (kind: string, message: RegExp, resource?: string) => (err: unknown) => {
  assert.ok(err instanceof HiveError, String(err));
  assert.equal(err.kind, kind, err.message);
  assert.match(err.message, message);
  if (resource) assert.equal(err.resource, resource);
  return true;
};

describe("image actions", () => {
  let dir: string;
  let store: Store;
  let builds: ImageBuilds;
  const logs: string[] = [];

  const image = (over: Partial<ImageRecord> = {}): ImageRecord => ({
    id: AMI, name: "base", state: "available", architecture: "x86_64", rootDeviceName: "/dev/xvda", sizeBytes: 64 << 20,
    file: `images/${over.id ?? AMI}.qcow2`, node: "node-1", ownerId: "123456789012", createdAt: now, ...over,
  });
  const volume = (id: string, over: Partial<VolumeRecord> = {}): VolumeRecord => ({
    id, sizeGiB: 1, volumeType: "gp3", state: "in-use", az: "us-east-1a", node: "node-1", file: `volumes/${id}.qcow2`,
    imageId: AMI, createdAt: now, deleteOnTermination: true, ...over,
  });
  const instance = (id: string, state: InstanceRecord["state"], rootVolumeId: string): InstanceRecord => ({
    id, reservationId: "r-0123456789abcdef0", ownerId: "123456789012", imageId: AMI, instanceType: "t3.micro", state,
    launchTime: now, az: "us-east-1a", node: "node-1", vcpus: 2, memoryMiB: 1024, shutdownBehavior: "stop",
    disableApiTermination: false, rootVolumeId, rootDeviceName: "/dev/xvda", amiLaunchIndex: 0, updatedAt: now,
  });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-image-builds-"));
    fs.mkdirSync(path.join(dir, "images"));
    fs.mkdirSync(path.join(dir, "volumes"));
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", path.join(dir, "images", `${AMI}.qcow2`), "64M"]);
    store = await openStore(path.join(dir, "hive.db"));
    store.images.insert(image());
    const ctx: DaemonContext = {
      node: "node-1", region: "us-east-1", az: "us-east-1a", azId: "use1-az1", endpoint: "https://localhost:9999", accountId: "123456789012",
      host: { vcpus: 2, memoryMiB: 4096, cpuVendor: "intel", arch: "x86_64", kvm: false }, overcommit: { cpu: 1, mem: 1 }, network: { mode: "user" }, dataDir: dir,
    };
    // Neither is reached by these cases: volume copies are covered by test/integration/volume-copy.test.ts and the e2e suite.
    builds = imageBuilds({ ctx, store, blocks: {} as BlockService, manager: {} as InstanceManager, log: (l) => logs.push(l) });
    store.instances.insertLaunch({
      instances: [instance("i-0000000000000000a", "pending", "vol-0000000000000000a"), instance("i-0000000000000000b", "running", "vol-0000000000000000b")],
      volumes: [volume("vol-0000000000000000a", { state: "creating" }), volume("vol-0000000000000000b", { instanceId: "i-0000000000000000b" })],
      tags: [],
    });
  });
  after(async () => {
    await builds?.stop();
    store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("CreateImage: an unknown instance is NotFound alone and not ours among several nodes; a pending one is in the wrong state", () => {
    assert.throws(() => builds.createImage(req({ InstanceId: "i-0123456789abcdef0", Name: "x-image" })), rejects("NotFound", /does not exist/, "instance"));
    assert.deepEqual(builds.createImage(req({ InstanceId: "i-0123456789abcdef0", Name: "x-image" }, 2)), { _owned: [] });
    assert.throws(() => builds.createImage(req({ InstanceId: "i-0000000000000000a", Name: "x-image" })), rejects("InvalidState", /not in a state/, "instance"));
    assert.throws(() => builds.createImage(req({ InstanceId: "i-xyz", Name: "x-image" })), rejects("Malformed", /Invalid id/, "instance"));
  });

  test("CreateImage: names follow EC2's rules and must be free; tags go on the image only", () => {
    const running = "i-0000000000000000b";
    assert.throws(() => builds.createImage(req({ InstanceId: running, Name: "no*stars" })), rejects("InvalidParameter", /AMI names/, "image-name"));
    assert.throws(() => builds.createImage(req({ InstanceId: running, Name: "base" })), rejects("Conflict", /already in use by AMI ami-0123456789abcdef0/, "image-name"));
    assert.throws(
      () => builds.createImage(req({ InstanceId: running, Name: "tagged", TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "a", Value: "b" }] }] })),
      rejects("InvalidParameter", /not a valid taggable resource type/),
    );
    assert.equal(store.images.byName("tagged"), undefined);
  });

  test("RegisterImage: only files directly under images/ or volumes/, never links, tmp or snapshots", () => {
    const reg = (input: Record<string, unknown>) => () => builds.registerImage(req({ Name: "reg-image", ...input }));
    assert.throws(reg({}), rejects("InvalidParameter", /ImageLocation is required/));
    for (const loc of ["../hive.db", "/etc/passwd", "hive.db", "images/../hive.db", "images/tmp/x", "images/tmp", "volumes/vol-0123456789abcdef0.qcow2", "images/missing.qcow2"]) {
      assert.throws(reg({ ImageLocation: loc }), rejects("InvalidParameter", /./), loc);
    }
    fs.symlinkSync("/etc/passwd", path.join(dir, "images", "link.qcow2"));
    assert.throws(reg({ ImageLocation: "images/link.qcow2" }), rejects("InvalidParameter", /not a regular file/));
    assert.throws(reg({ BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: "snap-0123456789abcdef0" } }] }), rejects("NotFound", /snapshot 'snap-0123456789abcdef0' does not exist/));
    assert.throws(reg({ ImageLocation: `images/${AMI}.qcow2`, Architecture: "arm64" }), rejects("InvalidParameter", /x86_64 images only/));
    assert.throws(reg({ ImageLocation: `images/${AMI}.qcow2`, RootDeviceName: "/dev/nope" }), rejects("InvalidParameter", /Invalid device name/));
    assert.equal(store.images.byName("reg-image"), undefined);
  });

  test("RegisterImage from a snapshot: available at once on the snapshot's own file, with its data devices; the snapshot is then in use", () => {
    const snap = "snap-00000000000000aa1";
    fs.mkdirSync(path.join(dir, "snapshots"), { recursive: true });
    fs.writeFileSync(path.join(dir, "snapshots", `${snap}.qcow2`), "");
    store.snapshots.insert({ id: snap, volumeId: "vol-ffffffff", volumeSizeGiB: 2, state: "completed", progress: 100, description: "", file: `snapshots/${snap}.qcow2`, node: "node-1", ownerId: "123456789012", createdAt: now });
    const reg = (input: Record<string, unknown>) => () => builds.registerImage(req({ Name: "from-snap", ...input }));
    const root = { DeviceName: "/dev/xvda", Ebs: { SnapshotId: snap } };
    assert.throws(reg({ ImageLocation: `images/${AMI}.qcow2`, BlockDeviceMappings: [root] }), rejects("InvalidParameter", /not both/));
    assert.throws(reg({ BlockDeviceMappings: [root, { DeviceName: "/dev/sdf", Ebs: { VolumeSize: 0 } }] }), rejects("InvalidParameter", /out of range/));
    assert.throws(reg({ BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: snap, VolumeSize: 1 } }] }), rejects("InvalidParameter", /smaller than snapshot/));
    const { ImageId } = builds.registerImage(req({ Name: "from-snap", BlockDeviceMappings: [root, { DeviceName: "/dev/sdf", Ebs: { VolumeSize: 5, VolumeType: "gp2" } }] }));
    const rec = store.images.get(ImageId)!;
    assert.equal(rec.state, "available");
    assert.equal(rec.file, `snapshots/${snap}.qcow2`);
    assert.equal(rec.snapshotId, snap);
    assert.deepEqual(store.images.blockDevices(ImageId).map((d) => [d.deviceName, d.volumeSizeGiB, d.volumeType]), [["/dev/sdf", 5, "gp2"]]);
    assert.deepEqual(store.images.usingSnapshot(snap), [ImageId]);
    builds.deregisterImage(req({ ImageId }));
    assert.deepEqual(store.images.usingSnapshot(snap), []);
    // The snapshot outlives the image, and so does the file they shared.
    assert.ok(store.snapshots.fileInUse(`snapshots/${snap}.qcow2`));
  });

  test("CopyImage: within this region only; the copy is pending, then available with a file of its own and the tags asked for", async () => {
    store.tags.put([{ resourceId: AMI, resourceType: "image", key: "Role", value: "base" }]);
    assert.throws(() => builds.copyImage(req({ SourceImageId: AMI, SourceRegion: "eu-west-1", Name: "copy-image" })), rejects("InvalidParameter", /within its region/));
    assert.deepEqual(builds.copyImage(req({ SourceImageId: "ami-0000000000000000f", SourceRegion: "us-east-1", Name: "copy-image" }, 2)), { _owned: [] });
    const out = builds.copyImage(req({ SourceImageId: AMI, SourceRegion: "us-east-1", Name: "copy-image", CopyImageTags: true, TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "Copy", Value: "yes" }] }] }));
    assert.deepEqual(out._owned, [AMI]);
    const id = out.ImageId!;
    assert.equal(store.images.get(id)?.state, "pending");
    await builds.settled();
    assert.equal(store.images.get(id)?.state, "available", logs.join("\n"));
    assert.equal(store.images.get(id)?.sizeBytes, 64 << 20);
    assert.ok(fs.existsSync(path.join(dir, "images", `${id}.qcow2`)));
    assert.deepEqual(store.tags.forResource(id).map((t) => `${t.key}=${t.value}`).sort(), ["Copy=yes", "Role=base"]);
  });

  test("DeregisterImage: the row leaves the listings with its tags; the file stays until no volume uses it", async () => {
    const out = builds.deregisterImage(req({ ImageId: AMI }));
    assert.deepEqual(out, { _owned: [AMI] });
    assert.equal(store.images.list().some((i) => i.id === AMI), false);
    assert.deepEqual(store.tags.forResource(AMI), []);
    assert.throws(() => builds.deregisterImage(req({ ImageId: AMI })), rejects("NotFound", /does not exist/, "image"));
    assert.deepEqual(builds.deregisterImage(req({ ImageId: AMI }, 2)), { _owned: [] });
    const file = path.join(dir, "images", `${AMI}.qcow2`);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(fs.existsSync(file), "two volumes still overlay it");

    store.volumes.update("vol-0000000000000000a", { state: "deleted" });
    assert.equal(await releaseImageIfUnused(store, dir, AMI), false);
    assert.ok(fs.existsSync(file));
    store.volumes.update("vol-0000000000000000b", { state: "deleted" });
    // The start-up sweep finds it as the termination hook would.
    assert.deepEqual(await releaseUnusedFiles(store, dir), [AMI]);
    assert.equal(fs.existsSync(file), false);
  });

  test("releaseImageIfUnused never touches an image that is not deregistered", async () => {
    const id = "ami-0000000000000000e";
    store.images.insert(image({ id, name: "kept" }));
    fs.writeFileSync(path.join(dir, "images", `${id}.qcow2`), "");
    assert.equal(await releaseImageIfUnused(store, dir, id), false);
    assert.ok(fs.existsSync(path.join(dir, "images", `${id}.qcow2`)));
  });
});
