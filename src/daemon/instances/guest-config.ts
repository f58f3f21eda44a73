// What a guest is told about itself: its MAC and host name, the NoCloud seed, and the metadata service's view.
import { createHash } from "node:crypto";
import type { MetadataFacts, MetadataInterface } from "../../metadata/index.ts";
import type { InstanceRecord, Store } from "../../store/index.ts";
import { USER_NET, type SeedFiles, type SystemIdentity } from "../../vm/index.ts";
import type { DaemonContext } from "../shared/index.ts";
import { interfaceFacts, primaryInterfaceOf, publicDnsNameOf } from "../network-interfaces/index.ts";
import { privateDnsDomain, privateDnsName } from "../../net/index.ts";
import type { GuestNetwork } from "../network/index.ts";

// Listings show every instance's MAC: remembered rather than hashed again, up to a bound that keeps memory flat.
const macs = new Map<string, string>();
const MACS_KEPT = 100_000;

/** A stable, locally administered MAC (QEMU's 52:54:00 prefix) derived from the instance id. */
export function macFor(instanceId: string): string {
  let mac = macs.get(instanceId);
  if (mac === undefined) {
    const h = createHash("sha256").update(instanceId).digest();
    mac = ["52", "54", "00", ...[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, "0"))].join(":");
    if (macs.size >= MACS_KEPT) macs.clear();
    macs.set(instanceId, mac);
  }
  return mac;
}

/** The guest's MAC: its primary interface's (an interface given to RunInstances keeps its own), else the one from its id. */
export const guestMac = (store: Store, instanceId: string): string => primaryInterfaceOf(store, instanceId)?.mac ?? macFor(instanceId);

/**
 * The machine as EC2's firmware describes it: vendor "Amazon EC2", the instance type as product, and a system UUID
 * beginning "ec2" that is also the serial number. cloud-init, systemd-detect-virt and agents built for EC2 look for
 * exactly this before they use EC2's ways (cloud-init asks the metadata service for an IMDSv2 token only then).
 * The UUID is derived from the instance id, so it is stable across stops and restarts.
 */
export function systemIdentityFor(r: Pick<InstanceRecord, "id" | "instanceType">): SystemIdentity {
  const h = createHash("sha256").update(`hive-system-uuid:${r.id}`).digest("hex");
  const hex = `ec2${h.slice(0, 29)}`;
  const uuid = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20, 32)].join("-");
  return { vendor: "Amazon EC2", product: r.instanceType, uuid };
}

/** EC2's resource-based host names: i-….ec2.internal in us-east-1, i-….<region>.compute.internal elsewhere. */
export function hostnameFor(instanceId: string, region: string): string {
  return `${instanceId}.${privateDnsDomain(region)}`;
}

/** The instances holding an address on the bridge: every one from RunInstances until it is terminated. */
export function addressHolders(store: Store): (InstanceRecord & { privateIp: string })[] {
  return store.instances
    .inStates(["pending", "running", "stopping", "stopped", "shutting-down"])
    .filter((r): r is InstanceRecord & { privateIp: string } => !!r.privateIp);
}

/** The guest's address: its own on the bridge; in user-mode networking every guest has its own slirp network, so all share one. */
export const privateIpFor = (r: Pick<InstanceRecord, "privateIp">): string => r.privateIp ?? USER_NET.guestIp;

/**
 * What the metadata service tells the guest: identity, its private DNS name as host name, and each network interface
 * with its subnet, VPC, groups and Elastic IP. In user mode the addresses are the interfaces' (the VPC's view), not the
 * guest's slirp address.
 */
export function metadataFacts(store: Store, r: InstanceRecord, ctx: DaemonContext, publicKey?: string): MetadataFacts {
  const facts = interfaceFacts(store, store.networkInterfaces.forInstance(r.id));
  const interfaces: MetadataInterface[] = facts.map((f) => {
    const vpcBlocks = store.vpcs.cidrBlocks(f.record.vpcId);
    const primaryBlock = vpcBlocks.find((b) => b.primary)?.cidr ?? store.vpcs.get(f.record.vpcId)?.cidr ?? "";
    return {
      deviceNumber: f.record.deviceIndex ?? 0,
      interfaceId: f.record.id,
      mac: f.record.mac,
      localHostname: privateDnsName(f.record.privateIp, ctx.region),
      localIpv4s: [f.record.privateIp],
      ownerId: r.ownerId,
      securityGroupIds: f.groups.map((g) => g.GroupId!),
      securityGroups: f.groups.map((g) => g.GroupName!),
      subnetId: f.record.subnetId,
      subnetCidr: f.subnet?.cidr ?? "",
      vpcId: f.record.vpcId,
      vpcCidr: primaryBlock,
      vpcCidrs: vpcBlocks.length ? [primaryBlock, ...vpcBlocks.filter((b) => !b.primary).map((b) => b.cidr)] : [primaryBlock],
      ...(f.address
        ? {
            publicIpv4s: [
              { publicIp: f.address.publicIp, privateIp: f.record.privateIp, ...(f.dnsHostnames ? { publicHostname: publicDnsNameOf(f.address.publicIp, ctx.region) } : {}) },
            ],
          }
        : {}),
    };
  });
  const primary = facts.find((f) => f.record.deviceIndex === 0);
  const hostname = primary ? privateDnsNameFor(r.id, primary.record.privateIp, primary.subnet?.hostnameType, ctx.region) : hostnameFor(r.id, ctx.region);
  return {
    instanceId: r.id,
    imageId: r.imageId,
    instanceType: r.instanceType,
    reservationId: r.reservationId,
    accountId: r.ownerId,
    region: ctx.region,
    az: r.az,
    azId: ctx.azId,
    hostname,
    privateIp: primary?.record.privateIp ?? privateIpFor(r),
    mac: primary?.record.mac ?? macFor(r.id),
    rootDeviceName: r.rootDeviceName,
    launchTime: r.launchTime,
    keyName: r.keyName,
    publicKey,
    userData: r.userData,
    interfaces,
    securityGroups: primary?.groups.map((g) => g.GroupName!) ?? [],
    ...(primary?.address
      ? { publicIp: primary.address.publicIp, ...(primary.dnsHostnames ? { publicHostname: publicDnsNameOf(primary.address.publicIp, ctx.region) } : {}) }
      : {}),
  };
}

/** The instance's private DNS name as its subnet names instances: by address (ip-10-0-1-4…) or by id (i-0123…). */
export const privateDnsNameFor = (instanceId: string, ip: string, hostnameType: string | undefined, region: string): string =>
  hostnameType === "resource-name" ? hostnameFor(instanceId, region) : privateDnsName(ip, region);

const yamlString = (s: string): string => JSON.stringify(s);


/**
 * The VPC's resolver for images whose network setup drops network-config's name servers: cloud-init's ifupdown
 * renderer writes them as `dns-nameservers`, which only the resolvconf package reads, so a Debian image with plain
 * ifupdown is left with no resolver at all ("sudo: unable to resolve host"). At every boot, unless something manages
 * /etc/resolv.conf (a symlink: systemd-resolved, resolvconf, netplan), it is written from the seed.
 */
function resolverVendorData(net: GuestNetwork): string {
  const lines = [...net.nameservers.map((n) => `nameserver ${n}`), ...(net.search.length ? [`search ${net.search.join(" ")}`] : [])].join("\\n");
  const script = `if [ ! -L /etc/resolv.conf ] && ! command -v resolvconf >/dev/null 2>&1; then printf '${lines}\\n' > /etc/resolv.conf; fi`;
  return ["#cloud-config", "bootcmd:", `  - [sh, -c, ${yamlString(script)}]`, ""].join("\n");
}

/**
 * meta-data (instance id, host name, the key), user-data exactly as given (or an empty cloud-config), network-config v2
 * (in a VPC: the static address, the VPC router and its resolver; in user mode, QEMU's DHCP).
 */
export function seedFiles(
  r: InstanceRecord,
  ctx: DaemonContext,
  publicKey?: string,
  net?: GuestNetwork,
  mac = macFor(r.id),
  hostname = hostnameFor(r.id, ctx.region),
): SeedFiles {
  const metaData = [
    `instance-id: ${r.id}`,
    `local-hostname: ${hostname}`,
    ...(publicKey ? ["public-keys:", `  - ${yamlString(publicKey)}`] : []),
    "",
  ].join("\n");
  const userData = r.userData
    ? Buffer.from(r.userData, "base64")
    : ["#cloud-config", ...(publicKey ? ["ssh_authorized_keys:", `  - ${yamlString(publicKey)}`] : []), ""].join("\n");
  // In a VPC the address is static (the port's guard admits only it); user mode has QEMU's DHCP.
  const addressing = net
    ? [
        `      addresses: [${yamlString(net.address)}]`,
        `      gateway4: ${yamlString(net.gateway)}`,
        ...(net.nameservers.length || net.search.length
          ? [
              "      nameservers:",
              `        addresses: [${net.nameservers.map(yamlString).join(", ")}]`,
              `        search: [${net.search.map(yamlString).join(", ")}]`,
            ]
          : []),
      ]
    : ["      dhcp4: true"];
  const networkConfig = [
    "version: 2",
    "ethernets:",
    "  nic0:",
    "    match:",
    `      macaddress: ${yamlString(mac)}`,
    ...addressing.map((l) => l.slice(2)),
    "",
  ].join("\n");
  return { "meta-data": metaData, "user-data": userData, "network-config": networkConfig, ...(net?.nameservers.length ? { "vendor-data": resolverVendorData(net) } : {}) };
}
