// The QMP wire messages and the shapes of the commands Hive uses, as QEMU 7.2 documents them.

/** The first line QEMU sends on a new monitor connection. */
export interface QmpGreeting {
  QMP: {
    version: { qemu: { major: number; minor: number; micro: number }; package: string };
    capabilities: string[];
  };
}

export interface QmpTimestamp {
  seconds: number;
  microseconds: number;
}

/** An asynchronous event, e.g. SHUTDOWN, RESET, DEVICE_DELETED, BLOCK_JOB_COMPLETED. */
export interface QmpEvent {
  event: string;
  /** Empty when the event carries no data. */
  data: Record<string, unknown>;
  timestamp: QmpTimestamp;
}

export interface QmpReturn {
  return: unknown;
  id?: unknown;
}

export interface QmpErrorReply {
  error: { class: string; desc: string };
  id?: unknown;
}

/** query-status; `status` is QEMU's RunState: "running", "paused", "shutdown", "inmigrate", "io-error", ... */
export interface QmpStatus {
  status: string;
  running: boolean;
}

/** The SHUTDOWN event's data: `guest` is true when the guest itself asked (ACPI poweroff, triple fault, panic). */
export interface QmpShutdownData {
  guest: boolean;
  /** e.g. "guest-shutdown", "guest-reset", "guest-panic", "host-qmp-quit", "host-signal", "host-ui". */
  reason: string;
}

/** One entry of query-block (the fields Hive reads; QEMU sends more). */
export interface QmpBlockInfo {
  device: string;
  qdev?: string;
  locked: boolean;
  removable: boolean;
  "io-status"?: string;
  inserted?: {
    "node-name"?: string;
    drv: string;
    file: string;
    ro: boolean;
    image?: { filename: string; format: string; "virtual-size": number };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** blockdev-add options: `driver` and `node-name` always, the rest depends on the driver. */
export interface QmpBlockdevOptions {
  driver: string;
  "node-name": string;
  [key: string]: unknown;
}

/** device_add options: `driver` (the device model) and usually `id`, then the device's properties. */
export interface QmpDeviceOptions {
  driver: string;
  id?: string;
  [key: string]: unknown;
}

/** A QAPI SocketAddress, as nbd-server-start takes it. */
export type QmpSocketAddress =
  | { type: "unix"; path: string }
  | { type: "inet"; host: string; port: string }
  | { type: "fd"; str: string };

/** block-export-add options; Hive exports over NBD. */
export interface QmpBlockExportOptions {
  type: "nbd" | "fuse" | "vhost-user-blk";
  id: string;
  "node-name": string;
  writable?: boolean;
  /** The NBD export name clients ask for (defaults to the node name). */
  name?: string;
  [key: string]: unknown;
}

/** One entry of query-block-exports. */
export interface QmpBlockExportInfo {
  id: string;
  type: string;
  "node-name": string;
  "shutting-down": boolean;
}

/** One node of query-named-block-nodes (flat; the fields Hive reads). */
export interface QmpBlockNodeInfo {
  "node-name": string;
  drv: string;
  file: string;
  ro: boolean;
  image: { filename: string; format: string; "virtual-size": number; [key: string]: unknown };
  [key: string]: unknown;
}

/** One entry of qom-list: a property or child of a QOM object; children's type reads "child<type>". */
export interface QmpObjectProperty {
  name: string;
  type: string;
}

/** One PCI device of query-pci; a bridge (e.g. a PCIe root port) lists the devices behind it. */
export interface QmpPciDevice {
  bus: number;
  slot: number;
  function: number;
  /** The device's id as given to -device/device_add ("" when it has none). */
  qdev_id: string;
  pci_bridge?: { bus: { number: number; [key: string]: unknown }; devices?: QmpPciDevice[] };
  [key: string]: unknown;
}

/** One PCI bus of query-pci. */
export interface QmpPciBus {
  bus: number;
  devices: QmpPciDevice[];
}
