// AttachVolume and DetachVolume's bookkeeping over a real store, with the guest side absent (stopped instances): the
// checks EC2 makes, the states an attachment passes through, and what a restart finishes. Plugging into a running
// guest is proven with real QEMU in test/integration/vm-disks.test.ts and test/e2e/volumes.test.ts.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { ActionRequest } from "../../src/bus/index.ts";
import type { BlockService } from "../../src/ebs/index.ts";
import { recoverAttachments, volumeHandlers, type VolumeDeps } from "../../src/daemon/volumes/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { openStore, type InstanceRecord, type Store, type VolumeRecord } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const now = new Date().toISOString();
const req = <I>(input: I): ActionRequest<I> => ({
  requestId: "r-1",
  caller: { accountId: "123456789012", arn: "arn:aws:iam::123456789012:root", userId: "123456789012" } as ActionRequest["caller"],
  region: "us-east-1",
  input,
  nodes: 1,
});
const code = (kind: string, resource: string | undefined, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof HiveError, String(err));
  assert.equal(err.kind, kind, err.message);
  assert.equal(err.resource, resource, err.message);
  assert.match(err.message, message);
  return true;
};

const VOL = "vol-0000000000000000a";
const OTHER = "vol-0000000000000000b";
const STOPPED = "i-0000000000000000a";
const ELSEWHERE = "i-0000000000000000b";

describe("volume attachments", () => {
  let dir: string;
  let store: Store;
  let deps: VolumeDeps;
  let handlers: ReturnType<typeof volumeHandlers>;
  const unmounted: string[] = [];

  const instance = (id: string, az: string): InstanceRecord => ({
    id, reservationId: "r-0123456789abcdef0", ownerId: "123456789012", imageId: "ami-0123456789abcdef0", instanceType: "t3.micro",
    state: "stopped", launchTime: now, az, node: "node-1", vcpus: 2, memoryMiB: 1024, shutdownBehavior: "stop",
    disableApiTermination: false, rootVolumeId: "vol-000000000000000ff", rootDeviceName: "/dev/xvda", amiLaunchIndex: 0, updatedAt: now,
  });
  const volume = (id: string, over: Partial<VolumeRecord> = {}): VolumeRecord => ({
    id, sizeGiB: 1, volumeType: "gp3", state: "available", az: "us-east-1a", node: "node-1", file: `volumes/${id}.qcow2`,
    createdAt: now, deleteOnTermination: false, ...over,
  });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-volume-attachments-"));
    store = await openStore(path.join(dir, "hive.db"));
    store.instances.insertLaunch({ instances: [instance(STOPPED, "us-east-1a"), instance(ELSEWHERE, "us-east-1b")], volumes: [], tags: [] });
    store.volumes.insert(volume(VOL));
    store.volumes.insert(volume(OTHER));
    // Only what a stopped instance's attachment touches; a running guest is never reached here.
    const blocks = { unmount: async (id: string) => void unmounted.push(id) } as unknown as BlockService;
    deps = {
      ctx: testContext({ dataDir: dir }),
      store,
      blocks,
      guests: { withGuest: (_id, fn) => fn(undefined) },
      log: () => {},
      copies: new Map(),
    };
    handlers = volumeHandlers(deps);
  });
  after(() => {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("refusals: another zone, a bad or taken device, an attached volume", async () => {
    assert.throws(() => handlers.AttachVolume(req({ VolumeId: VOL, InstanceId: ELSEWHERE, Device: "/dev/sdf" })), code("InvalidParameter", "zone-mismatch", /not in the same availability zone/));
    for (const device of ["/dev/sda", "/dev/sdq", "/dev/vdb", "sdf"]) {
      assert.throws(() => handlers.AttachVolume(req({ VolumeId: VOL, InstanceId: STOPPED, Device: device })), code("InvalidParameter", undefined, /not a valid EBS device name/), device);
    }
    assert.throws(() => handlers.AttachVolume(req({ VolumeId: "vol-00000000000000099", InstanceId: STOPPED, Device: "/dev/sdf" })), code("NotFound", "volume", /does not exist/));
    assert.throws(() => handlers.DetachVolume(req({ VolumeId: VOL })), code("InvalidState", "volume", /'available' state/));
  });

  test("a stopped instance's attachment is recorded attached at once; the same slot under another name is taken", async () => {
    const a = await handlers.AttachVolume(req({ VolumeId: VOL, InstanceId: STOPPED, Device: "/dev/sdf" }));
    assert.equal(a.State, "attached");
    assert.equal(store.volumes.get(VOL)?.state, "in-use");
    assert.throws(() => handlers.AttachVolume(req({ VolumeId: OTHER, InstanceId: STOPPED, Device: "/dev/xvdf" })), code("InvalidParameter", undefined, /already in use/));
    assert.throws(() => handlers.AttachVolume(req({ VolumeId: VOL, InstanceId: STOPPED, Device: "/dev/sdg" })), code("Conflict", "volume-in-use", /already attached/));
    await assert.rejects(async () => handlers.DeleteVolume(req({ VolumeId: VOL })), code("Conflict", "volume-in-use", /attached to i-0000000000000000a/));
    assert.throws(() => handlers.DetachVolume(req({ VolumeId: VOL, InstanceId: ELSEWHERE })), code("NotFound", "volume-attachment", /not attached/));
  });

  test("detaching from a stopped instance frees the volume and its export", async () => {
    const d = await handlers.DetachVolume(req({ VolumeId: VOL }));
    assert.equal(d.State, "detaching");
    await until(() => store.volumes.get(VOL)?.state === "available");
    assert.deepEqual(unmounted, [VOL]);
    assert.equal(store.volumes.get(VOL)?.instanceId, undefined);
  });

  test("after a restart, attachments left attaching or detaching are finished against the guest", async () => {
    store.volumes.update(VOL, { state: "in-use", instanceId: STOPPED, device: "/dev/sdf", attachTime: now, attachState: "attaching" });
    store.volumes.update(OTHER, { state: "in-use", instanceId: STOPPED, device: "/dev/sdg", attachTime: now, attachState: "detaching" });
    await recoverAttachments(deps);
    await until(() => store.volumes.get(OTHER)?.state === "available");
    assert.equal(store.volumes.get(VOL)?.attachState, "attached");
    assert.equal(store.volumes.get(OTHER)?.attachState, undefined);
  });
});

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
