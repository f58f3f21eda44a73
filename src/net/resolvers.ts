// The host's DNS resolvers as guests on the bridge can use them: they reach the outside through the host's NAT, so
// any resolver but a loopback one (systemd-resolved's 127.0.0.53, a local dnsmasq) works for them as for the host.
import fs from "node:fs";
import { parseIpv4 } from "./ipv4.ts";

/** Where resolvers are listed: the usual file, then systemd-resolved's list of its upstream servers. */
const RESOLV_FILES = ["/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"];
/** resolv.conf takes at most three. */
const MAX_RESOLVERS = 3;

/** The IPv4 nameserver lines of one resolv.conf text, loopback and unspecified addresses left out. */
export function usableResolvers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    const n = m ? parseIpv4(m[1]!) : undefined;
    if (n === undefined || n === 0 || n >>> 24 === 127 || out.includes(m![1]!)) continue;
    out.push(m![1]!);
  }
  return out.slice(0, MAX_RESOLVERS);
}

/** The first list of usable resolvers the host has; empty when it has none a guest could use. */
export function hostResolvers(files: string[] = RESOLV_FILES): string[] {
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const found = usableResolvers(text);
    if (found.length) return found;
  }
  return [];
}
