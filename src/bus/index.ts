// Hive's message bus: subjects and payloads, the connection, the one request/reply envelope and the node registry.

export * from "./subjects.ts";
export { connectBus, type BusConnectOptions } from "./client.ts";
export { decodeJson, encodeJson } from "./json.ts";
export { Bus, PART_BYTES, type BytesHandler, type EnvelopeHandler, type FanOutResult, type Served, type ServeOptions } from "./bus.ts";
export { openRegionKv, REGION_BUCKET, type RegionEntry, type RegionKv } from "./region-kv.ts";
export { announce, FANOUT_CEILING_MS, FANOUT_FLOOR_MS, NODE_TTL_MS, watchNodes, type NodeWatch, type WatchOptions } from "./nodes.ts";
