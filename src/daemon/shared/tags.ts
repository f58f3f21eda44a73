// CreateTags, DeleteTags and DescribeTags over the resources this node holds: instances, volumes, snapshots, images and the
// region's VPCs, subnets, route tables, internet gateways, DHCP option sets, security groups and their rules, launch templates.
import type { CreateTagsRequest, DeleteTagsRequest, DescribeTagsRequest, Tag, TagDescription } from "@aws-sdk/client-ec2";
import type { ActionRequest } from "../../bus/index.ts";
import { HiveError, invalidParameter, malformed, notFound } from "../../errors/index.ts";
import type { Store, TagRecord } from "../../store/index.ts";
import { applyFilters, tagFilters, type FilterFields } from "./filters.ts";
import { isId, resourceTypeOf } from "./ids.ts";
import { isReservedTagKey } from "../../actions/index.ts";
import { checkTags, MAX_TAGS_PER_RESOURCE } from "./tag-rules.ts";

const PREFIX_OF: Record<string, string> = {
  instance: "i",
  volume: "vol",
  snapshot: "snap",
  image: "ami",
  vpc: "vpc",
  subnet: "subnet",
  "route-table": "rtb",
  "internet-gateway": "igw",
  "dhcp-options": "dopt",
  "security-group": "sg",
  "security-group-rule": "sgr",
  "network-interface": "eni",
  "elastic-ip": "eipalloc",
  "launch-template": "lt",
};

/** Whether the store holds a live resource of this type and id. */
const EXISTS: Record<string, (store: Store, id: string) => boolean> = {
  instance: (store, id) => store.instances.get(id) !== undefined,
  volume: (store, id) => (store.volumes.get(id)?.state ?? "deleted") !== "deleted",
  snapshot: (store, id) => (store.snapshots.get(id)?.state ?? "deleted") !== "deleted",
  image: (store, id) => (store.images.get(id)?.state ?? "deregistered") !== "deregistered",
  vpc: (store, id) => store.vpcs.get(id) !== undefined,
  subnet: (store, id) => store.subnets.get(id) !== undefined,
  "route-table": (store, id) => store.routeTables.get(id) !== undefined,
  "internet-gateway": (store, id) => store.routeTables.internetGateways.get(id) !== undefined,
  "dhcp-options": (store, id) => store.vpcs.dhcpOptions.get(id) !== undefined,
  "security-group": (store, id) => store.securityGroups.get(id) !== undefined,
  "security-group-rule": (store, id) => store.securityGroups.rule(id) !== undefined,
  "network-interface": (store, id) => store.networkInterfaces.get(id) !== undefined,
  "elastic-ip": (store, id) => store.networkInterfaces.addresses.get(id) !== undefined,
  "launch-template": (store, id) => store.launchTemplates.get(id) !== undefined,
};

/** EC2's noun for a resource type in "The … ID '…' does not exist". */
const NOUN: Record<string, string> = { "route-table": "routeTable", "internet-gateway": "internetGateway", "dhcp-options": "dhcpOption", "security-group-rule": "security group rule", "network-interface": "networkInterface", "elastic-ip": "allocation", "launch-template": "launch template" };

/** Where EC2's wording is not "The <noun> ID '<id>' does not exist". */
const NOT_FOUND_MESSAGE: Record<string, (id: string) => string> = {
  image: (id) => `The image ID '${id}' does not exist`,
  "security-group": (id) => `The security group '${id}' does not exist`,
  snapshot: (id) => `The snapshot '${id}' does not exist.`,
};

/** The resources among `ids` that this node holds, with their EC2 resource type. */
function held(store: Store, ids: string[], alone: boolean): Array<{ id: string; type: string }> {
  const out: Array<{ id: string; type: string }> = [];
  for (const id of ids) {
    const type = resourceTypeOf(id);
    if (!type || !PREFIX_OF[type] || !isId(PREFIX_OF[type]!, id)) throw malformed(type && PREFIX_OF[type] ? type : "resource", `Invalid id: "${id.slice(0, 64)}"`, "ResourceId");
    if (EXISTS[type]!(store, id)) out.push({ id, type });
    else if (alone) throw notFound(type, NOT_FOUND_MESSAGE[type]?.(id) ?? `The ${NOUN[type] ?? type} ID '${id}' does not exist`, "ResourceId");
  }
  return out;
}

/** A resource's tags as the EC2 API shows them. */
export const tagsView = (tags: TagRecord[] | undefined): Tag[] => (tags ?? []).map((t) => ({ Key: t.key, Value: t.value }));

export function createTags(req: ActionRequest<CreateTagsRequest>, store: Store) {
  const ids = req.input.Resources ?? [];
  if (ids.length === 0) throw invalidParameter("ResourceId", "The request must contain the parameter ResourceId");
  const tags = checkTags(req.input.Tags, "Tag");
  const targets = held(store, ids, req.nodes === 1);
  for (const t of targets) {
    // Reserved (aws:) tags do not count toward the limit, as on AWS.
    const existing = new Set(store.tags.forResource(t.id).filter((x) => !isReservedTagKey(x.key)).map((x) => x.key));
    for (const tag of tags) existing.add(tag.key);
    if (existing.size > MAX_TAGS_PER_RESOURCE) {
      throw new HiveError({ kind: "InvalidParameter", resource: "tag-limit", param: "Tag", message: `Resource '${t.id}' would have more than ${MAX_TAGS_PER_RESOURCE} tags` });
    }
  }
  store.tags.put(targets.flatMap((t) => tags.map((tag) => ({ resourceId: t.id, resourceType: t.type, ...tag }))));
  return { _owned: targets.map((t) => t.id) };
}

export function deleteTags(req: ActionRequest<DeleteTagsRequest>, store: Store) {
  const ids = req.input.Resources ?? [];
  if (ids.length === 0) throw invalidParameter("ResourceId", "The request must contain the parameter ResourceId");
  const given = req.input.Tags;
  const reserved = given?.find((tag) => isReservedTagKey(tag.Key ?? ""));
  if (reserved) throw invalidParameter("Tag", `Tag keys starting with 'aws:' are reserved for internal use: '${reserved.Key}' cannot be deleted`);
  const targets = held(store, ids, req.nodes === 1);
  store.tags.delete(
    targets.flatMap((t) =>
      given && given.length > 0
        ? given.map((tag) => ({ resourceId: t.id, key: tag.Key ?? "", value: tag.Value }))
        : // Without Tags every tag of the resource goes, except the reserved ones.
          store.tags.forResource(t.id).filter((tag) => !isReservedTagKey(tag.key)).map((tag) => ({ resourceId: t.id, key: tag.key })),
    ),
  );
  return { _owned: targets.map((t) => t.id) };
}

const tagDescriptionTags = tagFilters<TagDescription>((d) => [{ Key: d.Key, Value: d.Value }]);
const fields: FilterFields<TagDescription> = {
  key: (d) => d.Key,
  value: (d) => d.Value,
  "resource-id": (d) => d.ResourceId,
  "resource-type": (d) => d.ResourceType,
};

export function describeTags(req: ActionRequest<DescribeTagsRequest>, store: Store) {
  const all: TagDescription[] = store.tags.list().map((t) => ({
    ResourceId: t.resourceId,
    ResourceType: t.resourceType as TagDescription["ResourceType"],
    Key: t.key,
    Value: t.value,
  }));
  return { Tags: applyFilters(all, req.input.Filters, fields, tagDescriptionTags.dynamic) };
}
