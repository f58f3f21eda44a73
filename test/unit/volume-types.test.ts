// EBS volume types as EC2 defines them: the sizes each takes, provisioned IOPS and throughput, and the figures Hive
// enforces with QEMU's throttling.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkVolumeShape, performanceOf, volumeType } from "../../src/daemon/volumes/index.ts";
import { HiveError } from "../../src/errors/index.ts";

const refused = (param: string, resource: string | undefined, message: RegExp) => (err: unknown) => {
  assert.ok(err instanceof HiveError, String(err));
  assert.equal(err.param, param);
  assert.equal(err.resource, resource);
  assert.match(err.message, message);
  return true;
};

test("gp3 gets its 3,000 IOPS and 125 MiB/s baseline; provisioned figures are kept and bounded as EC2 bounds them", () => {
  assert.deepEqual(checkVolumeShape({ type: "gp3", sizeGiB: 10 }), { type: "gp3", sizeGiB: 10, iops: 3000, throughput: 125 });
  assert.deepEqual(performanceOf(checkVolumeShape({ type: "gp3", sizeGiB: 100, iops: 6000, throughput: 500 })), { iops: 6000, throughputMiBps: 500 });
  assert.throws(() => checkVolumeShape({ type: "gp3", sizeGiB: 8, iops: 6000 }), refused("Iops", undefined, /ratio of 750\.000000 is too high; maximum is 500/));
  assert.throws(() => checkVolumeShape({ type: "gp3", sizeGiB: 100, iops: 3000, throughput: 1000 }), refused("Throughput", undefined, /maximum is 0\.250000 MiBps per iops/));
  assert.throws(() => checkVolumeShape({ type: "gp3", sizeGiB: 100, iops: 20_000 }), refused("Iops", undefined, /between 3000 and 16000/));
});

test("gp2's figures follow its size: 3 IOPS per GiB from 100 to 16,000, and it takes no Iops or Throughput", () => {
  assert.equal(performanceOf({ type: "gp2", sizeGiB: 1 }).iops, 100);
  assert.equal(performanceOf({ type: "gp2", sizeGiB: 1000 }).iops, 3000);
  assert.equal(performanceOf({ type: "gp2", sizeGiB: 16_384 }).iops, 16_000);
  assert.equal(performanceOf({ type: "gp2", sizeGiB: 100 }).throughputMiBps, 128);
  assert.throws(() => checkVolumeShape({ type: "gp2", sizeGiB: 10, iops: 500 }), refused("Iops", "parameter-combination", /iops is not supported for gp2/));
  assert.throws(() => checkVolumeShape({ type: "io1", sizeGiB: 10, iops: 500, throughput: 200 }), refused("Iops", "parameter-combination", /throughput is not supported for io1/));
});

test("io1 and io2 need Iops, within their per-GiB ratio; their throughput scales with it", () => {
  assert.throws(() => checkVolumeShape({ type: "io1", sizeGiB: 10 }), refused("Iops", "missing-parameter", /must contain the parameter iops/));
  assert.throws(() => checkVolumeShape({ type: "io1", sizeGiB: 10, iops: 1000 }), refused("Iops", undefined, /maximum is 50\.000000/));
  assert.deepEqual(checkVolumeShape({ type: "io2", sizeGiB: 10, iops: 5000 }), { type: "io2", sizeGiB: 10, iops: 5000, throughput: undefined });
  assert.deepEqual(performanceOf({ type: "io1", sizeGiB: 100, iops: 4000 }), { iops: 4000, throughputMiBps: 1000 });
});

test("each type's size range is enforced, and unknown types are refused naming the valid ones", () => {
  assert.throws(() => checkVolumeShape({ type: "st1", sizeGiB: 100 }), refused("Size", undefined, /125-16384GiB/));
  assert.throws(() => checkVolumeShape({ type: "standard", sizeGiB: 2000 }), refused("Size", undefined, /1-1024GiB/));
  assert.throws(() => checkVolumeShape({ type: "gp3", sizeGiB: 0 }), refused("Size", undefined, /1-16384GiB/));
  assert.throws(() => checkVolumeShape({ type: "gp3", sizeGiB: 1.5 }), refused("Size", undefined, /out of range/));
  assert.equal(volumeType(undefined), "gp2");
  assert.throws(() => volumeType("gp4"), refused("VolumeType", undefined, /Valid values: gp2, gp3, io1, io2, st1, sc1, standard/));
  assert.deepEqual(performanceOf({ type: "st1", sizeGiB: 2048 }), { iops: 500, throughputMiBps: 80 });
});
