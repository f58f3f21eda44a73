// The data directory's contents: node identity (config.json), secrets (secrets.json, 0600) and TLS files.
import fs from "node:fs";
import os from "node:os";
import { dataPaths } from "./paths.ts";
import { readJson, writeFileAtomic } from "./files.ts";
import { newAccessKeyId, newAccountId, newParameterKey, newPassword, newSecretAccessKey } from "./secrets.ts";

export const DEFAULT_REGION = "us-east-1";
export const DEFAULT_GATEWAY_PORT = 9999;

export interface NodeConfig {
  version: 1;
  node: string;
  region: string;
  az: string;
  azId: string;
  accountId: string;
  createdAt: string;
  /** Set when this box joined another box's region (`hive up --join`); absent on a hub or a box on its own. */
  cluster?: MemberOf;
}

/** The region a member box belongs to: its hub, reached as a leaf node at one of `hubUrls` (host:port). */
export interface MemberOf {
  hub: string;
  hubUrls: string[];
  joinedAt: string;
}

export interface Secrets {
  admin: { accessKeyId: string; secretAccessKey: string; userName: string };
  nats: { user: string; password: string };
  /** On a hub: what members connect with. On a member: the hub's leaf credentials it connects with. */
  leaf: { user: string; password: string };
  /** A hub's JOIN account (join tokens carry it): it reaches nothing but the join service. Made at the first invite. */
  join?: { user: string; password: string };
  /** The region's key for SecureString parameters: 32 bytes, base64. Every box of a region holds the same one (a
   * member receives it when it joins); data directories made before it get one at their next start. */
  parameterKey?: string;
}

export interface InitOptions {
  region?: string;
  az?: string;
  node?: string;
  force?: boolean;
}

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const DIRECTIONS: Record<string, string> = {
  north: "n", south: "s", east: "e", west: "w", central: "c",
  northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw",
};

/** AWS's short zone id: us-east-1 + "a" → "use1-az1". */
export function azIdFor(region: string, az: string): string {
  const [area, ...rest] = region.split("-");
  const num = rest.pop() ?? "1";
  const short = area + rest.map((w) => DIRECTIONS[w] ?? w[0]).join("") + num;
  const letter = az.slice(region.length) || "a";
  return `${short}-az${letter.charCodeAt(0) - 96}`;
}

export class DataDirExists extends Error {}

export function isInitialized(dataDir: string): boolean {
  return fs.existsSync(dataPaths(dataDir).config);
}

/** Create the data directory: identity, credentials, CA and server certificate. Refuses to overwrite unless `force`. */
export async function initDataDir(dataDir: string, opts: InitOptions = {}): Promise<{ config: NodeConfig; secrets: Secrets }> {
  const p = dataPaths(dataDir);
  if (isInitialized(dataDir) && !opts.force) {
    throw new DataDirExists(`${dataDir} is already initialised; pass --force to replace its identity, credentials and certificates`);
  }
  const region = opts.region ?? DEFAULT_REGION;
  if (!REGION_RE.test(region)) throw new Error(`invalid region '${region}' (expected a name like us-east-1)`);
  const az = opts.az ?? `${region}a`;
  if (!az.startsWith(region) || !/^[a-z]$/.test(az.slice(region.length))) {
    throw new Error(`invalid availability zone '${az}' (expected ${region} followed by one letter, e.g. ${region}a)`);
  }
  const node = opts.node ?? (os.hostname().toLowerCase().replace(/[^a-z0-9-]/g, "-") || "node1");
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(node)) throw new Error(`invalid node name '${node}' (letters, digits and '-')`);

  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  const config: NodeConfig = {
    version: 1,
    node,
    region,
    az,
    azId: azIdFor(region, az),
    accountId: newAccountId(),
    createdAt: new Date().toISOString(),
  };
  const secrets: Secrets = {
    admin: { accessKeyId: newAccessKeyId(), secretAccessKey: newSecretAccessKey(), userName: "admin" },
    nats: { user: "hive", password: newPassword() },
    leaf: { user: "hive-leaf", password: newPassword() },
    // The key opens the SecureStrings already in hive.db, which a re-initialisation keeps: so it is kept too.
    parameterKey: heldParameterKey(dataDir) ?? newParameterKey(),
  };
  // Loaded on demand: the X.509 library is only needed once, at init.
  const { makeTlsMaterial } = await import("./tls.ts");
  const tls = await makeTlsMaterial(node);
  writeFileAtomic(p.caCert, tls.caCert, 0o644);
  writeFileAtomic(p.caKey, tls.caKey, 0o600);
  writeFileAtomic(p.serverCert, tls.serverCert, 0o644);
  writeFileAtomic(p.serverKey, tls.serverKey, 0o600);
  writeFileAtomic(p.secrets, JSON.stringify(secrets, null, 2) + "\n", 0o600);
  // config.json last: its presence marks a complete data directory.
  writeFileAtomic(p.config, JSON.stringify(config, null, 2) + "\n", 0o644);
  return { config, secrets };
}

function heldParameterKey(dataDir: string): string | undefined {
  try {
    return loadSecrets(dataDir).parameterKey;
  } catch {
    return undefined;
  }
}

export function loadNodeConfig(dataDir: string): NodeConfig {
  return readJson<NodeConfig>(dataPaths(dataDir).config);
}

/** Replaces config.json and secrets.json (a join: the region's identity instead of the box's own). */
export function saveIdentity(dataDir: string, config: NodeConfig, secrets: Secrets): void {
  const p = dataPaths(dataDir);
  writeFileAtomic(p.secrets, JSON.stringify(secrets, null, 2) + "\n", 0o600);
  writeFileAtomic(p.config, JSON.stringify(config, null, 2) + "\n", 0o644);
}

export function loadSecrets(dataDir: string): Secrets {
  return readJson<Secrets>(dataPaths(dataDir).secrets);
}

/** Adds a key to secrets.json; the caller holds the data directory's lock. */
export function saveParameterKey(dataDir: string, key: string): void {
  const p = dataPaths(dataDir);
  writeFileAtomic(p.secrets, JSON.stringify({ ...loadSecrets(dataDir), parameterKey: key }, null, 2) + "\n", 0o600);
}

/**
 * The region's SecureString key as bytes. A box that makes its region's keys (on its own, or a hub) and has none
 * yet (a data directory from before parameters) makes it now; a member has the one its hub sent, or none.
 */
export function ensureParameterKey(dataDir: string): Uint8Array | undefined {
  let key = loadSecrets(dataDir).parameterKey;
  if (key === undefined && !loadNodeConfig(dataDir).cluster) {
    key = newParameterKey();
    saveParameterKey(dataDir, key);
  }
  return key === undefined ? undefined : parameterKeyBytes(key);
}

/** The key's bytes, checked: 32 of them. */
export function parameterKeyBytes(key: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(key, "base64"));
  if (bytes.byteLength !== 32) throw new Error(`secrets.json: parameterKey must be 32 bytes in base64, not ${bytes.byteLength}`);
  return bytes;
}
