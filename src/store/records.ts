// The rows Hive keeps for EC2 resources, and the typed repositories over them (implemented beside this file).
import type { ImageBlockDeviceRecord } from "./ebs-records.ts";

export type ImageState = "pending" | "available" | "failed" | "deregistered";
export type VolumeState = "creating" | "available" | "in-use" | "deleting" | "deleted" | "error";
export type InstanceStateName = "pending" | "running" | "shutting-down" | "terminated" | "stopping" | "stopped";

export interface ImageRecord {
  id: string; // ami-<17 hex>
  name: string; // unique among images not deregistered
  description?: string;
  state: ImageState;
  architecture: "x86_64";
  rootDeviceName: string; // "/dev/xvda"
  sizeBytes: number; // virtual size of the disk
  file: string; // path of the stored qcow2, relative to the data directory
  source?: string; // what it was imported from (file name or URL)
  node: string; // the node that stores it
  ownerId: string; // account id
  createdAt: string; // ISO 8601
  /** The root device's snapshot: its file is this image's file. */
  snapshotId?: string;
}

/** Who may launch an image besides its owner: an account id, or the group "all" (the image is public). */
export interface LaunchPermission {
  granteeType: "user" | "group";
  grantee: string;
}

export interface VolumeRecord {
  id: string; // vol-<17 hex>
  sizeGiB: number;
  volumeType: string; // gp3 default
  state: VolumeState;
  az: string;
  node: string;
  file: string; // qcow2 path relative to the data directory
  imageId?: string; // backing AMI when the volume is a root overlay
  snapshotId?: string; // the snapshot it was made from (its file backs this one)
  createdAt: string;
  /** Provisioned IOPS and throughput (MiB/s) where the type takes them; undefined: the type's figure for the size. */
  iops?: number;
  throughput?: number;
  clientToken?: string;
  autoEnableIo?: boolean;
  // The attachment, when in use.
  instanceId?: string;
  device?: string; // "/dev/xvda"
  attachTime?: string;
  /** attaching → attached → detaching; undefined without an attachment (and for rows from before it was kept). */
  attachState?: "attaching" | "attached" | "detaching";
  deleteOnTermination: boolean;
}

export interface InstanceRecord {
  id: string; // i-<17 hex>
  reservationId: string; // r-<17 hex>
  ownerId: string;
  requesterId?: string;
  imageId: string;
  instanceType: string;
  state: InstanceStateName;
  /** Why it is in this state: StateReason code and message (e.g. "Client.UserInitiatedShutdown"). */
  stateReasonCode?: string;
  stateReasonMessage?: string;
  /** EC2's free-text StateTransitionReason, e.g. "User initiated (2026-11-29 17:00:00 GMT)". */
  stateTransitionReason?: string;
  keyName?: string;
  userData?: string; // base64, as sent
  launchTime: string;
  az: string;
  node: string;
  vcpus: number;
  memoryMiB: number;
  shutdownBehavior: "stop" | "terminate";
  disableApiTermination: boolean;
  rootVolumeId?: string;
  rootDeviceName: string;
  amiLaunchIndex: number;
  clientToken?: string;
  /** The QEMU process while one runs (pid), and when the row last changed. */
  pid?: number;
  /** Set when the instance reached "terminated"; rows are purged an hour later. */
  terminatedAt?: string;
  updatedAt: string;
  /** MetadataOptions; undefined means EC2's defaults (optional, enabled, 1). */
  metadataHttpTokens?: "optional" | "required";
  metadataHttpEndpoint?: "enabled" | "disabled";
  metadataHopLimit?: number;
  /** The address bridge networking gave the instance (freed, i.e. cleared, at termination). */
  privateIp?: string;
  /** Stop protection (DisableApiStop); undefined means off. */
  disableApiStop?: boolean;
  /** The CPU credit option set for a burstable type; undefined means the type's default. */
  cpuCredits?: "standard" | "unlimited";
}

export interface TagRecord {
  resourceId: string;
  resourceType: string; // EC2's ResourceType: "instance", "volume", "image", ...
  key: string;
  value: string;
}

/** A partial update: an absent or undefined field is left alone; null clears a field that is optional in the record. */
export type Patch<T> = { [K in keyof T]?: undefined extends T[K] ? T[K] | null : T[K] };

/** A page of a listing: rows ordered by id, after `afterId` when given. */
export interface PageQuery {
  afterId?: string;
  limit?: number;
}

export interface ImageRepo {
  insert(image: ImageRecord): void;
  get(id: string): ImageRecord | undefined;
  byName(name: string): ImageRecord | undefined; // not deregistered
  list(): ImageRecord[]; // not deregistered, ordered by id
  setState(id: string, state: ImageState): void;
  setSize(id: string, sizeBytes: number): void;
  setSnapshot(id: string, snapshotId: string): void;
  /** The AMI's data volumes besides the root, by device name. */
  blockDevices(imageId: string): ImageBlockDeviceRecord[];
  putBlockDevices(rows: ImageBlockDeviceRecord[]): void;
  /** Live (not deregistered) images whose root or data devices use this snapshot. */
  usingSnapshot(snapshotId: string): string[];
  /** Sets or (null) clears the description. */
  setDescription(id: string, description: string | null): void;
  /** The launch permissions of these images, groups first; every id asked for has an entry, empty when private. */
  launchPermissions(imageIds: string[]): Map<string, LaunchPermission[]>;
  /** Adds and removes launch permissions in one transaction; adding one already there or removing one absent is no change. */
  changeLaunchPermissions(imageId: string, add: LaunchPermission[], remove: LaunchPermission[]): void;
  /** Records a launch of the image by this node's instances (the latest of `at` and what is recorded stays). */
  recordLaunch(imageId: string, node: string, at: string): void;
  /** When any box last launched an instance of the image. */
  lastLaunched(imageId: string): string | undefined;
}

export interface VolumeRepo {
  insert(volume: VolumeRecord): void;
  get(id: string): VolumeRecord | undefined;
  /** The volumes with these ids, whatever their state, by id; unknown ids are absent. One statement however many ids. */
  getMany(ids: string[]): Map<string, VolumeRecord>;
  list(): VolumeRecord[]; // not deleted, ordered by id
  /** Changes only the fields present in patch; false when no volume has this id (nothing is written). */
  update(id: string, patch: Patch<Omit<VolumeRecord, "id">>): boolean;
  /** Volumes whose attachment names this instance, whatever their state, ordered by id. */
  forInstance(instanceId: string): VolumeRecord[];
  /** The volumes attached (or being made attached) to any of these instances, by device: one statement however many. */
  attachedTo(instanceIds: string[]): VolumeRecord[];
  /** Volumes backed by this image that are not deleted (an image with dependents is kept on disk). */
  countUsingImage(imageId: string): number;
  byClientToken(token: string): VolumeRecord | undefined;
}

export interface InstanceRepo {
  /** Inserts the reservation's instances and their root volumes and tags in one transaction. */
  insertLaunch(launch: { instances: InstanceRecord[]; volumes: VolumeRecord[]; tags: TagRecord[] }): void;
  get(id: string): InstanceRecord | undefined;
  /** Every instance on this node, terminated ones included, ordered by id. */
  list(page?: PageQuery): InstanceRecord[];
  /**
   * The instances of the first `limit` reservations whose id sorts after `afterId` (every reservation without a limit),
   * ordered by reservation id, then instance id: one page of a listing keyed by reservation, answered by one query.
   */
  listReservations(page?: PageQuery): InstanceRecord[];
  /** The instances with these ids, in the order asked for; unknown ids are left out and repeats collapse. */
  listByIds(ids: string[]): InstanceRecord[];
  /** The instances launched with this client token, by launch index. */
  byClientToken(token: string): InstanceRecord[];
  /**
   * Changes only the fields present in patch (updatedAt is set to now unless the patch sets it);
   * false when no instance has this id (nothing is written).
   */
  update(id: string, patch: Patch<Omit<InstanceRecord, "id">>): boolean;
  /** Instances in any of these states, ordered by id. */
  inStates(states: InstanceStateName[]): InstanceRecord[];
  /** Deletes terminated rows (and their tags) whose terminatedAt is before `before`; returns how many. */
  purgeTerminated(before: string): number;
  count(): number;
}

export interface TagRepo {
  /** Sets tags (insert or replace value) on resources in one transaction. */
  put(tags: TagRecord[]): void;
  /** Deletes tags: a tag with value undefined deletes the key whatever its value; with a value, only if it matches. */
  delete(tags: Array<{ resourceId: string; key: string; value?: string }>): void;
  forResource(resourceId: string): TagRecord[];
  /** Tags of many resources at once, grouped by resource id; every id asked for has an entry, empty when untagged. */
  forResources(resourceIds: string[]): Map<string, TagRecord[]>;
  list(): TagRecord[]; // ordered by resource id, key
}

export type KeyPairType = "rsa" | "ed25519";

export interface KeyPairRecord {
  id: string; // key-<17 hex>
  name: string; // unique, case-sensitive
  type: KeyPairType;
  /** As EC2 shows it: colon-hex MD5/SHA-1 for RSA, unpadded base64 SHA-256 for ed25519. */
  fingerprint: string;
  /** The public key in OpenSSH's one-line format ("ssh-ed25519 AAAA..."); the private key is never stored. */
  publicKey: string;
  createdAt: string;
}

export interface KeyPairRepo {
  /** Inserts the key pair and its tags in one transaction; a name already taken throws (UNIQUE). */
  insert(keyPair: KeyPairRecord, tags?: TagRecord[]): void;
  get(id: string): KeyPairRecord | undefined;
  byName(name: string): KeyPairRecord | undefined;
  list(): KeyPairRecord[]; // ordered by name
  /** Deletes the key pair and its tags; false when no key pair has this id. */
  delete(id: string): boolean;
}
