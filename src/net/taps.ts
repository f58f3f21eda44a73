// Guest taps: one root-owned tap per instance, attached to the bridge and guarded against spoofing, which QEMU opens
// by name (-netdev tap,ifname=…,script=no,downscript=no). They outlive hive; reconcile() squares them with the store.
import { createHash } from "node:crypto";
import { HiveError } from "../errors/index.ts";
import { ipJson, linkExists, run } from "./exec.ts";
import { checkPortName, guardedPorts, guardPort, TAP_PREFIX, unguardPort, type PortGuard } from "./port-guard.ts";

export interface TapSpec extends PortGuard {
  /** The bridge to attach to (setupBridge's name). */
  bridge: string;
}

interface IpLinkDetail {
  ifname: string;
  master?: string;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { type?: string } };
}

/** hvt-<8 hex>: stable for an instance id, and short enough for Linux's 15-character interface names. */
export const tapNameFor = (instanceId: string): string => `${TAP_PREFIX}${createHash("sha256").update(instanceId).digest("hex").slice(0, 8)}`;

const isTap = (l: IpLinkDetail): boolean => l.linkinfo?.info_kind === "tun" && l.linkinfo.info_data?.type === "tap";

/** The hive taps (hvt-*) that exist now. */
export async function listTaps(): Promise<string[]> {
  return (await ipJson<IpLinkDetail>(["-d", "link", "show"])).filter((l) => l.ifname.startsWith(TAP_PREFIX) && isTap(l)).map((l) => l.ifname);
}

/**
 * Creates the tap (or repairs an existing one): guard rules first, then attach and up, so no frame passes unguarded.
 * Idempotent; a changed MAC or address replaces the guard.
 */
export async function createTap(spec: TapSpec): Promise<void> {
  checkPortName(spec.name);
  await guardPort(spec);
  const [existing] = (await linkExists(spec.name)) ? await ipJson<IpLinkDetail>(["-d", "link", "show", "dev", spec.name]) : [];
  if (existing && !isTap(existing)) {
    throw new HiveError({ kind: "Conflict", resource: "network", message: `${spec.name} exists and is not a tap` });
  }
  if (!existing) await run("ip", ["tuntap", "add", "dev", spec.name, "mode", "tap"]);
  if (existing?.master !== spec.bridge) await run("ip", ["link", "set", "dev", spec.name, "master", spec.bridge]);
  if (!existing?.flags?.includes("UP")) await run("ip", ["link", "set", "dev", spec.name, "up"]);
}

/** Removes the tap and its guard; a no-op for a tap that is gone. */
export async function deleteTap(name: string): Promise<void> {
  checkPortName(name);
  if (await linkExists(name)) await run("ip", ["link", "del", "dev", name]);
  await unguardPort(name);
}

/**
 * Makes the host's taps exactly `wanted` (after a restart: the instances that should have one): creates or repairs
 * those, deletes other hive taps and guards left by guests that are gone.
 */
export async function reconcile(wanted: TapSpec[]): Promise<{ created: string[]; removed: string[] }> {
  const names = new Set(wanted.map((w) => w.name));
  const before = new Set(await listTaps());
  const removed: string[] = [];
  for (const name of before) {
    if (!names.has(name)) {
      await deleteTap(name);
      removed.push(name);
    }
  }
  for (const port of await guardedPorts()) if (!names.has(port) && !before.has(port)) await unguardPort(port);
  const created: string[] = [];
  for (const spec of wanted) {
    if (!before.has(spec.name)) created.push(spec.name);
    await createTap(spec);
  }
  return { created, removed };
}
