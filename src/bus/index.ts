// Hive's message bus: subjects and payloads, the connection, action RPC and the node registry.

export * from "./subjects.ts";
export { connectBus, decodeJson, encodeJson, type BusConnectOptions } from "./client.ts";
export {
  fanOutAction,
  requestAction,
  serveActions,
  type ActionEntry,
  type ActionHandler,
  type ActionServer,
  type ActionTable,
  type FanOutOptions,
  type ServeOptions,
} from "./rpc.ts";
export { announce, NODE_TTL_MS, watchNodes, type NodeWatch, type WatchOptions } from "./nodes.ts";
