// The region's zones as this box sees them: one per member, available while its heartbeats arrive.
import type { Heartbeat } from "../bus/index.ts";
import type { MemberRecord } from "../store/index.ts";
import type { RegionZone } from "./catalogue/index.ts";
import type { DaemonContext } from "./shared/index.ts";

export function regionZones(ctx: DaemonContext, members: MemberRecord[], live: Heartbeat[], heardAt: Map<string, number>): RegionZone[] {
  const heard = new Set(live.map((hb) => hb.node));
  // A box that has never been in a region is its own one zone.
  if (!members.some((m) => m.node === ctx.node)) members = [...members, { node: ctx.node, az: ctx.az, azId: ctx.azId, role: "hub", joinedAt: "" }];
  return members
    .map((m): RegionZone => {
      if (m.node === ctx.node || heard.has(m.node)) return { az: m.az, azId: m.azId, state: "available" };
      const at = heardAt.get(m.node);
      const since = at ? `since ${new Date(at).toISOString()}` : "since this box started";
      return { az: m.az, azId: m.azId, state: "unavailable", message: `${m.node}, the member in ${m.az}, has not been heard from ${since}` };
    })
    .sort((a, b) => a.az.localeCompare(b.az));
}
