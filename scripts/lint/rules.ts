// The layer table npm run lint holds src/ to: which room may import which, and which packages each room may use.

/**
 * One row per room. A room is a folder under src/ named by its path ("bus", "daemon/instances"); "main" is
 * the files directly in src/. A file belongs to the most specific row that contains it, so src/daemon/*.ts
 * (the composition files) are the "daemon" row and src/daemon/instances/** the "daemon/instances" row.
 * Once a folder has a sub-folder row, every sub-folder of it needs a row; a row whose folder does not exist
 * yet is fine. A room enters another room only through that room's index.ts.
 */
export interface Rules {
  /** room → the rooms it may import. "x/**" means room x and every room below it. */
  rooms: Record<string, readonly string[]>;
  /**
   * bare package → where it may be imported. A key ending in "/*" covers a scope ("@aws-sdk/*").
   * node: builtins are allowed everywhere and need no row; any other package without a row is an error.
   */
  packages: Record<string, PackageRule>;
  /** Files outside src/ (relative to the folder above src/) → rooms that may import them. */
  outside?: Record<string, readonly string[]>;
}

export interface PackageRule {
  /** Rooms allowed, as in Rules.rooms ("daemon/**" covers the daemon row and its sub-rooms). */
  rooms: readonly string[];
  /** Only `import type` (erased at run time), e.g. for devDependencies whose types the code borrows. */
  typeOnly?: boolean;
}

/** What every daemon room may import outside src/daemon (ARCHITECTURE.md, "The layers"). */
const BELOW_DAEMON = ["actions", "bus", "vm", "ebs", "images", "metadata", "net", "store", "errors", "runtime"];

/** The daemon's rooms; the composition files in src/daemon (node-daemon.ts, index.ts) may import all of them. */
const DAEMON_ROOMS = [
  "daemon/shared",
  "daemon/catalogue",
  "daemon/key-pairs",
  "daemon/launch-templates",
  "daemon/volumes",
  "daemon/images",
  "daemon/security-groups",
  "daemon/vpc",
  "daemon/network-interfaces",
  "daemon/network",
  "daemon/instances",
  "daemon/parameters",
];

export const RULES: Rules = {
  rooms: {
    main: ["cli"],
    cli: ["appliance", "api", "bundle", "cluster", "config", "runtime"],
    appliance: ["api", "bus", "cluster", "daemon", "ebs", "images", "embedded-nats", "net", "store", "vm", "config", "errors", "runtime"],
    api: ["actions", "bus", "errors", "runtime"],
    daemon: [...BELOW_DAEMON, ...DAEMON_ROOMS],
    // Rooms inside the daemon, one per resource; each may use the pieces every room shares.
    // instances is the top room (RunInstances needs an image, a key pair, a type and volumes); nothing imports it.
    "daemon/instances": [
      ...BELOW_DAEMON,
      "daemon/shared",
      "daemon/images",
      "daemon/key-pairs",
      "daemon/launch-templates",
      "daemon/catalogue",
      "daemon/volumes",
      "daemon/vpc",
      "daemon/security-groups",
      "daemon/network-interfaces",
      "daemon/network",
      "daemon/parameters",
    ],
    // The region's network: VPCs make their default group; interfaces live in subnets and carry groups; the data
    // plane (network) turns all of it into each box's host network.
    "daemon/network": [...BELOW_DAEMON, "daemon/shared", "daemon/vpc", "daemon/security-groups", "daemon/network-interfaces"],
    "daemon/network-interfaces": [...BELOW_DAEMON, "daemon/shared", "daemon/vpc", "daemon/security-groups", "daemon/catalogue"],
    "daemon/vpc": [...BELOW_DAEMON, "daemon/shared", "daemon/security-groups", "daemon/catalogue"],
    "daemon/security-groups": [...BELOW_DAEMON, "daemon/shared"],
    // Imports publish the public parameters (/aws/service/...) an operator names for the image.
    "daemon/images": [...BELOW_DAEMON, "daemon/shared", "daemon/catalogue", "daemon/parameters"],
    // SSM Parameter Store; RunInstances reads `resolve:ssm:` image ids through it.
    "daemon/parameters": [...BELOW_DAEMON, "daemon/shared"],
    "daemon/volumes": [...BELOW_DAEMON, "daemon/shared", "daemon/images"],
    "daemon/key-pairs": [...BELOW_DAEMON, "daemon/shared"],
    "daemon/launch-templates": [...BELOW_DAEMON, "daemon/shared"],
    "daemon/catalogue": [...BELOW_DAEMON, "daemon/shared"],
    "daemon/shared": BELOW_DAEMON,
    // The region: join tokens, the hub's join service, and the sync of region-wide rows with the region's bucket.
    cluster: ["bus", "config", "embedded-nats", "store", "errors", "runtime"],
    actions: ["bus", "errors"],
    metadata: ["errors", "runtime"],
    net: ["errors", "runtime"],
    bus: ["errors"],
    vm: ["qmp", "store", "errors", "runtime"],
    ebs: ["qmp", "bus", "images", "store", "errors", "runtime"],
    images: ["store", "errors", "runtime"],
    qmp: ["errors"],
    store: ["errors", "runtime"],
    "embedded-nats": ["runtime"],
    // The offline bundle: Debian packages and the binary, written on a connected box, installed on an offline one.
    bundle: [],
    config: ["runtime"],
    errors: [],
    runtime: [],
  },
  packages: {
    nats: { rooms: ["bus"] },
    "better-sqlite3": { rooms: ["store"] },
    "bun:sqlite": { rooms: ["store"] },
    hono: { rooms: ["api"] },
    "@hono/node-server": { rooms: ["api"] },
    commander: { rooms: ["cli"] },
    // The EC2/STS/IAM service models the codec reads (aws-sdk v2 ships them as JSON).
    "aws-sdk": { rooms: ["api"] },
    "@peculiar/x509": { rooms: ["config"] },
    "reflect-metadata": { rooms: ["config"] },
    // A devDependency: its request and response types describe actions, its code never ships.
    "@aws-sdk/*": { rooms: ["actions", "daemon/**", "api"], typeOnly: true },
  },
  outside: {
    "package.json": ["cli"],
  },
};
