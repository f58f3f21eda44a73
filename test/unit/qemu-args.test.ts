// The QEMU command line for a VM spec: accelerator, devices, disks over NBD, hot-plug ports, console, ssh forward, seed ISO, escaping.

import assert from "node:assert/strict";
import { test } from "node:test";
import { qemuArgs, qemuValue, type VmSpec } from "../../src/vm/index.ts";

const ROOT = "vol-0123456789abcdef0";
const ROOT_DEVICE = `virtio-blk-pci,id=disk-${ROOT},drive=${ROOT},serial=vol0123456789abcdef0,bootindex=1`;

const spec = (extra: Partial<VmSpec> = {}): VmSpec => ({
  instanceId: "i-0123456789abcdef0",
  vcpus: 2,
  memoryMiB: 1024,
  kvm: false,
  rootDisk: { volumeId: ROOT, nbdSocket: "/var/lib/hive/ebs/nbd.sock", exportName: ROOT },
  runDir: "/var/lib/hive/run/i-0123456789abcdef0",
  socketDir: "/run/hive/hive-0123abcd/vm/i-0123456789abcdef0",
  ...extra,
});

/** The value after each occurrence of a flag. */
const valuesOf = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
const valueOf = (args: string[], flag: string): string | undefined => valuesOf(args, flag)[0];

test("TCG spec: tcg accelerator with -cpu max, no iothread", () => {
  const args = qemuArgs(spec());
  assert.deepEqual(valuesOf(args, "-accel"), ["tcg"]);
  assert.equal(valueOf(args, "-cpu"), "max");
  assert.ok(!valuesOf(args, "-object").some((o) => o.startsWith("iothread")));
  assert.ok(valuesOf(args, "-device").includes(ROOT_DEVICE));
});

test("KVM spec: kvm accelerator with -cpu host and the root disk on an iothread", () => {
  const args = qemuArgs(spec({ kvm: true }));
  assert.deepEqual(valuesOf(args, "-accel"), ["kvm"]);
  assert.equal(valueOf(args, "-cpu"), "host");
  assert.equal(valueOf(args, "-object"), "iothread,id=iothread0");
  assert.ok(valuesOf(args, "-device").includes(`${ROOT_DEVICE},iothread=iothread0`));
});

test("machine, size, run files, sockets outside the data directory, and the things every VM has", () => {
  const args = qemuArgs(spec());
  const run = "/var/lib/hive/run/i-0123456789abcdef0";
  const sock = "/run/hive/hive-0123abcd/vm/i-0123456789abcdef0";
  assert.equal(valueOf(args, "-name"), "guest=i-0123456789abcdef0");
  assert.equal(valueOf(args, "-machine"), "q35");
  assert.equal(valueOf(args, "-smp"), "2");
  assert.equal(valueOf(args, "-m"), "1024");
  assert.equal(valueOf(args, "-display"), "none");
  assert.ok(args.includes("-nodefaults") && args.includes("-no-user-config"));
  assert.equal(valueOf(args, "-pidfile"), `${run}/qemu.pid`);
  assert.equal(valueOf(args, "-qmp"), `unix:${sock}/qmp.sock,server=on,wait=off`);
  assert.equal(
    valueOf(args, "-chardev"),
    `socket,id=console0,path=${sock}/console.sock,server=on,wait=off,logfile=${run}/console.log,logappend=on`,
  );
  assert.equal(valueOf(args, "-serial"), "chardev:console0");
  assert.equal(valueOf(args, "-netdev"), "user,id=net0");
  const devices = valuesOf(args, "-device");
  assert.ok(devices.includes("virtio-net-pci,netdev=net0"));
  assert.ok(devices.includes("virtio-rng-pci"));
  // The guest must reboot in place on system_reset, and nothing but a guest power-off ends QEMU by itself.
  assert.ok(!args.includes("-no-reboot") && !args.includes("-no-shutdown") && !args.includes("-daemonize"));
  assert.ok(!args.includes("-S"));
});

test("ssh port forwards loopback to the guest's port 22", () => {
  const args = qemuArgs(spec({ sshHostPort: 22022 }));
  assert.equal(valueOf(args, "-netdev"), "user,id=net0,hostfwd=tcp:127.0.0.1:22022-:22");
});

test("seed ISO: a read-only CD-ROM on virtio-scsi; none without one", () => {
  const args = qemuArgs(spec({ seedIso: "/var/lib/hive/run/i-1/seed.iso" }));
  assert.deepEqual(valuesOf(args, "-blockdev").slice(2), [
    "driver=file,node-name=seed-file,filename=/var/lib/hive/run/i-1/seed.iso,read-only=on",
    "driver=raw,node-name=seed,file=seed-file,read-only=on",
  ]);
  const devices = valuesOf(args, "-device");
  assert.ok(devices.includes("virtio-scsi-pci,id=scsi0"));
  assert.ok(devices.includes("scsi-cd,bus=scsi0.0,drive=seed"));
  const plain = qemuArgs(spec());
  assert.equal(valuesOf(plain, "-blockdev").length, 2);
  assert.ok(!valuesOf(plain, "-device").some((d) => d.startsWith("scsi-cd") || d.startsWith("virtio-scsi")));
});

test("commas in paths are doubled so QEMU reads them as part of the value", () => {
  assert.equal(qemuValue("/a,b/c"), "/a,,b/c");
  const args = qemuArgs(spec({ runDir: "/run/x,y", socketDir: "/run/x,y", rootDisk: { volumeId: ROOT, nbdSocket: "/s,1.sock", exportName: "v" } }));
  assert.equal(valueOf(args, "-qmp"), "unix:/run/x,,y/qmp.sock,server=on,wait=off");
  assert.match(valueOf(args, "-blockdev")!, /server\.path=\/s,,1\.sock,/);
  assert.match(valueOf(args, "-chardev")!, /path=\/run\/x,,y\/console\.sock,.*logfile=\/run\/x,,y\/console\.log,/);
  // -pidfile takes a plain path, not an option list.
  assert.equal(valueOf(args, "-pidfile"), "/run/x,y/qemu.pid");
});

test("pure: the same spec gives the same arguments", () => {
  assert.deepEqual(qemuArgs(spec({ sshHostPort: 2222, seedIso: "/s.iso" })), qemuArgs(spec({ sshHostPort: 2222, seedIso: "/s.iso" })));
});

test("system identity: SMBIOS BIOS vendor, system (maker, product, serial, uuid) and chassis; none without one", () => {
  assert.deepEqual(valuesOf(qemuArgs(spec()), "-smbios"), []);
  const args = qemuArgs(spec({ system: { vendor: "Amazon EC2", product: "t3.micro", uuid: "ec2a1b2c-0000-1111-2222-333344445555" } }));
  assert.deepEqual(valuesOf(args, "-smbios"), [
    "type=0,vendor=Amazon EC2",
    "type=1,manufacturer=Amazon EC2,product=t3.micro,serial=ec2a1b2c-0000-1111-2222-333344445555,uuid=ec2a1b2c-0000-1111-2222-333344445555",
    "type=3,manufacturer=Amazon EC2,asset=Amazon EC2",
  ]);
});

test("root disk: an NBD node under a throttle node in the volume's throttle group, the device named for the volume", () => {
  const args = qemuArgs(spec());
  assert.deepEqual(valuesOf(args, "-blockdev").slice(0, 2), [
    `driver=nbd,node-name=${ROOT}-nbd,server.type=unix,server.path=/var/lib/hive/ebs/nbd.sock,export=${ROOT},reconnect-delay=5,cache.direct=off`,
    `driver=throttle,node-name=${ROOT},file=${ROOT}-nbd,throttle-group=throttle-${ROOT}`,
  ]);
  assert.deepEqual(valuesOf(args, "-object"), [`{"qom-type":"throttle-group","id":"throttle-${ROOT}"}`]);
  // On the root bus, before the NIC: the slots guests already know stay where they were.
  const devices = valuesOf(args, "-device");
  assert.ok(devices.indexOf(ROOT_DEVICE) < devices.findIndex((d) => d.startsWith("virtio-net-pci")));
});

test("throttle: the limits set become the group's limits; 0 is left out", () => {
  const args = qemuArgs(spec({ rootDisk: { volumeId: ROOT, nbdSocket: "/n.sock", exportName: ROOT, throttle: { iops: 3000, bytesPerSec: 0 } } }));
  assert.deepEqual(valuesOf(args, "-object"), [`{"qom-type":"throttle-group","id":"throttle-${ROOT}","limits":{"iops-total":3000}}`]);
  const both = qemuArgs(spec({ rootDisk: { volumeId: ROOT, nbdSocket: "/n.sock", exportName: ROOT, throttle: { iops: 100, bytesPerSec: 1048576 } } }));
  assert.deepEqual(valuesOf(both, "-object"), [`{"qom-type":"throttle-group","id":"throttle-${ROOT}","limits":{"iops-total":100,"bps-total":1048576}}`]);
  assert.throws(() => qemuArgs(spec({ rootDisk: { volumeId: ROOT, nbdSocket: "/n.sock", exportName: ROOT, throttle: { iops: -1, bytesPerSec: 0 } } })));
});

test("hot-plug ports: twelve empty PCIe root ports, after every other device, each its own chassis", () => {
  const devices = valuesOf(qemuArgs(spec({ seedIso: "/s.iso" })), "-device");
  const ports = devices.filter((d) => d.startsWith("pcie-root-port,"));
  assert.equal(ports.length, 12);
  assert.equal(ports[0], "pcie-root-port,id=hotplug0,bus=pcie.0,chassis=1,io-reserve=0");
  assert.equal(ports[11], "pcie-root-port,id=hotplug11,bus=pcie.0,chassis=12,io-reserve=0");
  assert.deepEqual(devices.slice(-12), ports);
});

test("data disks at launch: the same layout as hot-plugged ones, one per port in order, on the iothread with KVM", () => {
  const vol = (n: number) => `vol-0000000000000000${n}`;
  const args = qemuArgs(
    spec({
      kvm: true,
      dataDisks: [
        { volumeId: vol(1), nbdSocket: "/n.sock", exportName: vol(1), throttle: { iops: 500, bytesPerSec: 0 } },
        { volumeId: vol(2), nbdSocket: "/n.sock", exportName: vol(2) },
      ],
    }),
  );
  const blockdevs = valuesOf(args, "-blockdev");
  assert.ok(blockdevs.includes(`driver=nbd,node-name=${vol(1)}-nbd,server.type=unix,server.path=/n.sock,export=${vol(1)},reconnect-delay=5,cache.direct=off`));
  assert.ok(blockdevs.includes(`driver=throttle,node-name=${vol(2)},file=${vol(2)}-nbd,throttle-group=throttle-${vol(2)}`));
  const objects = valuesOf(args, "-object");
  assert.ok(objects.includes(`{"qom-type":"throttle-group","id":"throttle-${vol(1)}","limits":{"iops-total":500}}`));
  assert.ok(objects.includes(`{"qom-type":"throttle-group","id":"throttle-${vol(2)}"}`));
  const devices = valuesOf(args, "-device");
  assert.deepEqual(devices.slice(-2), [
    `virtio-blk-pci,id=disk-${vol(1)},drive=${vol(1)},serial=vol00000000000000001,bus=hotplug0,iothread=iothread0`,
    `virtio-blk-pci,id=disk-${vol(2)},drive=${vol(2)},serial=vol00000000000000002,bus=hotplug1,iothread=iothread0`,
  ]);
  // Each disk after the port it sits on.
  assert.ok(devices.indexOf("pcie-root-port,id=hotplug1,bus=pcie.0,chassis=2,io-reserve=0") < devices.length - 2);
});

test("volume ids that cannot name QEMU nodes are refused; more data disks than ports too", () => {
  assert.throws(() => qemuArgs(spec({ rootDisk: { volumeId: "vol,1", nbdSocket: "/n.sock", exportName: "x" } })), /cannot name/);
  const many = Array.from({ length: 13 }, (_, i) => ({ volumeId: `vol-${i}`, nbdSocket: "/n.sock", exportName: `vol-${i}` }));
  assert.throws(() => qemuArgs(spec({ dataDisks: many })), /hot-plug ports/);
});
