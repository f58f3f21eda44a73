// Guest addresses: the lowest free host address of the bridge network, never handed out twice while allocated.
import { capacityExhausted, invalidParameter } from "../errors/index.ts";
import { broadcastOf, contains, formatIpv4, parseCidr, parseIpv4 } from "./ipv4.ts";

export interface Allocation {
  ip: string;
  instanceId: string;
}

/** Where allocations are kept (in memory here; the daemon's implementation keeps them in the store). */
export interface AddressBook {
  allocated(): Allocation[];
  /** The instance's address: the one it holds, or the lowest free one (CapacityExhausted when none is). */
  take(instanceId: string): string;
  /** Frees the instance's address (on terminate); a no-op when it holds none. */
  release(instanceId: string): void;
}

/**
 * The lowest host address of `cidr` not in `used`, skipping the network address, the gateway (the first host
 * address) and the broadcast address; undefined when the network is full.
 */
export function lowestFree(cidr: string, used: Iterable<string>): string | undefined {
  const net = parseCidr(cidr);
  const taken = new Set<number>();
  for (const ip of used) {
    const n = parseIpv4(ip);
    if (n !== undefined) taken.add(n);
  }
  for (let n = net.network + 2; n < broadcastOf(net); n++) if (!taken.has(n)) return formatIpv4(n);
  return undefined;
}

export class MemoryAddressBook implements AddressBook {
  private readonly byInstance = new Map<string, string>();

  constructor(
    private readonly cidr: string,
    initial: Allocation[] = [],
  ) {
    const net = parseCidr(cidr);
    for (const a of initial) {
      const n = parseIpv4(a.ip);
      if (n === undefined || !contains(net, n)) throw invalidParameter("ip", `${a.ip} is not in ${cidr}`);
      if ([...this.byInstance.values()].includes(a.ip)) throw invalidParameter("ip", `${a.ip} is allocated twice`);
      this.byInstance.set(a.instanceId, a.ip);
    }
  }

  allocated(): Allocation[] {
    return [...this.byInstance].map(([instanceId, ip]) => ({ ip, instanceId }));
  }

  take(instanceId: string): string {
    const held = this.byInstance.get(instanceId);
    if (held) return held;
    const ip = lowestFree(this.cidr, this.byInstance.values());
    if (ip === undefined) throw capacityExhausted(`no free address left in ${this.cidr}`);
    this.byInstance.set(instanceId, ip);
    return ip;
  }

  release(instanceId: string): void {
    this.byInstance.delete(instanceId);
  }
}
