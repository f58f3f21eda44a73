// The instance metadata tree as EC2 serves it under /latest/meta-data/, built from what Hive knows of one instance.

export interface MetadataFacts {
  instanceId: string;
  imageId: string;
  instanceType: string;
  reservationId: string;
  accountId: string;
  region: string;
  az: string;
  azId: string;
  hostname: string;
  privateIp: string;
  mac: string;
  rootDeviceName: string;
  launchTime: string;
  keyName?: string;
  publicKey?: string;
  /** base64, as RunInstances received it */
  userData?: string;
  /** The instance's network interfaces, primary first; without them the tree shows one interface from mac and privateIp. */
  interfaces?: MetadataInterface[];
  /** The primary interface's security group names. */
  securityGroups?: string[];
  /** The Elastic IP on the primary interface, and its public DNS name. */
  publicIp?: string;
  publicHostname?: string;
}

/** One interface under network/interfaces/macs/<mac>/, as EC2 describes it. */
export interface MetadataInterface {
  deviceNumber: number;
  interfaceId: string;
  mac: string;
  localHostname: string;
  localIpv4s: string[];
  ownerId: string;
  securityGroupIds: string[];
  securityGroups: string[];
  subnetId: string;
  subnetCidr: string;
  vpcId: string;
  /** The VPC's primary block, then all of them. */
  vpcCidr: string;
  vpcCidrs: string[];
  /** Public address → the private address it maps to. */
  publicIpv4s?: Array<{ publicIp: string; privateIp: string; publicHostname?: string }>;
}

const lines = (values: string[]): string => values.join("\n");

function interfaceNode(i: MetadataInterface): MetadataNode {
  const pub = i.publicIpv4s ?? [];
  return {
    "device-number": String(i.deviceNumber),
    "interface-id": i.interfaceId,
    ...(pub.length ? { "ipv4-associations": Object.fromEntries(pub.map((p) => [p.publicIp, p.privateIp])) } : {}),
    "local-hostname": i.localHostname,
    "local-ipv4s": lines(i.localIpv4s),
    mac: i.mac,
    "owner-id": i.ownerId,
    ...(pub.length && pub[0]!.publicHostname ? { "public-hostname": pub[0]!.publicHostname } : {}),
    ...(pub.length ? { "public-ipv4s": lines(pub.map((p) => p.publicIp)) } : {}),
    "security-group-ids": lines(i.securityGroupIds),
    "security-groups": lines(i.securityGroups),
    "subnet-id": i.subnetId,
    "subnet-ipv4-cidr-block": i.subnetCidr,
    "vpc-id": i.vpcId,
    "vpc-ipv4-cidr-block": i.vpcCidr,
    "vpc-ipv4-cidr-blocks": lines(i.vpcCidrs),
  };
}

/** A directory maps names to subtrees; a leaf is its text. */
export type MetadataNode = string | { [name: string]: MetadataNode };

export function metadataTree(f: MetadataFacts): MetadataNode {
  const macs: { [mac: string]: MetadataNode } = {};
  if (f.interfaces?.length) {
    for (const i of f.interfaces) macs[i.mac] = interfaceNode(i);
  } else {
    macs[f.mac] = {
      "device-number": "0",
      "interface-id": `eni-${f.instanceId.slice(2)}`,
      "local-hostname": f.hostname,
      "local-ipv4s": f.privateIp,
      mac: f.mac,
      "owner-id": f.accountId,
      "security-group-ids": "",
      "security-groups": "",
    };
  }
  return {
    "ami-id": f.imageId,
    "ami-launch-index": "0",
    "ami-manifest-path": "(unknown)",
    "block-device-mapping": { ami: f.rootDeviceName.replace("/dev/", ""), root: f.rootDeviceName },
    hostname: f.hostname,
    "instance-action": "none",
    "instance-id": f.instanceId,
    "instance-life-cycle": "on-demand",
    "instance-type": f.instanceType,
    "local-hostname": f.hostname,
    "local-ipv4": f.privateIp,
    mac: f.mac,
    network: { interfaces: { macs } },
    placement: { "availability-zone": f.az, "availability-zone-id": f.azId, region: f.region },
    profile: "default-hvm",
    ...(f.publicIp && f.publicHostname ? { "public-hostname": f.publicHostname } : {}),
    ...(f.publicIp ? { "public-ipv4": f.publicIp } : {}),
    ...(f.publicKey ? { "public-keys": { [`0=${f.keyName ?? "key"}`]: { "openssh-key": f.publicKey } } } : {}),
    "reservation-id": f.reservationId,
    "security-groups": lines(f.securityGroups ?? []),
    services: { domain: "amazonaws.com", partition: "aws" },
  };
}

/** EC2's instance identity document (/latest/dynamic/instance-identity/document). */
export function identityDocument(f: MetadataFacts): string {
  return JSON.stringify(
    {
      accountId: f.accountId,
      architecture: "x86_64",
      availabilityZone: f.az,
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: null,
      imageId: f.imageId,
      instanceId: f.instanceId,
      instanceType: f.instanceType,
      kernelId: null,
      pendingTime: f.launchTime,
      privateIp: f.privateIp,
      ramdiskId: null,
      region: f.region,
      version: "2017-09-30",
    },
    null,
    2,
  );
}

/**
 * Resolves a path under meta-data/ to its answer: a leaf's text, or a directory listing (subdirectories with a
 * trailing slash). `public-keys/` lists "0=name" but is entered as "public-keys/0/", as on EC2.
 */
export function lookupMetadata(tree: MetadataNode, path: string): string | undefined {
  let node: MetadataNode | undefined = tree;
  for (const part of path.split("/").filter((p) => p !== "")) {
    if (typeof node !== "object") return undefined;
    const dir: { [name: string]: MetadataNode } = node;
    const key: string | undefined = Object.hasOwn(dir, part) ? part : Object.keys(dir).find((k) => k.startsWith(`${part}=`));
    node = key === undefined ? undefined : dir[key];
  }
  if (node === undefined) return undefined;
  if (typeof node === "string") return node;
  return Object.entries(node)
    .map(([k, v]) => (typeof v === "object" && !k.includes("=") ? `${k}/` : k))
    .join("\n");
}
