// A data directory anywhere: at a 200-character path a guest launches, stops, starts and is re-adopted after hive
// restarts, with every socket in the runtime directory; on exFAT (a USB stick's filesystem, no sockets, no file
// modes) hive starts and says once that the modes are ignored.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { awsDriver } from "../helpers/e2e.ts";
import { alive, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";
import { runtimeDir } from "../../src/runtime/index.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");

/** The sockets below `dir` (find -type s), relative to it. */
const socketsIn = (dir: string): string[] =>
  execFileSync("find", [dir, "-type", "s"], { encoding: "utf8" })
    .split("\n")
    .filter(Boolean)
    .map((p) => path.relative(dir, p))
    .sort();

describe("a data directory at a 200-character path", () => {
  let hive: HiveInstance;
  let id = "";
  const { ok, until, consoleOf } = awsDriver(() => hive);
  const readyCount = () => (consoleOf(id).match(/HIVE-GUEST-READY/g) ?? []).length;
  const state = () => ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0].State.Name as string;
  const qemuPid = () => Number(fs.readFileSync(path.join(hive.dataDir, "instances", id, "qemu.pid"), "utf8"));

  before(async () => {
    assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
    hive = await startHive([], { dataDirLength: 200 });
  });
  after(async () => {
    await hive?.stop();
  });

  test("hive up is ready there, and the data directory holds no socket", () => {
    assert.equal(hive.dataDir.length, 200);
    assert.deepEqual(socketsIn(hive.dataDir), []);
    // The storage daemon's monitor and NBD server are in the runtime directory instead.
    assert.deepEqual(socketsIn(runtimeDir(hive.dataDir)), ["ebs/nbd.sock", "ebs/qmp.sock"]);
  });

  test("the test guest launches and boots; its QMP, console and metadata sockets are in the runtime directory", async () => {
    const r = runHive(["image", "import", GUEST, "--name", "long-path-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
    assert.equal(r.status, 0, r.stderr);
    id = ok(["ec2", "run-instances", "--image-id", r.stdout.trim(), "--instance-type", "t3.micro"]).Instances[0].InstanceId;
    await until(`${id} to run and boot`, () => state() === "running" && readyCount() >= 1);
    assert.deepEqual(socketsIn(hive.dataDir), []);
    assert.deepEqual(socketsIn(path.join(runtimeDir(hive.dataDir), "vm", id)), ["console.sock", "imds.sock", "qmp.sock"]);
  });

  test("it stops and starts again, booting anew", async () => {
    ok(["ec2", "stop-instances", "--instance-ids", id]);
    await until(`${id} to stop`, () => state() === "stopped");
    assert.deepEqual(socketsIn(hive.dataDir), []);
    ok(["ec2", "start-instances", "--instance-ids", id]);
    await until(`${id} to boot a second time`, () => state() === "running" && readyCount() >= 2);
    assert.deepEqual(socketsIn(hive.dataDir), []);
  });

  test("hive stops and starts again: the guest kept running, is re-adopted through its sockets and reboots on request", async () => {
    const pid = qemuPid();
    await hive.terminate();
    assert.ok(alive(pid), "the guest died with hive");
    await hive.restart();
    assert.match(hive.output(), new RegExp(`instance ${id}: re-adopted QEMU pid ${pid}`));
    assert.equal(state(), "running");
    assert.equal(qemuPid(), pid);
    // Rebooting goes through the re-adopted QMP socket; the new boot's marker comes through the console.
    const before = readyCount();
    ok(["ec2", "reboot-instances", "--instance-ids", id]);
    await until("the re-adopted guest to reboot", () => readyCount() > before);
    assert.deepEqual(socketsIn(hive.dataDir), []);
  });
});

/** An exFAT filesystem (what a USB stick usually has) on a loop device, through FUSE: the kernel needs no FAT module. */
function mountExfat(): { mnt: string; unmount: () => void } | string {
  if (process.getuid?.() !== 0) return "needs root (losetup, mount)";
  for (const tool of ["mkfs.exfat", "mount.exfat-fuse", "losetup"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) return `${tool} is missing (exfatprogs, exfat-fuse)`;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-exfat-"));
  const image = path.join(dir, "stick.img");
  const mnt = path.join(dir, "mnt");
  fs.mkdirSync(mnt);
  fs.writeFileSync(image, "");
  fs.truncateSync(image, 256 * 1024 * 1024);
  execFileSync("mkfs.exfat", ["-L", "HIVESTICK", image], { stdio: "ignore" });
  const loop = execFileSync("losetup", ["--find", "--show", image], { encoding: "utf8" }).trim();
  // What the README tells a user: the mount's uid and umask stand in for the file modes exFAT does not keep.
  execFileSync("mount.exfat-fuse", ["-o", "uid=0,gid=0,umask=077", loop, mnt], { stdio: "ignore" });
  return {
    mnt,
    unmount: () => {
      spawnSync("umount", [mnt]);
      spawnSync("losetup", ["-d", loop]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("a data directory on exFAT", () => {
  let stick: ReturnType<typeof mountExfat>;
  let hive: HiveInstance | undefined;

  before(() => {
    stick = mountExfat();
  });
  after(async () => {
    await hive?.stop();
    if (typeof stick === "object") stick.unmount();
  });

  test("hive up is ready, says once that file modes are ignored, and puts no socket there", async (t) => {
    if (typeof stick === "string") return t.skip(stick);
    hive = await startHive([], { dataDir: path.join(stick.mnt, "tools", "hive-data") });
    const warnings = hive.output().split("\n").filter((l) => l.includes("ignores file modes"));
    assert.equal(warnings.length, 1, hive.output());
    assert.match(warnings[0], /protected only by the mount's uid= and umask= options/);
    assert.ok(awsDriver(() => hive!).ok(["ec2", "describe-instances"]).Reservations);
    assert.deepEqual(socketsIn(hive.dataDir), []);
  });

  test("on an ordinary filesystem there is no such line", async () => {
    const plain = await startHive();
    try {
      assert.doesNotMatch(plain.output(), /ignores file modes/);
    } finally {
      await plain.stop();
    }
  });
});
