// DHCP option sets: the region's default one (its domain and AmazonProvidedDNS), sets a user makes with a domain name
// and name servers, and which set each VPC's guests are told about. NTP and NetBIOS options are refused: Hive has
// nowhere to hand them to a guest.

import type {
  AssociateDhcpOptionsRequest,
  CreateDhcpOptionsRequest,
  CreateDhcpOptionsResult,
  DeleteDhcpOptionsRequest,
  DescribeDhcpOptionsRequest,
  DescribeDhcpOptionsResult,
  DhcpConfiguration,
  DhcpOptions,
} from "@aws-sdk/client-ec2";
import { invalidParameter, type HiveError } from "../../errors/index.ts";
import { parseIpv4 } from "../../net/index.ts";
import type { DhcpOptionsRecord } from "../../store/index.ts";
import { applyFilters, assertIds, newId, tagFilters, type DaemonContext, type FilterFields, type NetworkChanges } from "../shared/index.ts";
import { dependencyViolation, missing, noSuch, notSupported, page, selected, specTags, tagList, vpcOf, type VpcStore } from "./common.ts";

export const AMAZON_PROVIDED_DNS = "AmazonProvidedDNS";
const dhcpNotFound = (id: string): HiveError => noSuch("dhcp-options", "dhcpOption", id, "DhcpOptionsId");

function view(ctx: DaemonContext, store: VpcStore, d: DhcpOptionsRecord): DhcpOptions {
  const configurations: DhcpConfiguration[] = [];
  if (d.domainName) configurations.push({ Key: "domain-name", Values: [{ Value: d.domainName }] });
  const servers = serversOf(d);
  if (servers.length > 0) configurations.push({ Key: "domain-name-servers", Values: servers.map((s) => ({ Value: s })) });
  return { DhcpConfigurations: configurations, DhcpOptionsId: d.id, OwnerId: ctx.accountId, Tags: tagList(store.tags.forResource(d.id)) };
}

const serversOf = (d: DhcpOptionsRecord): string[] => d.domainNameServers.split(",").map((s) => s.trim()).filter((s) => s !== "");

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

const UNHONOURED = new Set(["ntp-servers", "netbios-name-servers", "netbios-node-type", "ipv6-address-preferred-lease-time"]);
const DOMAIN = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** domain-name (one domain) and domain-name-servers (up to four: AmazonProvidedDNS or IPv4 addresses). */
export function createDhcpOptions(input: CreateDhcpOptionsRequest, ctx: DaemonContext, store: VpcStore): CreateDhcpOptionsResult {
  const configs = input.DhcpConfigurations ?? [];
  if (configs.length === 0) throw missing("DhcpConfiguration");
  let domainName: string | undefined;
  let servers: string[] | undefined;
  for (const c of configs) {
    const key = c.Key ?? "";
    const values = c.Values ?? [];
    if (UNHONOURED.has(key)) throw notSupported("DhcpConfiguration", `the DHCP option ${key}`);
    if (key !== "domain-name" && key !== "domain-name-servers") {
      throw invalidParameter("DhcpConfiguration", `Value (${key}) for parameter key is invalid. Unknown DHCP option`);
    }
    if ((key === "domain-name" && domainName !== undefined) || (key === "domain-name-servers" && servers !== undefined)) {
      throw invalidParameter("DhcpConfiguration", `Value (${key}) for parameter key is invalid. Duplicate DHCP option`);
    }
    if (values.length === 0) throw invalidParameter("DhcpConfiguration", `Value for DHCP option ${key} must be specified`);
    if (key === "domain-name") {
      if (values.length > 1 || !DOMAIN.test(values[0]!)) {
        throw invalidParameter("DhcpConfiguration", `Value (${values.join(", ")}) for parameter value is invalid. Invalid domain name`);
      }
      domainName = values[0]!;
    } else {
      if (values.length > 4) throw invalidParameter("DhcpConfiguration", "Value for parameter domain-name-servers is invalid. At most 4 name servers may be specified");
      const bad = values.find((v) => v !== AMAZON_PROVIDED_DNS && parseIpv4(v) === undefined);
      if (bad !== undefined) throw invalidParameter("DhcpConfiguration", `Value (${bad}) for parameter value is invalid. Invalid IPv4 address`);
      servers = values;
    }
  }
  const id = newId("dopt");
  const tags = specTags(input.TagSpecifications, "dhcp-options", id);
  const rec: DhcpOptionsRecord = { id, domainName, domainNameServers: (servers ?? []).join(","), createdAt: new Date().toISOString() };
  store.vpcs.dhcpOptions.insert(rec, tags);
  return { DhcpOptions: view(ctx, store, rec) };
}

/** Gives the VPC's guests this set, or none ("default"), from their next DHCP lease or boot. */
export function associateDhcpOptions(input: AssociateDhcpOptionsRequest, store: VpcStore, changes: NetworkChanges): object {
  const id = input.DhcpOptionsId;
  if (!id) throw missing("DhcpOptionsId");
  if (id !== "default") {
    assertIds("dopt", [id], "DhcpOptionsId");
    if (!store.vpcs.dhcpOptions.get(id)) throw dhcpNotFound(id);
  }
  const vpc = vpcOf(store, input.VpcId);
  store.vpcs.update(vpc.id, { dhcpOptionsId: id === "default" ? null : id });
  changes.vpcChanged(vpc.id);
  return {};
}

/** Refused while a VPC uses the set. */
export function deleteDhcpOptions(input: DeleteDhcpOptionsRequest, store: VpcStore): object {
  const id = input.DhcpOptionsId;
  if (!id) throw missing("DhcpOptionsId");
  assertIds("dopt", [id], "DhcpOptionsId");
  store.transaction(() => {
    if (!store.vpcs.dhcpOptions.get(id)) throw dhcpNotFound(id);
    if (store.vpcs.list().some((v) => v.dhcpOptionsId === id)) throw dependencyViolation("dhcpOptions", id);
    store.vpcs.dhcpOptions.delete(id);
  });
  return {};
}

/** What the VPC's guests are told over DHCP: a search domain and name servers (empty for the "default" set: none). */
export function vpcDhcpOptions(store: VpcStore, vpcId: string): { domainName?: string; nameServers: string[]; amazonProvidedDns: boolean } | undefined {
  const vpc = store.vpcs.get(vpcId);
  if (!vpc) return undefined;
  const set = vpc.dhcpOptionsId ? store.vpcs.dhcpOptions.get(vpc.dhcpOptionsId) : undefined;
  if (!set) return { nameServers: [], amazonProvidedDns: false };
  const servers = serversOf(set);
  return { domainName: set.domainName, nameServers: servers, amazonProvidedDns: servers.includes(AMAZON_PROVIDED_DNS) };
}
