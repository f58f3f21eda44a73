// DescribeRegions: an appliance serves exactly one region, the one its nodes were configured with.

import type { DescribeRegionsRequest, DescribeRegionsResult, Region } from "@aws-sdk/client-ec2";
import { invalidParameter } from "../../errors/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { applyFilters, type FilterFields } from "../shared/index.ts";

const fields: FilterFields<Region> = {
  endpoint: (r) => r.Endpoint,
  "region-name": (r) => r.RegionName,
  "opt-in-status": (r) => r.OptInStatus,
};

/** The gateway's host:port, which is what clients must dial in place of ec2.<region>.amazonaws.com. */
export const endpointHost = (endpoint: string): string => {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
};

export const describeRegions = (input: DescribeRegionsRequest, ctx: DaemonContext): DescribeRegionsResult => {
  const region: Region = {
    RegionName: ctx.region,
    Endpoint: endpointHost(ctx.endpoint),
    OptInStatus: "opt-in-not-required",
  };
  // AllRegions only adds regions that need opting in; we have none, so it changes nothing.
  const unknown = (input.RegionNames ?? []).filter((n) => n !== ctx.region);
  if (unknown.length > 0) throw invalidParameter("RegionNames", `Invalid region: ${unknown[0]}`, "region");
  return { Regions: applyFilters([region], input.Filters, fields) };
};
