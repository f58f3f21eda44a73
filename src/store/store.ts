// The Store: every SQL statement Hive runs lives behind these typed functions.

import { chmodSync, closeSync, existsSync, fchmodSync, openSync } from "node:fs";
import { loadDriver, type Driver, type DriverName } from "./driver.ts";
import { migrate, currentVersion, type MigrationOutcome } from "./migrate.ts";
import { migrations as shippedMigrations, type Migration } from "./migrations.ts";
import type { ImageRepo, InstanceRepo, KeyPairRepo, TagRepo, VolumeRepo } from "./records.ts";
import { imageRepo } from "./images.ts";
import { instanceRepo } from "./instances.ts";
import { keyPairRepo } from "./key-pairs.ts";
import { tagRepo } from "./tags.ts";
import { volumeRepo } from "./volumes.ts";
import { vpcRepo, type VpcRepo } from "./vpcs.ts";
import { subnetRepo, type SubnetRepo } from "./subnets.ts";
import { routeTableRepo, type RouteTableRepo } from "./route-tables.ts";
import { securityGroupRepo, type SecurityGroupRepo } from "./security-groups.ts";
import { networkInterfaceRepo, type NetworkInterfaceRepo } from "./network-interfaces.ts";
import { snapshotRepo, type SnapshotRepo } from "./snapshots.ts";
import { regionLog, type RegionLog } from "./region-log.ts";
import { memberRepo, type MemberRepo } from "./members.ts";
import { launchTemplateRepo, type LaunchTemplateRepo } from "./launch-templates.ts";
import { parameterRepo, type ParameterRepo } from "./parameters.ts";
import { publicParameterRepo, type PublicParameterRepo } from "./public-parameters.ts";

export interface BootRecord {
  /** How many times this node has booted against this database, this boot included. */
  bootCount: number;
  startedAt: string;
}

export interface Store {
  readonly path: string;
  readonly driverName: DriverName;
  /** What opening this store did to the schema. */
  readonly migration: MigrationOutcome;
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
  recordBoot(node: string, runtime: string): BootRecord;
  schemaVersion(): number;
  /** "wal" for a file database. */
  journalMode(): string;
  readonly images: ImageRepo;
  readonly volumes: VolumeRepo;
  /** This box's snapshots (with the volumes' latest modifications), and whether any row still needs a file. */
  readonly snapshots: SnapshotRepo;
  readonly instances: InstanceRepo;
  readonly tags: TagRepo;
  readonly keyPairs: KeyPairRepo;
  /** The region's launch templates and their versions. */
  readonly launchTemplates: LaunchTemplateRepo;
  // The region's network (VPCs and what hangs off them), apart from this box's instances.
  readonly vpcs: VpcRepo;
  readonly subnets: SubnetRepo;
  readonly routeTables: RouteTableRepo;
  readonly securityGroups: SecurityGroupRepo;
  readonly networkInterfaces: NetworkInterfaceRepo;
  /** The region tables' replication: changes made here to publish, remote ones to apply, whole dumps. */
  readonly region: RegionLog;
  /** The region's boxes and their zones. */
  readonly members: MemberRepo;
  /** SSM parameters: versions, labels and tags. */
  readonly parameters: ParameterRepo;
  /** The names under /aws/service/ published for images. */
  readonly publicParameters: PublicParameterRepo;
  /** Runs fn atomically: store calls made inside it commit together or not at all. */
  transaction<R>(fn: () => R): R;
  close(): void;
}

export interface OpenStoreOptions {
  /** For tests: a migration list other than the shipped one. */
  migrations?: readonly Migration[];
  busyTimeoutMs?: number;
}

const FILE_MODE = 0o600;

const isMemory = (path: string): boolean => path === ":memory:" || path === "";

// SQLite gives -wal and -shm the main file's permissions, so creating the main file 0600 first covers all three.
const prepareFile = (path: string): void => {
  const fd = openSync(path, "a", FILE_MODE);
  try {
    fchmodSync(fd, FILE_MODE);
  } finally {
    closeSync(fd);
  }
};

// Side files left by an older run may carry a looser mode.
const tightenSideFiles = (path: string): void => {
  for (const f of [`${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, FILE_MODE);
};

/** Opens (creating if needed) the database at path, migrates it, and returns the store. */
export const openStore = async (path: string, opts: OpenStoreOptions = {}): Promise<Store> => {
  const open = await loadDriver();
  const memory = isMemory(path);
  if (!memory) prepareFile(path);
  const db = open(path);
  let migration: MigrationOutcome;
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? 5000)}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migration = migrate(db, path, opts.migrations ?? shippedMigrations);
    if (!memory) tightenSideFiles(path);
  } catch (err) {
    db.close();
    throw err;
  }
  return makeStore(db, path, migration);
};

const makeStore = (db: Driver, path: string, migration: MigrationOutcome): Store => {
  let closed = false;
  return {
    path,
    driverName: db.name,
    migration,
    getSetting: (key) => db.get<{ value: string }>("SELECT value FROM settings WHERE key = ?", key)?.value,
    setSetting: (key, value) => {
      db.run(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key,
        value,
      );
    },
    recordBoot: (node, runtime) =>
      db.transaction(() => {
        const startedAt = new Date().toISOString();
        db.run("INSERT INTO node_boots (node, started_at, runtime) VALUES (?, ?, ?)", node, startedAt, runtime);
        const bootCount = db.get<{ n: number }>("SELECT count(*) AS n FROM node_boots WHERE node = ?", node)?.n ?? 0;
        return { bootCount, startedAt };
      }),
    images: imageRepo(db),
    volumes: volumeRepo(db),
    snapshots: snapshotRepo(db),
    instances: instanceRepo(db),
    tags: tagRepo(db),
    keyPairs: keyPairRepo(db),
    launchTemplates: launchTemplateRepo(db),
    vpcs: vpcRepo(db),
    subnets: subnetRepo(db),
    routeTables: routeTableRepo(db),
    securityGroups: securityGroupRepo(db),
    networkInterfaces: networkInterfaceRepo(db),
    region: regionLog(db),
    members: memberRepo(db),
    parameters: parameterRepo(db),
    publicParameters: publicParameterRepo(db),
    schemaVersion: () => currentVersion(db),
    journalMode: () => db.get<{ journal_mode: string }>("PRAGMA journal_mode")?.journal_mode ?? "",
    transaction: (fn) => db.transaction(fn),
    close: () => {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
};
