// What a hub needs before its nats-server starts: JOIN credentials (join tokens carry them) and a leaf-node
// certificate, signed by the region's CA, for every address members are told to reach it at.
import { existsSync, readFileSync } from "node:fs";
import { dataPaths, issueServerCert, loadSecrets, newPassword, saveIdentity, loadNodeConfig, serverNames, writeFileAtomic } from "../config/index.ts";

export interface HubPrep {
  /** host:port addresses members reach the leaf listener at. */
  leafUrls: string[];
  /** Whether the leaf listener has its certificate: a box that left a region keeps no CA key and admits no members. */
  tls: boolean;
}

export async function prepareHub(dataDir: string, opts: { leafHost: string; leafPort: number; advertise?: string[] }): Promise<HubPrep> {
  const p = dataPaths(dataDir);
  const secrets = loadSecrets(dataDir);
  if (!secrets.join) saveIdentity(dataDir, loadNodeConfig(dataDir), { ...secrets, join: { user: "hive-join", password: newPassword() } });
  const leafUrls = advertised(opts);
  const names = serverNames();
  const hosts = leafUrls.map((u) => u.slice(0, u.lastIndexOf(":")).replace(/^\[|\]$/g, ""));
  const want = {
    dns: [...new Set([...names.dns, ...hosts.filter((h) => !isIp(h))])],
    ips: [...new Set([...names.ips, ...hosts.filter(isIp)])],
  };
  const marker = `${p.leafCert}.names`;
  const current = existsSync(marker) && existsSync(p.leafCert) && existsSync(p.leafKey) ? readFileSync(marker, "utf8") : "";
  if (current !== JSON.stringify(want) && existsSync(p.caKey)) {
    const leaf = await issueServerCert(readFileSync(p.caCert, "utf8"), readFileSync(p.caKey, "utf8"), "hive-leaf", want);
    writeFileAtomic(p.leafKey, leaf.key, 0o600);
    writeFileAtomic(p.leafCert, leaf.cert, 0o644);
    writeFileAtomic(marker, JSON.stringify(want), 0o644);
  }
  return { leafUrls, tls: existsSync(p.caKey) && existsSync(p.leafCert) };
}

/** --leaf-advertise as given (a missing port is the leaf port); else the bound address, or every address of the box. */
function advertised(opts: { leafHost: string; leafPort: number; advertise?: string[] }): string[] {
  const withPort = (h: string): string => (/:\d+$/.test(h) && !/^[0-9a-f:]+$/i.test(h) ? h : `${h.includes(":") ? `[${h}]` : h}:${opts.leafPort}`);
  if (opts.advertise?.length) return opts.advertise.map(withPort);
  if (opts.leafHost !== "0.0.0.0" && opts.leafHost !== "::") return [withPort(opts.leafHost)];
  const ips = serverNames().ips.filter((ip) => !ip.includes(":") && !ip.startsWith("127."));
  return (ips.length ? ips : ["127.0.0.1"]).map(withPort);
}

const isIp = (h: string): boolean => /^[0-9.]+$/.test(h) || h.includes(":");
