// Hive's SQLite state: open a store, call its typed functions; no SQL leaves this folder.

export { openStore, type Store, type BootRecord, type OpenStoreOptions } from "./store.ts";
export { SchemaTooNewError, type MigrationOutcome } from "./migrate.ts";
export { migrations, type Migration } from "./migrations.ts";
export type { DriverName } from "./driver.ts";
export type {
  ImageRecord,
  ImageRepo,
  ImageState,
  InstanceRecord,
  InstanceRepo,
  InstanceStateName,
  KeyPairRecord,
  KeyPairRepo,
  KeyPairType,
  LaunchPermission,
  PageQuery,
  Patch,
  TagRecord,
  TagRepo,
  VolumeRecord,
  VolumeRepo,
  VolumeState,
} from "./records.ts";
export type * from "./network-records.ts";
export type * from "./ebs-records.ts";
export type { SnapshotRepo, VolumeModificationRepo } from "./snapshots.ts";
export type { ResourceRepo } from "./resource-repo.ts";
export type { VpcRepo } from "./vpcs.ts";
export type { SubnetRepo } from "./subnets.ts";
export type { RouteTableRepo } from "./route-tables.ts";
export type { SecurityGroupRepo } from "./security-groups.ts";
export type { NetworkInterfaceRepo } from "./network-interfaces.ts";
export type { RegionApplyResult, RegionLog } from "./region-log.ts";
export {
  BOX_ID_PREFIXES,
  REGION_TABLES,
  isRegionResource,
  type RegionChange,
  type RegionChangeInput,
  type RegionRefusal,
  type RegionRow,
  type RegionTable,
} from "./region-tables.ts";
export type { MemberRecord, MemberRepo } from "./members.ts";
export type { LaunchTemplateRecord, LaunchTemplateRepo, LaunchTemplateVersionRecord } from "./launch-templates.ts";
export type { ParameterRepo, ParameterTag, ParameterType, ParameterVersion, ParameterVersionRecord } from "./parameters.ts";
export type { PublicParameterRecord, PublicParameterRepo } from "./public-parameters.ts";
export { DataDirInUse, lockDataDir, type DataDirLock } from "./data-dir-lock.ts";
