// IPv4 addresses and CIDR blocks as numbers: parsing, containment and overlap, for the bridge and the address book.
import { invalidParameter } from "../errors/index.ts";

export interface Cidr {
  /** The network address as an unsigned 32-bit number. */
  network: number;
  prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export const formatIpv4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

const maskOf = (prefix: number): number => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** "10.73.0.0/24" → { network, prefix }; host bits must be zero, so a typo does not silently mean another network. */
export function parseCidr(text: string): Cidr {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  const addr = m ? parseIpv4(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (addr === undefined || !(prefix >= 0 && prefix <= 32)) throw invalidParameter("cidr", `not an IPv4 CIDR block: ${text}`);
  if ((addr & maskOf(prefix)) >>> 0 !== addr) throw invalidParameter("cidr", `${text} has host bits set (the network is ${formatIpv4((addr & maskOf(prefix)) >>> 0)}/${prefix})`);
  return { network: addr, prefix };
}

/** The block an interface address lies in: 10.73.0.5/16 → 10.73.0.0/16. */
export const blockOf = (addr: number, prefix: number): Cidr => ({ network: (addr & maskOf(prefix)) >>> 0, prefix });

export const formatCidr = (c: Cidr): string => `${formatIpv4(c.network)}/${c.prefix}`;

export const broadcastOf = (c: Cidr): number => (c.network | ~maskOf(c.prefix)) >>> 0;

export const contains = (c: Cidr, addr: number): boolean => (addr & maskOf(c.prefix)) >>> 0 === c.network;

/** Two blocks overlap exactly when one contains the other's network address. */
export const overlaps = (a: Cidr, b: Cidr): boolean => contains(a, b.network) || contains(b, a.network);
