// DescribeAvailabilityZones: each node answers for its own zone; the gateway fans out and merges.

import type {
  AvailabilityZone,
  DescribeAvailabilityZonesRequest,
  DescribeAvailabilityZonesResult,
} from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { applyFilters, escapeRegExp, type FilterFields } from "../shared/index.ts";

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

// A fanned-out node cannot know its peers' zones, so it rejects only names that cannot be a zone of this region;
// a well-formed name of another zone is simply not answered here (the gateway reports names no node answered).
const zoneNameShape = (region: string): RegExp => new RegExp(`^${escapeRegExp(region)}[a-z]$`);
const zoneIdShape = (azId: string): RegExp => new RegExp(`^${escapeRegExp(azId.replace(/-az\d+$/, ""))}-az\\d+$`);

export const thisZone = (ctx: DaemonContext): AvailabilityZone => ({
  OptInStatus: "opt-in-not-required",
  Messages: [],
  RegionName: ctx.region,
  ZoneName: ctx.az,
  ZoneId: ctx.azId,
  GroupName: ctx.region,
  NetworkBorderGroup: ctx.region,
  ZoneType: "availability-zone",
  State: "available",
});

export const describeAvailabilityZones = (
  input: DescribeAvailabilityZonesRequest,
  ctx: DaemonContext,
): DescribeAvailabilityZonesResult => {
  const zone = thisZone(ctx);
  const names = input.ZoneNames ?? [];
  const ids = input.ZoneIds ?? [];
  const nameShape = zoneNameShape(ctx.region);
  const idShape = zoneIdShape(ctx.azId);
  const badName = names.find((n) => n !== ctx.az && !nameShape.test(n));
  if (badName !== undefined)
    throw invalidParameter("ZoneNames", `The zone '${badName}' does not exist`, "availability-zone");
  const badId = ids.find((id) => id !== ctx.azId && !idShape.test(id));
  if (badId !== undefined) throw invalidParameter("ZoneIds", `The zone ID '${badId}' does not exist`, "availability-zone");

  // A zone named in either list is selected; AllAvailabilityZones adds only opt-in zones, of which we have none.
  const selected = names.length === 0 && ids.length === 0 ? true : names.includes(ctx.az) || ids.includes(ctx.azId);
  return { AvailabilityZones: selected ? applyFilters([zone], input.Filters, fields) : [] };
};
