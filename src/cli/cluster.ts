// `hive cluster`: join tokens, the region's members as this box sees them, and removing a member.
import { adminGet, adminPost } from "../api/index.ts";
import { adminTarget } from "./admin-target.ts";
import { loadNodeConfig, loadSecrets, saveIdentity } from "../config/index.ts";

export async function inviteCli(dataDir: string, flags: { ttl?: number }): Promise<string> {
  const invite = (await adminPost(adminTarget(dataDir), "/cluster/invites", flags.ttl ? { ttlSeconds: flags.ttl } : {})) as { token: string; expiresAt: string; hub: string[] };
  process.stderr.write(`join token, good once until ${invite.expiresAt}; members reach this hub at ${invite.hub.join(", ")}\n`);
  process.stderr.write(`on the new box: hive up --join <token>\n`);
  return invite.token;
}

export async function removeCli(dataDir: string, node: string): Promise<string> {
  const out = (await adminPost(adminTarget(dataDir), "/cluster/remove", { node })) as { removed: string };
  return `removed ${out.removed} from the region`;
}

interface Member {
  node: string;
  az: string;
  role: string;
  joinedAt: string;
  reachable: boolean;
  rttMs?: number;
  lastHeartbeat?: string;
  capacity?: { vcpusFree: number; memoryMiBFree: number };
}

export async function clusterStatus(dataDir: string): Promise<Record<string, unknown>> {
  const status = (await adminGet(adminTarget(dataDir), "/status")) as Record<string, unknown>;
  return (status.cluster ?? {}) as Record<string, unknown>;
}

export function formatCluster(c: Record<string, unknown>): string {
  const members = (c.members ?? []) as Member[];
  const region = (c.region ?? {}) as { revision?: number; pending?: number; pushError?: string };
  const lines = [
    `role      ${String(c.role)} (hub ${String(c.hub)})`,
    `region    log revision ${region.revision ?? 0}, ${region.pending ?? 0} change(s) waiting here${region.pushError ? ` (hub unreachable: ${region.pushError})` : ""}`,
    "members",
  ];
  for (const m of members) {
    const link = m.reachable ? `up${m.rttMs !== undefined ? `, ${m.rttMs} ms round trip` : ""}` : "UNREACHABLE";
    const room = m.capacity ? `, ${m.capacity.vcpusFree} vCPU / ${m.capacity.memoryMiBFree} MiB free` : "";
    const heard = m.lastHeartbeat ? `, last heartbeat ${m.lastHeartbeat}` : "";
    lines.push(`  ${m.node.padEnd(16)} ${m.az.padEnd(12)} ${m.role.padEnd(7)} ${link}${room}${heard}`);
  }
  return lines.join("\n");
}

/** A member leaves: the hub takes it (and its zone's subnets and interfaces) out of the region; this box then runs on
 * its own from its next start, keeping the account and a copy of the region-wide state as they were. */
export async function leaveCli(dataDir: string): Promise<string> {
  const config = loadNodeConfig(dataDir);
  if (!config.cluster) throw new Error("this box is not a member of another box's region (a hub cannot leave its own region)");
  await adminPost(adminTarget(dataDir), "/cluster/leave", {});
  const { cluster: _left, ...alone } = config;
  saveIdentity(dataDir, alone, loadSecrets(dataDir));
  return `left the region of ${config.cluster.hub}; stop this appliance and start it again to run on its own (hive init --force gives it an identity of its own)`;
}
