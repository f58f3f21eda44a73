// Turns a VM's specification into the qemu-system-x86_64 command line: pure, so it is tested without QEMU.

import { diskDevice, diskNames, HOTPLUG_PORTS, hotplugPort, nbdNode, throttleGroup, throttleNode, type DataDisk, type DiskThrottle } from "./disk-layout.ts";
import { runPaths, vmSockets } from "./run-dir.ts";

export interface VmSpec {
  /** The EC2 instance id; QEMU's -name guest=<id> is how a running process is recognised later. */
  instanceId: string;
  vcpus: number;
  memoryMiB: number;
  /** Use KVM (the host has a usable /dev/kvm) or fall back to TCG emulation. */
  kvm: boolean;
  /** The root volume, served over NBD on a unix socket (by the EBS service's qemu-storage-daemon), on the root bus. */
  rootDisk: { volumeId: string; nbdSocket: string; exportName: string; throttle?: DiskThrottle };
  /** Data volumes attached while the instance was stopped: plugged at start on hot-plug ports, as attachDisk would. */
  dataDisks?: DataDisk[];
  /** A NoCloud "cidata" ISO, attached read-only as a CD-ROM on virtio-scsi. */
  seedIso?: string;
  /** Holds console.log, qemu.pid and qemu.log (in the data directory). */
  runDir: string;
  /** Holds qmp.sock and console.sock: a short private directory outside the data directory (runtimeDir). */
  socketDir: string;
  /** Forwards 127.0.0.1:<port> on the host to the guest's port 22. */
  sshHostPort?: number;
  /** The guest's MAC address (default: QEMU's). */
  mac?: string;
  /**
   * The metadata service's unix socket for this guest: the guest's connections to 169.254.169.254:80 are relayed
   * there (one socat per connection), so the socket, not the guest, names the instance.
   */
  imdsSocket?: string;
  /** Bridge networking: the tap Hive made for this guest (then no user-mode forwards apply). */
  tap?: string;
  /** What the guest's firmware tables (SMBIOS, read as /sys/class/dmi/id) say the machine is. */
  system?: SystemIdentity;
}

export interface SystemIdentity {
  /** BIOS vendor, system manufacturer and chassis maker and asset tag, e.g. "Amazon EC2". */
  vendor: string;
  /** The system product name, e.g. the instance type. */
  product: string;
  /** The system UUID, also given as its serial number. */
  uuid: string;
}

/**
 * QEMU user-mode networking as Hive lays it out: slirp only relays guest connections to addresses inside its
 * own network, so the network is the metadata service's link-local /24 and 169.254.169.254 is inside it.
 */
export const USER_NET = {
  cidr: "169.254.169.0/24",
  gateway: "169.254.169.2",
  dns: "169.254.169.3",
  guestIp: "169.254.169.15",
  imdsIp: "169.254.169.254",
} as const;

/** Commas separate options in QEMU's key=value syntax; a literal comma in a value is written twice. */
export const qemuValue = (value: string | number): string => String(value).replaceAll(",", ",,");

/** One key=value option list, values escaped. */
const opts = (pairs: [string, string | number][]): string => pairs.map(([k, v]) => `${k}=${qemuValue(v)}`).join(",");

export function qemuArgs(spec: VmSpec): string[] {
  const p = runPaths(spec.runDir);
  const sockets = vmSockets(spec.socketDir);
  const args: string[] = [
    "-name", opts([["guest", spec.instanceId]]),
    "-machine", "q35",
    // TCG: "max" is every feature TCG emulates (x86-64-v2+ userlands such as RHEL 9 refuse qemu64) at no boot-time cost.
    ...(spec.kvm ? ["-accel", "kvm", "-cpu", "host"] : ["-accel", "tcg", "-cpu", "max"]),
    "-smp", String(spec.vcpus),
    "-m", String(spec.memoryMiB),
    "-display", "none",
    "-nodefaults",
    "-no-user-config",
    "-pidfile", p.pidFile,
    "-qmp", `unix:${qemuValue(sockets.qmp)},server=on,wait=off`,
    // A socket chardev so a user can attach later; the log keeps every byte, across guest reboots and restarts.
    "-chardev", `socket,${opts([["id", "console0"], ["path", sockets.console]])},server=on,wait=off,${opts([["logfile", p.consoleLog]])},logappend=on`,
    "-serial", "chardev:console0",
  ];
  if (spec.system) {
    const { vendor, product, uuid } = spec.system;
    args.push(
      "-smbios", `type=0,${opts([["vendor", vendor]])}`,
      "-smbios", `type=1,${opts([["manufacturer", vendor], ["product", product], ["serial", uuid], ["uuid", uuid]])}`,
      "-smbios", `type=3,${opts([["manufacturer", vendor], ["asset", vendor]])}`,
    );
  }
  const iothread = spec.kvm ? "iothread0" : undefined;
  // With KVM the vCPUs are fast enough that disk I/O on the main loop becomes the bottleneck. Under TCG an iothread
  // measured no better (bench/disk-io.ts on 2 cores): one more thread competing with the vCPUs for the same cores.
  if (iothread) args.push("-object", `iothread,id=${iothread}`);
  args.push(...diskArgs(spec.rootDisk, { bootindex: 1, iothread }));
  const netdev = spec.tap !== undefined ? [`tap,id=net0,ifname=${qemuValue(spec.tap)},script=no,downscript=no`] : ["user,id=net0"];
  if (spec.tap === undefined && spec.imdsSocket !== undefined) {
    netdev.push(`net=${USER_NET.cidr},host=${USER_NET.gateway},dns=${USER_NET.dns},dhcpstart=${USER_NET.guestIp}`);
  }
  if (spec.tap === undefined && spec.sshHostPort !== undefined) netdev.push(`hostfwd=tcp:127.0.0.1:${spec.sshHostPort}-:22`);
  if (spec.tap === undefined && spec.imdsSocket !== undefined) {
    netdev.push(`guestfwd=tcp:${USER_NET.imdsIp}:80-cmd:socat STDIO UNIX-CONNECT:${qemuValue(spec.imdsSocket)}`);
  }
  args.push("-netdev", netdev.join(","), "-device", spec.mac ? `virtio-net-pci,netdev=net0,mac=${spec.mac}` : "virtio-net-pci,netdev=net0");
  // Guests block at boot waiting for entropy without a hardware RNG.
  args.push("-device", "virtio-rng-pci");
  if (spec.seedIso !== undefined) {
    const seed = opts([["driver", "file"], ["node-name", "seed-file"], ["filename", spec.seedIso]]);
    args.push(
      "-blockdev", `${seed},read-only=on`,
      "-blockdev", "driver=raw,node-name=seed,file=seed-file,read-only=on",
      "-device", "virtio-scsi-pci,id=scsi0",
      "-device", "scsi-cd,bus=scsi0.0,drive=seed",
    );
  }
  // Last, so the devices above keep the PCI addresses they had before there were ports (guests name NICs by slot).
  const dataDisks = spec.dataDisks ?? [];
  if (dataDisks.length > HOTPLUG_PORTS) throw new Error(`${dataDisks.length} data disks, but only ${HOTPLUG_PORTS} hot-plug ports`);
  for (let i = 0; i < HOTPLUG_PORTS; i++) args.push("-device", device(hotplugPort(i)));
  dataDisks.forEach((disk, i) => args.push(...diskArgs(disk, { bus: hotplugPort(i).id, iothread })));
  return args;
}

/** One volume as disk-layout.ts lays it out: its throttle group, NBD node, throttle node and virtio-blk device. */
function diskArgs(
  disk: { volumeId: string; nbdSocket: string; exportName: string; throttle?: DiskThrottle },
  where: { bus?: string; bootindex?: number; iothread?: string },
): string[] {
  const n = diskNames(disk.volumeId);
  return [
    // JSON: the limits are a nested struct, which -object's key=value form cannot give.
    "-object", JSON.stringify(throttleGroup(disk.volumeId, disk.throttle)),
    "-blockdev", keyval(nbdNode(n.nbd[0], disk)),
    "-blockdev", keyval(throttleNode(disk.volumeId, n.nbd[0])),
    "-device", device(diskDevice(disk.volumeId, where)),
  ];
}

/** A -device value: the driver, then its properties. */
const device = ({ driver, ...props }: { driver: string; [key: string]: unknown }): string => `${driver},${keyval(props)}`;

/** QMP-shaped options in QEMU's key=value syntax: nested objects become dotted keys, booleans on/off. */
function keyval(options: Record<string, unknown>, prefix = ""): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (typeof value === "object" && value !== null) pairs.push(keyval(value as Record<string, unknown>, `${prefix}${key}.`));
    else if (typeof value === "boolean") pairs.push(`${prefix}${key}=${value ? "on" : "off"}`);
    else pairs.push(`${prefix}${key}=${qemuValue(value as string | number)}`);
  }
  return pairs.join(",");
}
