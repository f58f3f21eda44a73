// The SSM parameter tables behind ParameterRepo: each parameter's kept versions, the labels naming them, and its tags.

import type { Driver } from "./driver.ts";
import { defineTable } from "./table.ts";

export type ParameterType = "String" | "StringList" | "SecureString";

/** One version of a parameter as stored. */
export interface ParameterVersionRecord {
  name: string;
  version: number;
  type: ParameterType;
  /** A SecureString's is its ciphertext (base64): the plaintext is never stored. */
  value: string;
  keyId?: string;
  description?: string;
  allowedPattern?: string;
  /** "text" or "aws:ec2:image". */
  dataType: string;
  tier: "Standard" | "Advanced";
  modifiedAt: string;
  /** The caller's ARN. */
  modifiedBy: string;
}

/** A version with the labels that name it. */
export interface ParameterVersion extends ParameterVersionRecord {
  labels: string[];
}

export interface ParameterTag {
  key: string;
  value: string;
}

export interface ParameterRepo {
  /** The parameter's latest version, or undefined when there is no such parameter. */
  latest(name: string): ParameterVersion | undefined;
  version(name: string, version: number): ParameterVersion | undefined;
  /** The version the label names. */
  labelled(name: string, label: string): ParameterVersion | undefined;
  /** Every version kept, oldest first. */
  history(name: string): ParameterVersion[];
  /** The latest version of every parameter whose name starts with prefix ("" for all), ordered by name. */
  latestUnder(prefix: string): ParameterVersion[];
  /** Writes a version as the parameter's latest, making the parameter when it is new (with its tags). */
  putVersion(rec: ParameterVersionRecord, tags?: ParameterTag[]): void;
  /** Drops one version with its labels (the oldest, when the limit is reached). */
  deleteVersion(name: string, version: number): void;
  /** Deletes the parameter with its versions, labels and tags; false when there is none. */
  delete(name: string): boolean;
  /** Points the label at this version of its parameter (moving it from another version). */
  setLabel(name: string, label: string, version: number): void;
  /** Takes the label off this version; false when the label does not name it. */
  removeLabel(name: string, label: string, version: number): boolean;
  tags(name: string): ParameterTag[];
  /** Adds the tags, replacing the values of keys already there. */
  putTags(name: string, tags: ParameterTag[]): void;
  deleteTags(name: string, keys: string[]): void;
}

const versions = defineTable<ParameterVersionRecord>(
  "parameter_versions",
  {
    name: "name",
    version: "version",
    type: "type",
    value: "value",
    keyId: "key_id",
    description: "description",
    allowedPattern: "allowed_pattern",
    dataType: "data_type",
    tier: "tier",
    modifiedAt: "modified_at",
    modifiedBy: "modified_by",
  },
  "name",
);

// SQL texts are fixed here so the driver's per-text statement cache prepares each once.
const LATEST = `${versions.select} WHERE (name, version) IN (SELECT name, version FROM parameters WHERE name = ?)`;
const VERSION = `${versions.select} WHERE name = ? AND version = ?`;
const LABELLED = `${versions.select} WHERE (name, version) IN (SELECT name, version FROM parameter_labels WHERE name = ? AND label = ?)`;
const HISTORY = `${versions.select} WHERE name = ? ORDER BY version`;
// Names are ASCII without DEL, so every name with the prefix sorts below prefix + DEL.
const LATEST_UNDER = `${versions.select} WHERE (name, version) IN (SELECT name, version FROM parameters WHERE name >= ? AND name < ?) ORDER BY name`;
const LABELS_OF = "SELECT label FROM parameter_labels WHERE name = ? AND version = ? ORDER BY label";
const LABELS_UNDER = "SELECT name, version, label FROM parameter_labels WHERE name >= ? AND name < ? ORDER BY name, label";
const LABELS_OF_NAME = "SELECT name, version, label FROM parameter_labels WHERE name = ? ORDER BY version, label";
const UPSERT_HEAD = "INSERT INTO parameters (name, version) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version";
const DELETE_VERSION = "DELETE FROM parameter_versions WHERE name = ? AND version = ?";
const DELETE = "DELETE FROM parameters WHERE name = ?";
const SET_LABEL = "INSERT INTO parameter_labels (name, label, version) VALUES (?, ?, ?) ON CONFLICT(name, label) DO UPDATE SET version = excluded.version";
const REMOVE_LABEL = "DELETE FROM parameter_labels WHERE name = ? AND label = ? AND version = ?";
const TAGS = "SELECT key, value FROM parameter_tags WHERE name = ? ORDER BY key";
const PUT_TAG = "INSERT INTO parameter_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT(name, key) DO UPDATE SET value = excluded.value";
const DELETE_TAG = "DELETE FROM parameter_tags WHERE name = ? AND key = ?";

/** The upper bound of names starting with prefix (exclusive). */
export const prefixEnd = (prefix: string): string => `${prefix}\u007f`;

type LabelRow = { name: string; version: number; label: string };

const withLabels = (recs: ParameterVersionRecord[], rows: LabelRow[]): ParameterVersion[] => {
  const byVersion = new Map<string, string[]>();
  for (const r of rows) {
    const k = `${r.name}\n${r.version}`;
    byVersion.set(k, [...(byVersion.get(k) ?? []), r.label]);
  }
  return recs.map((rec) => ({ ...rec, labels: byVersion.get(`${rec.name}\n${rec.version}`) ?? [] }));
};

export const parameterRepo = (db: Driver): ParameterRepo => {
  const one = (rec: ParameterVersionRecord | undefined): ParameterVersion | undefined =>
    rec && { ...rec, labels: db.all<{ label: string }>(LABELS_OF, rec.name, rec.version).map((r) => r.label) };
  return {
    latest: (name) => one(versions.one(db, LATEST, name)),
    version: (name, version) => one(versions.one(db, VERSION, name, version)),
    labelled: (name, label) => one(versions.one(db, LABELLED, name, label)),
    history: (name) => withLabels(versions.many(db, HISTORY, name), db.all<LabelRow>(LABELS_OF_NAME, name)),
    latestUnder: (prefix) =>
      withLabels(versions.many(db, LATEST_UNDER, prefix, prefixEnd(prefix)), db.all<LabelRow>(LABELS_UNDER, prefix, prefixEnd(prefix))),
    putVersion: (rec, tags = []) =>
      db.transaction(() => {
        db.run(UPSERT_HEAD, rec.name, rec.version);
        db.run(versions.insert, ...versions.params(rec));
        for (const t of tags) db.run(PUT_TAG, rec.name, t.key, t.value);
      }),
    deleteVersion: (name, version) => void db.run(DELETE_VERSION, name, version),
    delete: (name) => db.run(DELETE, name).changes > 0,
    setLabel: (name, label, version) => void db.run(SET_LABEL, name, label, version),
    removeLabel: (name, label, version) => db.run(REMOVE_LABEL, name, label, version).changes > 0,
    tags: (name) => db.all<ParameterTag>(TAGS, name),
    putTags: (name, tags) =>
      db.transaction(() => {
        for (const t of tags) db.run(PUT_TAG, name, t.key, t.value);
      }),
    deleteTags: (name, keys) =>
      db.transaction(() => {
        for (const k of keys) db.run(DELETE_TAG, name, k);
      }),
  };
};
