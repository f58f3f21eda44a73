// CreateKeyPair, ImportKeyPair, DescribeKeyPairs and DeleteKeyPair: the account's SSH key pairs, of which Hive keeps
// only the public half; the private key of a created pair is handed back once and forgotten.

import type {
  CreateKeyPairRequest,
  DeleteKeyPairRequest,
  DeleteKeyPairResult,
  DescribeKeyPairsRequest,
  DescribeKeyPairsResult,
  ImportKeyPairRequest,
  ImportKeyPairResult,
  KeyPair,
  KeyPairInfo,
  Tag,
  TagSpecification,
} from "@aws-sdk/client-ec2";
import { HiveError, invalidParameter, notFound } from "../../errors/index.ts";
import type { KeyPairRecord, KeyPairType, Store, TagRecord } from "../../store/index.ts";
import { applyFilters, tagFilters, type FilterFields } from "../shared/index.ts";
import { newId } from "../shared/index.ts";
import {
  createdRsaFingerprint,
  ed25519Fingerprint,
  generateSshKey,
  importedRsaFingerprint,
  opensshPublicKey,
  parsePublicKey,
  pemPrivateKey,
  ppkPrivateKey,
} from "./ssh-keys.ts";
import { checkTags } from "../shared/index.ts";

type KeyPairStore = Pick<Store, "keyPairs" | "tags" | "transaction">;

const RESOURCE_TYPE = "key-pair";

const notFoundName = (name: string): HiveError => notFound(RESOURCE_TYPE, `The key pair '${name}' does not exist`, "KeyName");

const duplicate = (name: string): HiveError =>
  new HiveError({ kind: "Conflict", resource: RESOURCE_TYPE, param: "KeyName", message: `The keypair '${name}' already exists.` });

/** EC2's rule: 1 to 255 ASCII characters. Control characters are refused too, since the name travels in headers and files. */
function checkKeyName(name: string | undefined): string {
  if (!name) throw invalidParameter("KeyName", "The request must contain the parameter KeyName");
  if (name.length > 255) throw invalidParameter("KeyName", `Value (${name.slice(0, 64)}…) for parameter KeyName is invalid. Length exceeds maximum of 255.`);
  if (!/^[\x20-\x7e]+$/.test(name)) throw invalidParameter("KeyName", `Value (${name}) for parameter KeyName is invalid. Only ASCII characters are allowed.`);
  return name;
}

function keyPairTags(specs: TagSpecification[] | undefined): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== RESOURCE_TYPE) {
      throw invalidParameter("TagSpecification", `'${spec.ResourceType ?? ""}' is not a valid taggable resource type for this operation.`);
    }
    out.push(...checkTags(spec.Tags, "TagSpecification"));
  }
  return out;
}

const awsTags = (tags: TagRecord[]): Tag[] => tags.map((t) => ({ Key: t.key, Value: t.value }));

/** Checks the name is free and writes the pair with its tags; nothing awaits in between, so two calls cannot both win. */
function save(store: KeyPairStore, rec: KeyPairRecord, tags: Array<{ key: string; value: string }>): TagRecord[] {
  const records = tags.map((t) => ({ resourceId: rec.id, resourceType: RESOURCE_TYPE, ...t }));
  store.transaction(() => {
    if (store.keyPairs.byName(rec.name)) throw duplicate(rec.name);
    store.keyPairs.insert(rec, records);
  });
  return records;
}

export function createKeyPair(input: CreateKeyPairRequest, store: KeyPairStore): KeyPair {
  const name = checkKeyName(input.KeyName);
  const type = (input.KeyType ?? "rsa") as string;
  if (type !== "rsa" && type !== "ed25519") throw invalidParameter("KeyType", `Value (${type}) for parameter KeyType is invalid. Valid values: rsa, ed25519.`);
  const format = (input.KeyFormat ?? "pem") as string;
  if (format !== "pem" && format !== "ppk") throw invalidParameter("KeyFormat", `Value (${format}) for parameter KeyFormat is invalid. Valid values: pem, ppk.`);
  const tags = keyPairTags(input.TagSpecifications);
  // Checked before generating too, so a taken name costs no RSA key generation.
  if (store.keyPairs.byName(name)) throw duplicate(name);

  const privateKey = generateSshKey(type);
  const rec: KeyPairRecord = {
    id: newId("key"),
    name,
    type,
    fingerprint: type === "rsa" ? createdRsaFingerprint(privateKey) : ed25519Fingerprint(privateKey),
    publicKey: opensshPublicKey(privateKey),
    createdAt: new Date().toISOString(),
  };
  const saved = save(store, rec, tags);
  return {
    KeyFingerprint: rec.fingerprint,
    KeyMaterial: format === "ppk" ? ppkPrivateKey(privateKey, name) : pemPrivateKey(privateKey, name),
    KeyName: name,
    KeyPairId: rec.id,
    Tags: awsTags(saved),
  };
}

/**
 * The blob as it arrives: a Uint8Array when called directly, or what JSON made of one on its way over the bus
 * (an object keyed "0", "1", …, or a Node Buffer's `{ type: "Buffer", data }`).
 */
export function blobBytes(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (o.type === "Buffer" && Array.isArray(o.data)) return Uint8Array.from(o.data as number[]);
    // Integer-like keys enumerate in ascending numeric order, so the values come out in byte order.
    const values = Object.values(o);
    if (values.every((v) => typeof v === "number" && v >= 0 && v <= 255 && Number.isInteger(v))) return Uint8Array.from(values as number[]);
  }
  return undefined;
}

export function importKeyPair(input: ImportKeyPairRequest, store: KeyPairStore): ImportKeyPairResult {
  const name = checkKeyName(input.KeyName);
  const material = blobBytes(input.PublicKeyMaterial);
  if (!material || material.length === 0) throw invalidParameter("PublicKeyMaterial", "The request must contain the parameter PublicKeyMaterial");
  const tags = keyPairTags(input.TagSpecifications);
  const parsed = parsePublicKey(material);
  if (!parsed) {
    throw invalidParameter("PublicKeyMaterial", "Key is not in valid OpenSSH public key format", "key-format");
  }
  const rec: KeyPairRecord = {
    id: newId("key"),
    name,
    type: parsed.type,
    fingerprint: parsed.type === "rsa" ? importedRsaFingerprint(parsed.key) : ed25519Fingerprint(parsed.key),
    publicKey: parsed.openssh,
    createdAt: new Date().toISOString(),
  };
  const saved = save(store, rec, tags);
  return { KeyFingerprint: rec.fingerprint, KeyName: name, KeyPairId: rec.id, Tags: awsTags(saved) };
}

const tagFields = tagFilters<KeyPairInfo>((k) => k.Tags);

const fields: FilterFields<KeyPairInfo> = {
  "key-pair-id": (k) => k.KeyPairId,
  "key-name": (k) => k.KeyName,
  fingerprint: (k) => k.KeyFingerprint,
  "key-type": (k) => k.KeyType,
  ...tagFields.fields,
};

export function describeKeyPairs(input: DescribeKeyPairsRequest, store: KeyPairStore): DescribeKeyPairsResult {
  const names = input.KeyNames ?? [];
  const ids = input.KeyPairIds ?? [];
  let records = store.keyPairs.list();
  if (names.length > 0 || ids.length > 0) {
    const byName = new Map(records.map((r) => [r.name, r]));
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const n of names) if (!byName.has(n)) throw notFoundName(n);
    for (const id of ids) if (!byId.has(id)) throw notFound(RESOURCE_TYPE, `The key pair '${id}' does not exist`, "KeyPairId");
    const wanted = new Set([...names.map((n) => byName.get(n)!.id), ...ids]);
    records = records.filter((r) => wanted.has(r.id));
  }
  const tagsById = store.tags.forResources(records.map((r) => r.id));
  const infos = records.map(
    (r): KeyPairInfo => ({
      KeyPairId: r.id,
      KeyFingerprint: r.fingerprint,
      KeyName: r.name,
      KeyType: r.type,
      Tags: awsTags(tagsById.get(r.id) ?? []),
      ...(input.IncludePublicKey ? { PublicKey: r.publicKey } : {}),
      CreateTime: new Date(r.createdAt),
    }),
  );
  return { KeyPairs: applyFilters(infos, input.Filters, fields, tagFields.dynamic) };
}

/** Deletes by KeyPairId (preferred) or KeyName; like EC2, a key that does not exist is not an error. */
export function deleteKeyPair(input: DeleteKeyPairRequest, store: KeyPairStore): DeleteKeyPairResult {
  if (!input.KeyName && !input.KeyPairId) throw invalidParameter("KeyName", "The request must contain the parameter KeyName or KeyPairId");
  const rec = input.KeyPairId ? store.keyPairs.get(input.KeyPairId) : store.keyPairs.byName(input.KeyName!);
  if (!rec || !store.keyPairs.delete(rec.id)) return { Return: true };
  return { Return: true, KeyPairId: rec.id };
}

export interface KeyPairPublicKey {
  name: string;
  type: KeyPairType;
  /** `ssh-ed25519 AAAA…`, ready for authorized_keys. */
  openssh: string;
}

/** The public key an instance launched with KeyName should trust, or undefined when no pair has that name. */
export function publicKeyOf(store: Pick<Store, "keyPairs">, keyName: string): KeyPairPublicKey | undefined {
  const rec = store.keyPairs.byName(keyName);
  return rec ? { name: rec.name, type: rec.type, openssh: rec.publicKey } : undefined;
}
