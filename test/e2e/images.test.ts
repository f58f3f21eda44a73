// `hive image import` against a running dist/hive, then the real aws CLI's describe-images.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { aws, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

describe("e2e: images", () => {
  let hive: HiveInstance;
  let src: string;
  let imageId: string;
  let importMs = 0;

  before(async () => {
    hive = await startHive();
    src = fs.mkdtempSync(path.join(os.tmpdir(), "hive-e2e-img-"));
    execFileSync("qemu-img", ["create", "-f", "qcow2", path.join(src, "small.qcow2"), "64M"], { stdio: "ignore" });
    fs.writeFileSync(path.join(src, "broken.qcow2"), "not a disk\n");
  });
  after(async () => {
    await hive?.stop();
    fs.rmSync(src, { recursive: true, force: true });
  });

  test("hive image import prints the AMI id alone on stdout; progress goes to stderr", () => {
    const t0 = performance.now();
    const r = runHive(["image", "import", path.join(src, "small.qcow2"), "--name", "test-img", "--description", "e2e image", "--data-dir", hive.dataDir]);
    importMs = performance.now() - t0;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ami-[0-9a-f]{17}\n$/);
    imageId = r.stdout.trim();
    // stderr is no TTY here: plain lines, ending at 100%.
    assert.match(r.stderr, /convert 100%/);
    assert.ok(fs.existsSync(path.join(hive.dataDir, "images", `${imageId}.qcow2`)));
    assert.ok(importMs < 15_000, `import took ${importMs} ms`);
  });

  test("describe-images --owners self lists it with the fields SDKs read", () => {
    const r = aws(hive, ["ec2", "describe-images", "--owners", "self"]);
    assert.equal(r.status, 0, r.stderr);
    const images = r.json().Images as Array<Record<string, any>>;
    const img = images.find((i) => i.ImageId === imageId);
    assert.ok(img, JSON.stringify(images));
    assert.equal(img.Name, "test-img");
    assert.equal(img.Description, "e2e image");
    assert.equal(img.State, "available");
    assert.equal(img.Architecture, "x86_64");
    assert.equal(img.RootDeviceName, "/dev/xvda");
    assert.equal(img.RootDeviceType, "ebs");
    assert.equal(img.VirtualizationType, "hvm");
    assert.equal(img.Hypervisor, "xen");
    assert.equal(img.OwnerId, hive.accountId);
    assert.equal(img.Public, false);
    assert.equal(img.BlockDeviceMappings[0].DeviceName, "/dev/xvda");
    assert.equal(img.BlockDeviceMappings[0].Ebs.VolumeSize, 1);
    assert.equal(img.BlockDeviceMappings[0].Ebs.VolumeType, "gp3");
    assert.equal(img.BlockDeviceMappings[0].Ebs.DeleteOnTermination, true);
    assert.match(img.CreationDate, /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(aws(hive, ["ec2", "describe-images", "--owners", "amazon"]).json().Images, []);
  });

  test("describe-images by id and by name filter", () => {
    const byId = aws(hive, ["ec2", "describe-images", "--image-ids", imageId]);
    assert.equal(byId.status, 0, byId.stderr);
    assert.deepEqual(byId.json().Images.map((i: { ImageId: string }) => i.ImageId), [imageId]);
    const byName = aws(hive, ["ec2", "describe-images", "--filters", "Name=name,Values=test-*"]);
    assert.deepEqual(byName.json().Images.map((i: { ImageId: string }) => i.ImageId), [imageId]);
    const none = aws(hive, ["ec2", "describe-images", "--filters", "Name=name,Values=other-*"]);
    assert.deepEqual(none.json().Images, []);
  });

  test("unknown and malformed ids: InvalidAMIID.NotFound and InvalidAMIID.Malformed", () => {
    const missing = aws(hive, ["ec2", "describe-images", "--image-ids", "ami-0123456789abcdef0"]);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /InvalidAMIID\.NotFound/);
    assert.match(missing.stderr, /The image id '\[ami-0123456789abcdef0\]' does not exist/);
    const bad = aws(hive, ["ec2", "describe-images", "--image-ids", "ami-nope"]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /InvalidAMIID\.Malformed/);
  });

  test("a duplicate name, an unreadable file and a corrupt image fail with the reason and exit 1", () => {
    const dup = runHive(["image", "import", path.join(src, "small.qcow2"), "--name", "test-img", "--data-dir", hive.dataDir]);
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /already in use by AMI ami-/);
    assert.equal(dup.stdout, "");
    const missing = runHive(["image", "import", path.join(src, "nope.qcow2"), "--name", "x-img", "--data-dir", hive.dataDir]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.qcow2: no such file/);
    const broken = runHive(["image", "import", path.join(src, "broken.qcow2"), "--name", "broken-img", "--data-dir", hive.dataDir]);
    assert.equal(broken.status, 1);
    assert.match(broken.stderr, /failed: .*broken\.qcow2/);
    assert.equal(broken.stdout, "");
    const failed = aws(hive, ["ec2", "describe-images", "--filters", "Name=name,Values=broken-img"]).json().Images;
    assert.equal(failed[0]?.State, "failed");
    assert.deepEqual(fs.readdirSync(path.join(hive.dataDir, "images", "tmp")), []);
  });
});
