// What the bridge mode before VPCs left on a host: one bridge (hivebr0) in hive's own namespace, its `inet hive` and
// `bridge hive` tables, and a tap per guest (hvt-*). Found and removed at start; VPCs replaced all of it.
import { ipJson, linkExists, nftScript, run } from "./exec.ts";
import { hiveTables, TABLE } from "./nft.ts";
import { TAP_PREFIX } from "./vpc-plan.ts";

export const DEFAULT_BRIDGE = "hivebr0";

interface IpLinkDetail {
  ifname: string;
  linkinfo?: { info_kind?: string };
}

/** Whether the old bridge mode left its bridge or its nftables tables in this namespace. */
export async function bridgeInUse(name: string = DEFAULT_BRIDGE): Promise<boolean> {
  return (await linkExists(name)) || (await hiveTables()).length > 0;
}

/**
 * Removes what the old bridge mode created: hive's nftables tables, every hive tap (hvt-*) in this namespace, and the
 * bridge. IPv4 forwarding is left on: other software on the host may rely on it. VPC ports live in VPC namespaces,
 * never here, so they are untouched.
 */
export async function teardownBridge(opts: { name?: string; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const name = opts.name ?? DEFAULT_BRIDGE;
  const tables = await hiveTables();
  if (tables.length) await nftScript(tables.map((f) => `delete table ${f} ${TABLE}\n`).join(""));
  for (const link of await ipJson<IpLinkDetail>(["-d", "link", "show"])) {
    if (link.ifname.startsWith(TAP_PREFIX) && link.linkinfo?.info_kind === "tun") await run("ip", ["link", "del", "dev", link.ifname]);
  }
  if (await linkExists(name)) await run("ip", ["link", "del", "dev", name]);
  log(`the old bridge ${name} and its nftables tables removed`);
}
