// Prints the change-capture triggers of region tables (all, or those named), to paste into a new migration.
// Usage: tsx scripts/region-triggers.ts [table ...]

import { REGION_TABLES, regionTriggerSql } from "../src/store/region-tables.ts";

const wanted = process.argv.slice(2);
const unknown = wanted.filter((n) => !REGION_TABLES.some((t) => t.name === n));
if (unknown.length > 0) {
  console.error(`not in REGION_TABLES: ${unknown.join(", ")}`);
  process.exit(1);
}
for (const t of REGION_TABLES.filter((t) => wanted.length === 0 || wanted.includes(t.name))) {
  console.log(regionTriggerSql(t));
}
