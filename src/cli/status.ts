// `hive status`: asks the running appliance, through its admin API, how it is doing.
import { adminGet } from "../api/index.ts";
import { adminTarget } from "./admin-target.ts";

export async function fetchStatus(dataDir: string): Promise<Record<string, unknown>> {
  return (await adminGet(adminTarget(dataDir), "/status")) as Record<string, unknown>;
}

export function formatStatus(s: Record<string, unknown>): string {
  const nats = (s.nats ?? {}) as Record<string, unknown>;
  const nodes = (s.nodes ?? []) as Array<Record<string, unknown>>;
  const daemon = (s.daemon ?? {}) as Record<string, unknown>;
  const forwards = (daemon.sshForwards ?? []) as Array<{ instanceId: string; port: number }>;
  const network = daemon.network as { note?: string } | undefined;
  return [
    `node      ${String(s.node)} (${String(s.region)}/${String(s.az)})`,
    `endpoint  ${String(s.endpoint)}`,
    `uptime    ${String(s.uptimeSeconds)} s`,
    `runtime   ${String(s.runtime)}`,
    `nats      ${nats.connected ? "connected" : "disconnected"} ${String(nats.url ?? "")} (server pid ${String(nats.pid ?? "-")}, restarts ${String(nats.restarts ?? 0)})`,
    `nodes     ${nodes.map((n) => String(n.node)).join(", ") || "none"}`,
    ...(network?.note ? [`network   ${network.note}`] : []),
    ...forwards.map((f, i) => `${i === 0 ? "ssh      " : "         "} ${f.instanceId} → 127.0.0.1:${f.port} (hive ssh ${f.instanceId})`),
  ].join("\n");
}
