// The embedded NATS server: find its binary, render its config, run and supervise it.

export { resolveNatsServer, setEmbeddedNats, type ResolveOptions } from "./binary.ts";
export { HIVE_ACCOUNT, JOIN_SUBJECT, MAX_PAYLOAD_BYTES, renderNatsConfig, type NatsConfigOptions } from "./config.ts";
export {
  NatsSupervisor,
  startNats,
  type NatsExitInfo,
  type NatsReadyInfo,
  type NatsSupervisorOptions,
} from "./supervisor.ts";
