// Private addresses in a subnet: AWS keeps the first four and the last for itself; interfaces take the rest,
// the lowest free one unless the caller names one.
import { HiveError, invalidParameter } from "../../errors/index.ts";
import { broadcastOf, contains, formatIpv4, parseCidr, parseIpv4 } from "../../net/index.ts";
import type { Store, SubnetRecord } from "../../store/index.ts";

/** The subnet's addresses no interface may have: network, router (+1), DNS (+2), reserved (+3) and broadcast. */
export function reservedAddresses(cidr: string): Set<number> {
  const c = parseCidr(cidr);
  return new Set([c.network, c.network + 1, c.network + 2, c.network + 3, broadcastOf(c)]);
}

const addressesInUse = (store: Store, subnetId: string): Set<number> =>
  new Set(store.networkInterfaces.forSubnet(subnetId).map((n) => parseIpv4(n.privateIp)!));

/**
 * The lowest address of the subnet that is neither reserved, nor any interface's, nor in `taken` (addresses handed out
 * earlier in the same request); undefined when the subnet is full. Read and insert with no await between them.
 */
export function nextFreeAddress(store: Store, subnetId: string, taken: string[] = []): string | undefined {
  const subnet = store.subnets.get(subnetId);
  if (!subnet) return undefined;
  const c = parseCidr(subnet.cidr);
  const skip = new Set([...reservedAddresses(subnet.cidr), ...addressesInUse(store, subnetId), ...taken.map((t) => parseIpv4(t)!)]);
  for (let a = c.network; a <= broadcastOf(c); a++) if (!skip.has(a)) return formatIpv4(a);
  return undefined;
}

/** InvalidIPAddress.InUse: an address another interface (or Elastic IP) holds. */
export const addressInUse = (message: string, param = "PrivateIpAddress"): HiveError => new HiveError({ kind: "Conflict", resource: "ip-address", param, message });

/**
 * Checks an address a caller asks for, as EC2 does: a dotted quad inside the subnet, not one of its reserved five, not
 * held by another interface (InvalidIPAddress.InUse) nor by `taken`.
 */
export function checkWantedAddress(store: Store, subnet: SubnetRecord, ip: string, param: string, taken: string[] = []): string {
  const n = parseIpv4(ip);
  if (n === undefined) throw invalidParameter(param, `Invalid value '${ip.slice(0, 64)}' for IP address. The value must be a valid IPv4 address.`);
  if (!contains(parseCidr(subnet.cidr), n)) throw invalidParameter(param, `Address ${ip} does not fall within the subnet's address range`);
  if (reservedAddresses(subnet.cidr).has(n)) throw invalidParameter(param, `Address ${ip} is in subnet's reserved address range`);
  if (addressesInUse(store, subnet.id).has(n) || taken.includes(ip)) throw addressInUse(`Address ${ip} is in use.`);
  return formatIpv4(n);
}
