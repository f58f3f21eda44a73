// DescribeDhcpOptions: the region's DHCP option sets (today the default one: the region's domain and AmazonProvidedDNS).

import type { DescribeDhcpOptionsRequest, DescribeDhcpOptionsResult, DhcpConfiguration, DhcpOptions } from "@aws-sdk/client-ec2";
import type { HiveError } from "../../errors/index.ts";
import type { DhcpOptionsRecord } from "../../store/index.ts";
import { applyFilters, tagFilters, type DaemonContext, type FilterFields } from "../shared/index.ts";
import { noSuch, page, selected, tagList, type VpcStore } from "./common.ts";

const dhcpNotFound = (id: string): HiveError => noSuch("dhcp-options", "dhcpOption", id, "DhcpOptionsId");

function view(ctx: DaemonContext, store: VpcStore, d: DhcpOptionsRecord): DhcpOptions {
  const configurations: DhcpConfiguration[] = [];
  if (d.domainName) configurations.push({ Key: "domain-name", Values: [{ Value: d.domainName }] });
  configurations.push({ Key: "domain-name-servers", Values: d.domainNameServers.split(",").map((s) => ({ Value: s.trim() })) });
  return { DhcpConfigurations: configurations, DhcpOptionsId: d.id, OwnerId: ctx.accountId, Tags: tagList(store.tags.forResource(d.id)) };
}

const tagFields = tagFilters<DhcpOptions>((d) => d.Tags);
const fields: FilterFields<DhcpOptions> = {
  "dhcp-options-id": (d) => d.DhcpOptionsId,
  key: (d) => d.DhcpConfigurations?.map((c) => c.Key),
  value: (d) => d.DhcpConfigurations?.flatMap((c) => c.Values?.map((v) => v.Value) ?? []),
  "owner-id": (d) => d.OwnerId,
  ...tagFields.fields,
};

export function describeDhcpOptions(input: DescribeDhcpOptionsRequest, ctx: DaemonContext, store: VpcStore): DescribeDhcpOptionsResult {
  const records = selected(store.vpcs.dhcpOptions.list(), input.DhcpOptionsIds, "dopt", "DhcpOptionsId", dhcpNotFound);
  const views = records.map((d) => view(ctx, store, d));
  const { items, NextToken } = page(applyFilters(views, input.Filters, fields, tagFields.dynamic), (d) => d.DhcpOptionsId!, input);
  return { DhcpOptions: items, ...(NextToken ? { NextToken } : {}) };
}
