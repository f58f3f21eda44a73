// The Debian packages a bare Debian box needs before `hive up` works: one list, for the offline bundle and its install.

export interface RuntimePackage {
  /** The Debian package. */
  name: string;
  /** A program it puts on the box, to tell whether it is there. */
  provides: string;
  /** What Hive runs it for. */
  why: string;
}

/** nats-server is not here: the binary carries its own. scripts/setup.sh installs the same set on a connected box. */
export const RUNTIME_PACKAGES: readonly RuntimePackage[] = [
  { name: "qemu-system-x86", provides: "qemu-system-x86_64", why: "the guests" },
  { name: "qemu-system-common", provides: "qemu-storage-daemon", why: "volumes served over NBD" },
  { name: "qemu-utils", provides: "qemu-img", why: "image conversion, volume files" },
  { name: "genisoimage", provides: "genisoimage", why: "the guests' NoCloud seed ISOs" },
  { name: "socat", provides: "socat", why: "the metadata service's relays" },
  { name: "iproute2", provides: "ip", why: "VPC bridges, taps and namespaces" },
  { name: "nftables", provides: "nft", why: "NAT and security groups" },
  { name: "dnsmasq-base", provides: "dnsmasq", why: "each VPC's DNS resolver" },
  { name: "xz-utils", provides: "xz", why: "image archives (.tar.xz)" },
];
