// QMP, QEMU's JSON monitor protocol: the client that drives qemu-system and qemu-storage-daemon.

export { QmpClient, type QmpConnectOptions, type QmpExecuteOptions, type QmpEventListener, type QmpCloseListener } from "./client.ts";
export { QmpCommandError, QmpDisconnectedError, QmpTimeoutError } from "./errors.ts";
export type {
  QmpGreeting,
  QmpTimestamp,
  QmpEvent,
  QmpStatus,
  QmpShutdownData,
  QmpBlockInfo,
  QmpBlockdevOptions,
  QmpDeviceOptions,
  QmpSocketAddress,
  QmpBlockExportOptions,
  QmpBlockExportInfo,
  QmpBlockNodeInfo,
  QmpObjectProperty,
  QmpPciDevice,
  QmpPciBus,
} from "./types.ts";
