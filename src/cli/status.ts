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
  const storage = daemon.storage as NodeStorage | undefined;
  const transfers = (daemon.transfers ?? []) as Transfer[];
  return [
    `node      ${String(s.node)} (${String(s.region)}/${String(s.az)})`,
    `endpoint  ${String(s.endpoint)}`,
    `uptime    ${String(s.uptimeSeconds)} s`,
    `runtime   ${String(s.runtime)}`,
    `nats      ${nats.connected ? "connected" : "disconnected"} ${String(nats.url ?? "")} (server pid ${String(nats.pid ?? "-")}, restarts ${String(nats.restarts ?? 0)})`,
    `nodes     ${nodes.map((n) => String(n.node)).join(", ") || "none"}`,
    ...(s.cluster ? [clusterLine(s.cluster as ClusterSummary)] : []),
    ...(network?.note ? [`network   ${network.note}`] : []),
    ...(storage ? [storageLine(storage)] : []),
    ...(transfers.length > 0 ? [transfersLine(transfers)] : []),
    ...forwards.map((f, i) => `${i === 0 ? "ssh      " : "         "} ${f.instanceId} → 127.0.0.1:${f.port} (hive ssh ${f.instanceId})`),
  ].join("\n");
}

interface NodeStorage {
  filesystem: { totalBytes: number; freeBytes: number };
  volumes: { count: number; allocatedBytes: number };
  snapshots: { count: number; allocatedBytes: number };
  images: { count: number; allocatedBytes: number };
}

const gib = (bytes: number): string => `${(bytes / 1024 ** 3).toFixed(bytes < 10 * 1024 ** 3 ? 2 : 1)} GiB`;

/** One line: what volumes, snapshots and images take on disk, and what the filesystem has left. */
function storageLine(s: NodeStorage): string {
  const part = (name: string, g: { count: number; allocatedBytes: number }) => `${g.count} ${name} ${gib(g.allocatedBytes)}`;
  return `storage   ${part("volumes", s.volumes)}, ${part("snapshots", s.snapshots)}, ${part("images", s.images)}; ${gib(s.filesystem.freeBytes)} free of ${gib(s.filesystem.totalBytes)}`;
}

interface Transfer {
  imageId: string;
  from: string;
  doneBytes: number;
  totalBytes: number;
  bytesPerSecond: number;
}

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)}`;

/** One line: the AMI files coming from other members, how far each is and how fast it goes. */
function transfersLine(list: Transfer[]): string {
  const one = (t: Transfer) => {
    const pct = t.totalBytes > 0 ? Math.floor((t.doneBytes * 100) / t.totalBytes) : 0;
    return `${t.imageId} from ${t.from} ${pct}% (${mib(t.doneBytes)}/${mib(t.totalBytes)} MiB, ${mib(t.bytesPerSecond)} MiB/s)`;
  };
  return `fetching  ${list.map(one).join("; ")}`;
}

interface ClusterSummary {
  role: string;
  hub: string;
  members?: Array<{ node: string; reachable: boolean }>;
  region?: { pending?: number; pushError?: string };
}

/** One line: this box's part in the region and how many members it hears (details: `hive cluster status`). */
function clusterLine(c: ClusterSummary): string {
  const members = c.members ?? [];
  const heard = members.filter((m) => m.reachable).length;
  const waiting = c.region?.pending ? `; ${c.region.pending} change(s) waiting for the hub` : "";
  return `region    ${c.role}${c.role === "member" ? ` of ${c.hub}` : ""}, ${members.length} member(s), ${heard} reachable${waiting}`;
}
