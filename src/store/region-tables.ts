// Which tables hold the region's state (replicated between boxes), the shape their rows travel in, and the
// change-capture triggers written for them.

/** A region row: every column by name, as SQLite holds it (booleans are 0/1). */
export type RegionRow = Record<string, unknown>;

export interface RegionChange {
  /** The outbox entry (the row's latest change); 0 in a snapshot. */
  seq: number;
  table: string;
  /** The primary key's values, in the key's column order. */
  key: unknown[];
  /** The row as it is now, or null when it no longer exists. */
  row: RegionRow | null;
}

export type RegionChangeInput = Omit<RegionChange, "seq">;

/** A change, or a row, that apply did not put in place, and why. */
export interface RegionRefusal {
  table: string;
  key: unknown[];
  reason: string;
}

export interface RegionTable {
  readonly name: string;
  /** The primary key's columns, in the key's order (PRAGMA table_info's pk). */
  readonly key: readonly string[];
  /** A key column naming a resource: only rows where it names a region resource (not a box's) are the region's. */
  readonly resourceColumn?: string;
}

/** Ids of resources that belong to one box; every other resource id is the region's. */
export const BOX_ID_PREFIXES: readonly string[] = ["i-", "r-", "vol-", "snap-"];

export const isRegionResource = (id: string): boolean => !BOX_ID_PREFIXES.some((p) => id.startsWith(p));

/** Parents before children (a foreign key always points to an earlier entry), so loads go in this order and deletes backwards. */
export const REGION_TABLES: readonly RegionTable[] = [
  { name: "dhcp_options", key: ["id"] },
  { name: "vpcs", key: ["id"] },
  { name: "vpc_cidr_blocks", key: ["association_id"] },
  { name: "subnets", key: ["id"] },
  { name: "internet_gateways", key: ["id"] },
  { name: "route_tables", key: ["id"] },
  { name: "routes", key: ["route_table_id", "destination"] },
  { name: "route_table_associations", key: ["id"] },
  { name: "security_groups", key: ["id"] },
  { name: "security_group_rules", key: ["id"] },
  { name: "network_interfaces", key: ["id"] },
  { name: "network_interface_groups", key: ["interface_id", "group_id"] },
  { name: "addresses", key: ["allocation_id"] },
  { name: "key_pairs", key: ["id"] },
  { name: "images", key: ["id"] },
  { name: "image_block_devices", key: ["image_id", "device_name"] },
  { name: "image_launch_permissions", key: ["image_id", "grantee_type", "grantee"] },
  // One row per image and box: each box writes only its own, so launches on two boxes never overwrite each other.
  { name: "image_launches", key: ["image_id", "node"] },
  { name: "launch_templates", key: ["id"] },
  { name: "launch_template_versions", key: ["template_id", "version"] },
  { name: "tags", key: ["resource_id", "key"], resourceColumn: "resource_id" },
  { name: "members", key: ["node"] },
  // SSM parameters: their own tags table, since a parameter's name ("i-x") could pass for a box's resource id.
  { name: "parameters", key: ["name"] },
  { name: "parameter_versions", key: ["name", "version"] },
  { name: "parameter_labels", key: ["name", "label"] },
  { name: "parameter_tags", key: ["name", "key"] },
  { name: "public_parameters", key: ["name"] },
];

export const regionTable = (name: string): RegionTable | undefined => REGION_TABLES.find((t) => t.name === name);

/** SQL true when `ref` (e.g. `NEW.resource_id`) names a region resource; mirrors isRegionResource. */
export const regionResourceSql = (ref: string): string =>
  BOX_ID_PREFIXES.map((p) => `${ref} NOT GLOB '${p}*'`).join(" AND ");

/** True when the table's row `ref` (NEW or OLD) is the region's. */
const rowIsRegion = (t: RegionTable, ref: "NEW" | "OLD"): string | undefined =>
  t.resourceColumn && regionResourceSql(`${ref}.${t.resourceColumn}`);

const GUARD_OFF = "NOT EXISTS (SELECT 1 FROM region_apply_guard WHERE active = 1)";

const record = (t: RegionTable, ref: "NEW" | "OLD", ...conditions: Array<string | undefined>): string => {
  const where = conditions.filter(Boolean);
  const pk = `json_array(${t.key.map((c) => `${ref}.${c}`).join(", ")})`;
  return where.length === 0
    ? `INSERT INTO region_outbox (tbl, pk) VALUES ('${t.name}', ${pk});`
    : `INSERT INTO region_outbox (tbl, pk) SELECT '${t.name}', ${pk} WHERE ${where.join(" AND ")};`;
};

/**
 * The three AFTER triggers that record a region table's changed keys in region_outbox, unless an apply of remote
 * changes is under way. Used to write migrations (scripts/region-triggers.ts): a shipped migration keeps its text.
 */
export const regionTriggerSql = (t: RegionTable): string => {
  const keyChanged = t.key.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(" OR ");
  const trigger = (op: "insert" | "update" | "delete", event: string, when: string, body: string[]): string =>
    `CREATE TRIGGER region_${t.name}_${op} AFTER ${event} ON ${t.name}\n` +
    `WHEN ${when}\nBEGIN\n${body.map((s) => `  ${s}\n`).join("")}END;`;
  const when = (ref: "NEW" | "OLD") => [GUARD_OFF, rowIsRegion(t, ref)].filter(Boolean).join(" AND ");
  return [
    trigger("insert", "INSERT", when("NEW"), [record(t, "NEW")]),
    // A changed key is a delete of the old row and an insert of the new one.
    trigger("update", "UPDATE", GUARD_OFF, [
      record(t, "OLD", `(${keyChanged})`, rowIsRegion(t, "OLD")),
      record(t, "NEW", rowIsRegion(t, "NEW")),
    ]),
    trigger("delete", "DELETE", when("OLD"), [record(t, "OLD")]),
  ].join("\n");
};
