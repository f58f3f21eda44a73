// DescribeImages and the import service on an in-memory store: ids, owners, filters, tags, names, progress and failure.

import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { DaemonContext } from "../../src/daemon/index.ts";
import { describeImages } from "../../src/daemon/images/index.ts";
import { imageImports, recoverImports } from "../../src/daemon/images/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import type { ImportOptions, ImportResult } from "../../src/images/index.ts";
import { openStore, type ImageRecord, type Store } from "../../src/store/index.ts";

const ACCOUNT = "123456789012";

const ctxFor = (dataDir: string): DaemonContext => ({
  node: "node-1",
  region: "us-east-1",
  az: "us-east-1a",
  azId: "use1-az1",
  endpoint: "https://localhost:9999",
  accountId: ACCOUNT,
  host: { vcpus: 2, memoryMiB: 4096, cpuVendor: "intel", arch: "x86_64", kvm: true },
  overcommit: { cpu: 1, mem: 1 }, network: { mode: "user" },
  dataDir,
});

const record = (id: string, name: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
  id,
  name,
  state: "available",
  architecture: "x86_64",
  rootDeviceName: "/dev/xvda",
  sizeBytes: 2 * 1024 ** 3 + 1,
  file: `images/${id}.qcow2`,
  node: "node-1",
  ownerId: ACCOUNT,
  createdAt: "2026-11-29T12:00:00.000Z",
  ...extra,
});

const A = "ami-0123456789abcdef0";
const B = "ami-1111111111111111a";
const C = "ami-22222222";

const isErr = (kind: string, resource?: string, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof HiveError, `a HiveError, got ${String(err)}`);
  assert.equal(err.kind, kind);
  if (resource) assert.equal(err.resource, resource);
  if (message) assert.match(err.message, message);
  return true;
};

describe("DescribeImages", () => {
  let store: Store;
  let ctx: DaemonContext;
  const ids = (input: Parameters<typeof describeImages>[0]) => (describeImages(input, ctx, store).Images ?? []).map((i) => i.ImageId);

  before(async () => {
    store = await openStore(":memory:");
    ctx = ctxFor("/nonexistent");
    store.images.insert(record(A, "debian-12-base", { description: "Debian 12" }));
    store.images.insert(record(B, "test-img", { state: "pending", sizeBytes: 0 }));
    store.images.insert(record(C, "test-failed", { state: "failed" }));
    store.tags.put([
      { resourceId: A, resourceType: "image", key: "Name", value: "base" },
      { resourceId: A, resourceType: "image", key: "team", value: "edge" },
      { resourceId: B, resourceType: "image", key: "Name", value: "scratch" },
    ]);
  });
  after(() => store.close());

  test("answers every field SDKs read, with Hive's fixed choices", () => {
    const [img] = describeImages({ ImageIds: [A] }, ctx, store).Images ?? [];
    assert.ok(img);
    assert.equal(img.ImageId, A);
    assert.equal(img.Name, "debian-12-base");
    assert.equal(img.Description, "Debian 12");
    assert.equal(img.State, "available");
    assert.equal(img.Architecture, "x86_64");
    assert.equal(img.RootDeviceName, "/dev/xvda");
    assert.equal(img.RootDeviceType, "ebs");
    assert.deepEqual(img.BlockDeviceMappings, [
      { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 3, VolumeType: "gp3", DeleteOnTermination: true, Encrypted: false } },
    ]);
    assert.equal(img.VirtualizationType, "hvm");
    assert.equal(img.Hypervisor, "xen");
    assert.equal(img.CreationDate, "2026-11-29T12:00:00.000Z");
    assert.equal(img.OwnerId, ACCOUNT);
    assert.equal(img.Public, false);
    assert.equal(img.ImageType, "machine");
    assert.equal(img.EnaSupport, true);
    assert.equal(img.BootMode, "legacy-bios");
    assert.equal(img.PlatformDetails, "Linux/UNIX");
    assert.equal(img.UsageOperation, "RunInstances");
    assert.deepEqual(img.Tags, [{ Key: "Name", Value: "base" }, { Key: "team", Value: "edge" }]);
    // A pending image has no size yet; it still reports a valid volume size.
    const [pending] = describeImages({ ImageIds: [B] }, ctx, store).Images ?? [];
    assert.equal(pending?.BlockDeviceMappings?.[0]?.Ebs?.VolumeSize, 1);
    assert.equal(pending?.Description, undefined);
  });

  test("lists every image, pending and failed included, ordered by id", () => {
    assert.deepEqual(ids({}), [A, B, C]);
  });

  test("ImageIds: known ids are listed and owned; unknown ones are left to the gateway; malformed ones fail here", () => {
    const out = describeImages({ ImageIds: [B, "ami-99999999999999999"] }, ctx, store);
    assert.deepEqual(out.Images?.map((i) => i.ImageId), [B]);
    assert.deepEqual(out._owned, [B]);
    for (const bad of ["ami-xyz", "ami-1234567", "i-0123456789abcdef0", "AMI-22222222", "ami-0123456789ABCDEF0"]) {
      assert.throws(() => describeImages({ ImageIds: [bad] }, ctx, store), isErr("Malformed", "image", /Invalid id/));
    }
  });

  test("Owners: self and the account id select this account's images; amazon, marketplace and others select none", () => {
    assert.deepEqual(ids({ Owners: ["self"] }), [A, B, C]);
    assert.deepEqual(ids({ Owners: [ACCOUNT] }), [A, B, C]);
    assert.deepEqual(ids({ Owners: ["amazon", "self"] }), [A, B, C]);
    assert.deepEqual(ids({ Owners: ["amazon"] }), []);
    assert.deepEqual(ids({ Owners: ["aws-marketplace"] }), []);
    assert.deepEqual(ids({ Owners: ["999999999999"] }), []);
    // An id that exists is still owned, so the gateway does not call it missing.
    assert.deepEqual(describeImages({ Owners: ["amazon"], ImageIds: [A] }, ctx, store)._owned, [A]);
    // ExecutableUsers all: only public images (none here).
    assert.deepEqual(ids({ ExecutableUsers: ["all"] }), []);
  });

  test("filters: name wildcards, state, ids, owner, fixed attributes", () => {
    const f = (Name: string, ...Values: string[]) => ids({ Filters: [{ Name, Values }] });
    assert.deepEqual(f("name", "test-*"), [B, C]);
    assert.deepEqual(f("name", "debian-??-base"), [A]);
    assert.deepEqual(f("name", "nope*"), []);
    assert.deepEqual(f("state", "available"), [A]);
    assert.deepEqual(f("state", "pending", "failed"), [B, C]);
    assert.deepEqual(f("image-id", A, C), [A, C]);
    assert.deepEqual(f("architecture", "x86_64"), [A, B, C]);
    assert.deepEqual(f("architecture", "arm64"), []);
    assert.deepEqual(f("owner-id", ACCOUNT), [A, B, C]);
    assert.deepEqual(f("is-public", "false"), [A, B, C]);
    assert.deepEqual(f("is-public", "true"), []);
    assert.deepEqual(f("root-device-type", "ebs"), [A, B, C]);
    assert.deepEqual(f("virtualization-type", "hvm"), [A, B, C]);
    assert.deepEqual(f("virtualization-type", "paravirtual"), []);
    assert.deepEqual(f("description", "Debian*"), [A]);
    // AND across filters.
    assert.deepEqual(ids({ Filters: [{ Name: "name", Values: ["test-*"] }, { Name: "state", Values: ["pending"] }] }), [B]);
  });

  test("tag filters: tag:<key>, tag-key, tag-value", () => {
    const f = (Name: string, ...Values: string[]) => ids({ Filters: [{ Name, Values }] });
    assert.deepEqual(f("tag:Name", "base"), [A]);
    assert.deepEqual(f("tag:Name", "*"), [A, B]);
    assert.deepEqual(f("tag:team", "edge"), [A]);
    assert.deepEqual(f("tag:absent", "*"), []);
    assert.deepEqual(f("tag-key", "team"), [A]);
    assert.deepEqual(f("tag-value", "scratch"), [B]);
  });

  test("an unknown filter or one without values is InvalidParameter", () => {
    assert.throws(() => ids({ Filters: [{ Name: "bogus", Values: ["x"] }] }), isErr("InvalidParameter", undefined, /bogus/));
    assert.throws(() => ids({ Filters: [{ Name: "name", Values: [] }] }), isErr("InvalidParameter"));
  });
});

describe("image imports (daemon side)", () => {
  let store: Store;
  let dataDir: string;
  let ctx: DaemonContext;

  before(async () => {
    store = await openStore(":memory:");
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-imports-"));
    ctx = ctxFor(dataDir);
  });
  after(() => {
    store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** An importer the test drives by hand: it reports progress, then succeeds or fails when told. */
  const manual = () => {
    let finish!: (r: ImportResult | Error) => void;
    let seen!: ImportOptions;
    const importer = (opts: ImportOptions) =>
      new Promise<ImportResult>((resolve, reject) => {
        seen = opts;
        finish = (r) => (r instanceof Error ? reject(r) : resolve(r));
      });
    return { importer, finish: (r: ImportResult | Error) => finish(r), opts: () => seen };
  };

  test("registers a pending AMI at once, reports progress, ends available with the size", async () => {
    const m = manual();
    const imports = imageImports(ctx, store, { importer: m.importer });
    const { imageId } = imports.start({ source: "/srv/disk.qcow2", name: "ok-img", description: "d" });
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);
    const rec = store.images.get(imageId)!;
    assert.equal(rec.state, "pending");
    assert.equal(rec.name, "ok-img");
    assert.equal(rec.description, "d");
    assert.equal(rec.ownerId, ACCOUNT);
    assert.equal(rec.file, path.join("images", `${imageId}.qcow2`));
    assert.deepEqual(imports.progress({ imageId }), { imageId, state: "pending", percent: 0 });
    m.opts().onProgress?.({ phase: "convert", percent: 52.345 });
    assert.deepEqual(imports.progress({ imageId }), { imageId, state: "pending", phase: "convert", percent: 52.35 });
    m.finish({ sizeBytes: 5 * 1024 ** 3, format: "qcow2", file: rec.file });
    await imports.settled();
    assert.equal(store.images.get(imageId)!.state, "available");
    assert.equal(store.images.get(imageId)!.sizeBytes, 5 * 1024 ** 3);
    assert.deepEqual(imports.progress({ imageId }), { imageId, state: "available", phase: "convert", percent: 100, sizeBytes: 5 * 1024 ** 3 });
  });

  test("a failed import ends failed with its reason, and its file is removed", async () => {
    const m = manual();
    const imports = imageImports(ctx, store, { importer: m.importer });
    const { imageId } = imports.start({ source: "https://example.invalid/x.qcow2", name: "bad-img" });
    fs.mkdirSync(path.join(dataDir, "images"), { recursive: true });
    fs.writeFileSync(path.join(dataDir, "images", `${imageId}.qcow2`), "half");
    m.finish(new Error("cannot download: ENOTFOUND"));
    await imports.settled();
    assert.equal(store.images.get(imageId)!.state, "failed");
    const p = imports.progress({ imageId });
    assert.equal(p.state, "failed");
    assert.equal(p.error, "cannot download: ENOTFOUND");
    assert.equal(fs.existsSync(path.join(dataDir, "images", `${imageId}.qcow2`)), false);
  });

  test("names are unique among live images, and checked like EC2's", () => {
    const imports = imageImports(ctx, store, { importer: manual().importer });
    assert.throws(() => imports.start({ source: "/x.raw", name: "ok-img" }), isErr("Conflict", "image-name", /already in use by AMI ami-/));
    for (const name of ["ab", "x".repeat(129), "bad*name", "", 42]) {
      assert.throws(() => imports.start({ source: "/x.raw", name } as never), isErr("InvalidParameter"));
    }
    assert.throws(() => imports.start({ source: "", name: "fine-name" }), isErr("InvalidParameter"));
    assert.throws(() => imports.start({ source: "relative/disk.raw", name: "fine-name" }), isErr("InvalidParameter", undefined, /absolute/));
    assert.throws(() => imports.start({ source: "ftp://h/x", name: "fine-name" }), isErr("InvalidParameter", undefined, /not supported/));
    assert.throws(() => imports.start({ source: "/x.raw", name: "fine-name", description: "d".repeat(256) }), isErr("InvalidParameter"));
  });

  test("progress of an unknown or malformed id", () => {
    const imports = imageImports(ctx, store, { importer: manual().importer });
    assert.throws(() => imports.progress({ imageId: "ami-99999999999999999" }), isErr("NotFound", "image", /\[ami-99999999999999999\]/));
    assert.throws(() => imports.progress({ imageId: "nope" }), isErr("InvalidParameter"));
  });

  test("stop cancels running imports: they end failed", async () => {
    const imports = imageImports(ctx, store, {
      importer: (opts) => new Promise((_, reject) => opts.signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    });
    const { imageId } = imports.start({ source: "/x.raw", name: "cancelled-img" });
    await imports.stop();
    assert.equal(store.images.get(imageId)!.state, "failed");
    assert.match(imports.progress({ imageId }).error ?? "", /shutting down/);
  });

  test("recovery after a restart fails imports left pending and clears images/tmp", async () => {
    const id = "ami-33333333333333333";
    store.images.insert(record(id, "left-pending", { state: "pending" }));
    fs.mkdirSync(path.join(dataDir, "images", "tmp", `${id}-abc`), { recursive: true });
    fs.writeFileSync(path.join(dataDir, "images", `${id}.qcow2`), "half");
    const failures = await recoverImports(ctx, store);
    assert.equal(store.images.get(id)!.state, "failed");
    assert.deepEqual(fs.readdirSync(path.join(dataDir, "images", "tmp")), []);
    assert.equal(fs.existsSync(path.join(dataDir, "images", `${id}.qcow2`)), false);
    const imports = imageImports(ctx, store, { failures, importer: manual().importer });
    assert.match(imports.progress({ imageId: id }).error ?? "", /restarted/);
  });

  test("the real pipeline end to end through the service: a raw file becomes an available AMI", async () => {
    const src = path.join(dataDir, "src.raw");
    fs.writeFileSync(src, Buffer.alloc(1024 * 1024));
    const imports = imageImports(ctx, store);
    const { imageId } = imports.start({ source: src, name: "real-img" });
    await imports.settled();
    const p = imports.progress({ imageId });
    assert.equal(p.state, "available", p.error);
    assert.equal(p.sizeBytes, 1024 * 1024);
    assert.ok(fs.existsSync(path.join(dataDir, "images", `${imageId}.qcow2`)));
  });
});

describe("DescribeImages at the gateway", () => {
  test("ids no node holds are InvalidAMIID.NotFound, named the way EC2 does", async () => {
    const { mergeReplies } = await import("../../src/api/fanout-merge.ts");
    const { catalogue } = await import("../../src/actions/index.ts");
    const route = catalogue.ec2.DescribeImages.travel;
    assert.equal(route.kind, "every");
    const replies = [{ Images: [{ ImageId: A }], _owned: [A] }, { Images: [], _owned: [] }];
    assert.deepEqual(mergeReplies(route, replies, { ImageIds: [A] }), { Images: [{ ImageId: A }] });
    assert.throws(
      () => mergeReplies(route, replies, { ImageIds: [A, B] }),
      (err: Error & { code?: string }) => err.code === "InvalidAMIID.NotFound" && err.message === `The image id '[${B}]' does not exist`,
    );
    assert.throws(
      () => mergeReplies(route, replies, { ImageIds: [B, C] }),
      (err: Error) => err.message === `The image ids '[${B}, ${C}]' do not exist`,
    );
  });
});
