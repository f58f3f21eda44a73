// DescribeAvailabilityZones: the region's zones, one per member box, from this box's copy of the members table, with
// the state this box sees: available while the member is heard from, unavailable once its heartbeats stop.

import type {
  AvailabilityZone,
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
} from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { applyFilters, type FilterFields } from "../shared/index.ts";

const fields: FilterFields<AvailabilityZone> = {
  "zone-name": (z) => z.ZoneName,
  "zone-id": (z) => z.ZoneId,
  "region-name": (z) => z.RegionName,
  state: (z) => z.State,
  "zone-type": (z) => z.ZoneType,
  "group-name": (z) => z.GroupName,
  "opt-in-status": (z) => z.OptInStatus,
  "network-border-group": (z) => z.NetworkBorderGroup,
  message: (z) => z.Messages?.map((m) => m.Message),
  "parent-zone-name": (z) => z.ParentZoneName,
  "parent-zone-id": (z) => z.ParentZoneId,
};

/** A zone of the region as this box sees it. */
export interface RegionZone {
  az: string;
  azId: string;
  state: "available" | "unavailable";
  /** Why it is not available. */
  message?: string;
}

export const thisZone = (ctx: DaemonContext): AvailabilityZone => zoneView(ctx, { az: ctx.az, azId: ctx.azId, state: "available" });

const zoneView = (ctx: DaemonContext, z: RegionZone): AvailabilityZone => ({
  OptInStatus: "opt-in-not-required",
  Messages: z.message ? [{ Message: z.message }] : [],
  RegionName: ctx.region,
  ZoneName: z.az,
  ZoneId: z.azId,
  GroupName: ctx.region,
  NetworkBorderGroup: ctx.region,
  ZoneType: "availability-zone",
  State: z.state,
});

export const describeAvailabilityZones = (
  input: DescribeAvailabilityZonesRequest,
  ctx: DaemonContext,
  regionZones: RegionZone[] = [{ az: ctx.az, azId: ctx.azId, state: "available" }],
): DescribeAvailabilityZonesResult => {
  const names = input.ZoneNames ?? [];
  const ids = input.ZoneIds ?? [];
  const badName = names.find((n) => !regionZones.some((z) => z.az === n));
  if (badName !== undefined) throw invalidParameter("ZoneNames", `The zone '${badName}' does not exist`, "availability-zone");
  const badId = ids.find((id) => !regionZones.some((z) => z.azId === id));
  if (badId !== undefined) throw invalidParameter("ZoneIds", `The zone ID '${badId}' does not exist`, "availability-zone");
  // A zone named in either list is selected; AllAvailabilityZones adds only opt-in zones, of which we have none.
  const selected = regionZones.filter((z) => (names.length === 0 && ids.length === 0) || names.includes(z.az) || ids.includes(z.azId));
  return { AvailabilityZones: applyFilters(selected.map((z) => zoneView(ctx, z)), input.Filters, fields) };
};
