// Hive's two nftables tables, both named "hive" so that removing them is `nft delete table <family> hive`:
// `inet hive` (NAT, forwarding, the bridge network's own anti-spoofing) and `bridge hive` (one guard chain per guest port).
import { run } from "./exec.ts";

export const TABLE = "hive";
export const FAMILIES = ["inet", "bridge"] as const;
export type Family = (typeof FAMILIES)[number];

interface NftObject {
  table?: { family: string; name: string };
  chain?: { family: string; table: string; name: string };
  map?: { family: string; table: string; name: string; elem?: [string, unknown][] };
}

async function listJson(args: string[]): Promise<NftObject[]> {
  const out = JSON.parse(await run("nft", ["-j", "list", ...args])) as { nftables: NftObject[] };
  return out.nftables;
}

/** Which of hive's tables exist now. */
export async function hiveTables(): Promise<Family[]> {
  const objects = await listJson(["tables"]);
  return FAMILIES.filter((f) => objects.some((o) => o.table?.family === f && o.table.name === TABLE));
}

/** The names of the chains in `bridge hive` (empty when the table is missing). */
export async function bridgeChains(): Promise<string[]> {
  if (!(await hiveTables()).includes("bridge")) return [];
  return (await listJson(["chains", "bridge"])).flatMap((o) => (o.chain?.table === TABLE ? [o.chain.name] : []));
}

/** The keys of a map in `bridge hive`. */
export async function bridgeMapKeys(map: string): Promise<string[]> {
  const objects = await listJson(["map", "bridge", TABLE, map]);
  return objects.flatMap((o) => (o.map?.elem ?? []).map(([key]) => key));
}

/** An nft string literal (interface names are validated before they get here). */
export const quote = (s: string): string => JSON.stringify(s);
