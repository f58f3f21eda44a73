// EBS data disks on a real test guest: plugged at launch, hot-plugged, grown online, throttled, unplugged (politely
// and by force), and a failed attach that leaves nothing behind. One guest boot; a qemu-storage-daemon serves the
// volumes over NBD as src/ebs does.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { QmpClient } from "../../src/qmp/index.ts";
import {
  attachDisk,
  detachDisk,
  diskThrottle,
  launchVm,
  pluggedDisks,
  readConsole,
  resizeDisk,
  setDiskThrottle,
  writeSeedIso,
  type RunningVm,
  type VmSpec,
} from "../../src/vm/index.ts";
import { killAll, tempDir, waitFor } from "./qemu-harness.ts";

const GUEST_IMAGE = resolve(import.meta.dirname, "../../build/test-guest/hive-test-guest.raw");
const skip = existsSync(GUEST_IMAGE) ? false : `no test guest image at ${GUEST_IMAGE}`;

const ROOT = "vol-0f00000000000000a";
const A = "vol-0a00000000000000a"; // hot-plugged, grown, detached politely
const B = "vol-0b00000000000000b"; // attached at launch, detached by force
const MiB = 1024 * 1024;
const serial = (vol: string) => vol.replace("-", "");

// Every 0.2 s: the disks the guest sees ("DISKS vda:<serial>:<sectors> ..." when that changes), and a marker written
// once (fsync'd) to the first sector of each new data disk ("WROTE <serial>").
const USER_DATA = `#!/bin/sh
prev=""
while :; do
  cur=""
  for d in /sys/block/vd*; do
    [ -e "$d" ] || continue
    n=\${d##*/} s="$(cat $d/serial 2>/dev/null)"
    cur="$cur $n:$s:$(cat $d/size)"
    if [ "$n" != vda ] && [ -n "$s" ] && [ ! -e /tmp/wrote.$s ]; then
      printf 'hive-disk-test %s\\n' "$s" | dd of=/dev/$n conv=notrunc,fsync 2>/dev/null && echo "WROTE $s" >/dev/console
      : >/tmp/wrote.$s
    fi
  done
  [ "$cur" != "$prev" ] && echo "DISKS$cur" >/dev/console
  prev="$cur"
  sleep 0.2
done
`;

const dir = tempDir("vm-disks");
const pids = new Set<number>();
let storage: QmpClient;
let vm: RunningVm;
let spec: VmSpec;
const nbdSocket = join(dir.path, "nbd.sock");
const file = (vol: string) => join(dir.path, `${vol}.qcow2`);

before(async () => {
  if (skip) return;
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", GUEST_IMAGE, file(ROOT)]);
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", file(A), "64M"]);
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", file(B), "32M"]);
  const qmpSocket = join(dir.path, "qsd.sock");
  const args = ["--nbd-server", `addr.type=unix,addr.path=${nbdSocket}`, "--chardev", `socket,id=m,path=${qmpSocket},server=on,wait=off`, "--monitor", "chardev=m"];
  for (const vol of [ROOT, A, B]) {
    args.push(
      "--blockdev", `driver=file,filename=${file(vol)},node-name=${vol}-file`,
      "--blockdev", `driver=qcow2,file=${vol}-file,node-name=${vol}`,
      "--export", `type=nbd,id=${vol},node-name=${vol},name=${vol},writable=on`,
    );
  }
  const daemon = spawn("qemu-storage-daemon", args, { stdio: ["ignore", "ignore", "inherit"], detached: true });
  pids.add(daemon.pid!);
  await waitFor("the NBD socket", () => existsSync(nbdSocket) || daemon.exitCode !== null);
  storage = await QmpClient.connect(qmpSocket);

  const instanceId = "i-0d15c000000000001";
  const runDir = join(dir.path, instanceId);
  const seedIso = await writeSeedIso(dir.path, {
    "meta-data": `instance-id: ${instanceId}\nlocal-hostname: disks\n`,
    "user-data": USER_DATA,
    "network-config": "version: 2\n",
  });
  spec = {
    instanceId,
    vcpus: 1,
    memoryMiB: 256,
    kvm: false,
    rootDisk: { volumeId: ROOT, nbdSocket, exportName: ROOT },
    dataDisks: [{ volumeId: B, nbdSocket, exportName: B, throttle: { iops: 400, bytesPerSec: 8 * MiB } }],
    seedIso,
    runDir,
    socketDir: join(dir.path, "sockets"),
  };
  vm = await launchVm(spec, { log: () => {} });
  pids.add(vm.pid);
});

after(async () => {
  await storage?.close();
  await killAll(pids);
  dir.remove();
});

const consoleText = () => readConsole(spec.runDir, { latest: true }).data.toString("utf8");
/** The guest's latest view: serial → { dev, sectors }. */
function guestDisks(): Map<string, { dev: string; sectors: number }> {
  const lines = consoleText().split(/\r?\n/).filter((l) => l.startsWith("DISKS"));
  const last = lines.at(-1) ?? "DISKS";
  return new Map(
    last.slice("DISKS".length).trim().split(/\s+/).filter(Boolean).map((e) => {
      const [dev, s, sectors] = e.split(":");
      return [s, { dev, sectors: Number(sectors) }];
    }),
  );
}
const guestSees = (what: string, cond: (disks: ReturnType<typeof guestDisks>) => boolean) => waitFor(what, () => cond(guestDisks()), 240_000);

const nodesOf = async (vol: string) => (await vm.qmp.queryNamedBlockNodes()).map((n) => n["node-name"]).filter((n) => n === vol || n.startsWith(`${vol}-`)).sort();
const objectsOf = async (vol: string) => (await vm.qmp.qomList("/objects")).map((p) => p.name).filter((n) => n.includes(vol));
const devicesOf = async (vol: string) => (await vm.qmp.qomList("/machine/peripheral")).map((p) => p.name).filter((n) => n.includes(vol));

/** The first bytes of a volume as the qcow2 holds them (read beside the storage daemon, which keeps it open). */
function hostRead(vol: string): string {
  const out = execFileSync("qemu-io", ["-r", "-U", "-f", "qcow2", "-c", "read -v 0 48", file(vol)], { encoding: "utf8" });
  // "00000000:  68 69 76 65 ...  hive.disk...": the hex columns, since the text column shows punctuation as dots.
  const hex = out.split("\n").filter((l) => /^[0-9a-f]{8}:/.test(l)).flatMap((l) => l.slice(10).trim().split("  ")[0].split(" "));
  return Buffer.from(hex.join(""), "hex").toString("latin1");
}

test("a data disk given at launch is there at boot, serial = volume id, with its limits", { skip, timeout: 300_000 }, async () => {
  await guestSees("the root and launch-time disks", (d) => d.get(serial(ROOT))?.dev === "vda" && d.get(serial(B))?.sectors === (32 * MiB) / 512);
  await waitFor("the marker on B", () => consoleText().includes(`WROTE ${serial(B)}`), 60_000);
  assert.deepEqual(await pluggedDisks(vm.qmp), [B]);
  assert.deepEqual(await diskThrottle(vm.qmp, B), { iops: 400, bytesPerSec: 8 * MiB });
  assert.deepEqual(await diskThrottle(vm.qmp, ROOT), { iops: 0, bytesPerSec: 0 });
});

test("an attach that fails (no such export) leaves no node, group or device behind", { skip, timeout: 60_000 }, async () => {
  const bad = "vol-0bad0000000000000";
  await assert.rejects(attachDisk(vm.qmp, { volumeId: bad, nbdSocket, exportName: "no-such-export" }));
  assert.deepEqual(await nodesOf(bad), []);
  assert.deepEqual(await objectsOf(bad), []);
  assert.deepEqual(await devicesOf(bad), []);
  assert.deepEqual(await pluggedDisks(vm.qmp), [B]);
});

test("hot-plug: the guest sees a new disk named for the volume; a second attach is a no-op", { skip, timeout: 300_000 }, async () => {
  await attachDisk(vm.qmp, { volumeId: A, nbdSocket, exportName: A, throttle: { iops: 200, bytesPerSec: 0 } });
  await attachDisk(vm.qmp, { volumeId: A, nbdSocket, exportName: A });
  assert.deepEqual(await pluggedDisks(vm.qmp), [A, B]);
  await guestSees("the hot-plugged disk", (d) => d.get(serial(A))?.sectors === (64 * MiB) / 512);
  await waitFor("the marker on A", () => consoleText().includes(`WROTE ${serial(A)}`), 60_000);
  assert.deepEqual(await nodesOf(A), [A, `${A}-nbd`]);
  assert.deepEqual(await diskThrottle(vm.qmp, A), { iops: 200, bytesPerSec: 0 });
});

test("throttle: new limits apply online, to data and root disks alike", { skip }, async () => {
  await setDiskThrottle(vm.qmp, A, { iops: 1000, bytesPerSec: 16 * MiB });
  assert.deepEqual(await diskThrottle(vm.qmp, A), { iops: 1000, bytesPerSec: 16 * MiB });
  const limits = await vm.qmp.qomGet<Record<string, number>>(`/objects/throttle-${A}`, "limits");
  assert.equal(limits["iops-total-max"], 0);
  assert.equal(limits["iops-read"], 0);
  await setDiskThrottle(vm.qmp, ROOT, { iops: 3000, bytesPerSec: 125 * MiB });
  assert.deepEqual(await diskThrottle(vm.qmp, ROOT), { iops: 3000, bytesPerSec: 125 * MiB });
  await setDiskThrottle(vm.qmp, A, { iops: 0, bytesPerSec: 0 });
  assert.deepEqual(await diskThrottle(vm.qmp, A), { iops: 0, bytesPerSec: 0 });
  await assert.rejects(setDiskThrottle(vm.qmp, "vol-0000000000000dead", { iops: 1, bytesPerSec: 1 }), { kind: "NotFound" });
});

test("resize: once the storage daemon serves the bigger volume, the guest sees the new size online", { skip, timeout: 300_000 }, async () => {
  // What the EBS service does to grow an exported volume (NBD exports refuse resizes while they serve).
  await storage.blockExportDel(A, "hard");
  await storage.blockResize(A, 96 * MiB);
  await storage.blockExportAdd({ type: "nbd", id: A, "node-name": A, name: A, writable: true });

  await assert.rejects(resizeDisk(vm.qmp, A, 128 * MiB, { nbdSocket, exportName: A }), { kind: "InvalidState" });
  assert.deepEqual(await nodesOf(A), [A, `${A}-nbd`]);
  await resizeDisk(vm.qmp, A, 96 * MiB, { nbdSocket, exportName: A });
  await guestSees("A at 96 MiB", (d) => d.get(serial(A))?.sectors === (96 * MiB) / 512);
  assert.deepEqual(await nodesOf(A), [A, `${A}-nbd.1`]);
  await assert.rejects(resizeDisk(vm.qmp, A, 32 * MiB, { nbdSocket, exportName: A }), { kind: "InvalidParameter" });
  await resizeDisk(vm.qmp, A, 96 * MiB, { nbdSocket, exportName: A }); // already that size: nothing to do
});

test("detach: the guest lets go, the nodes go, and what it wrote is in the qcow2", { skip, timeout: 120_000 }, async () => {
  assert.equal(await detachDisk(vm.qmp, A, { timeoutMs: 60_000 }), "removed");
  assert.deepEqual(await pluggedDisks(vm.qmp), [B]);
  assert.deepEqual(await nodesOf(A), []);
  assert.deepEqual(await objectsOf(A), []);
  await guestSees("A gone", (d) => !d.has(serial(A)));
  assert.match(hostRead(A), new RegExp(`^hive-disk-test ${serial(A)}`));
  assert.equal(await detachDisk(vm.qmp, A), "removed"); // not plugged any more
  await assert.rejects(detachDisk(vm.qmp, ROOT), { kind: "InvalidState" });
});

test("forced detach the guest has not answered yet: pending, NBD closed, I/O cut off; cleared when the guest lets go", { skip, timeout: 120_000 }, async () => {
  assert.equal(await detachDisk(vm.qmp, B, { timeoutMs: 1, force: true }), "pending");
  const nodes = await nodesOf(B);
  assert.ok(!nodes.some((n) => n.startsWith(`${B}-nbd`)), `NBD nodes closed: ${nodes.join(" ")}`);
  assert.ok(nodes.includes(`${B}-gone`));
  const until = Date.now() + 60_000;
  while ((await pluggedDisks(vm.qmp)).length > 0 || (await nodesOf(B)).length > 0) {
    if (Date.now() > until) assert.fail(`B still there: ${(await nodesOf(B)).join(" ")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(await objectsOf(B), []);
  await guestSees("B gone", (d) => !d.has(serial(B)));
  assert.match(hostRead(B), new RegExp(`^hive-disk-test ${serial(B)}`));
});
