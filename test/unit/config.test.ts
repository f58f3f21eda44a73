// Data-directory helpers: zone ids, the AWS profile INI rewrite, data-directory resolution, the parameter key.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import {
  azIdFor,
  dataPaths,
  ensureParameterKey,
  initDataDir,
  loadNodeConfig,
  loadSecrets,
  resolveDataDir,
  saveIdentity,
  upsertIniSection,
} from "../../src/config/index.ts";

test("zone ids follow AWS's short region names", () => {
  assert.equal(azIdFor("us-east-1", "us-east-1a"), "use1-az1");
  assert.equal(azIdFor("ap-southeast-2", "ap-southeast-2c"), "apse2-az3");
  assert.equal(azIdFor("eu-central-1", "eu-central-1b"), "euc1-az2");
});

test("upserting an INI section replaces only that section", () => {
  const before = "[default]\nregion = eu-west-1\n\n[profile hive]\nregion = old\nendpoint_url = x\n\n[profile other]\nregion = us-west-2\n";
  const after = upsertIniSection(before, "[profile hive]", { region: "us-east-1" });
  assert.equal(after, "[default]\nregion = eu-west-1\n\n[profile other]\nregion = us-west-2\n\n[profile hive]\nregion = us-east-1\n");
  assert.equal(upsertIniSection("", "[hive]", { a: "b" }), "[hive]\na = b\n");
});

test("the data directory comes from the flag, then HIVE_DATA_DIR, then the user's default", () => {
  const saved = process.env.HIVE_DATA_DIR;
  try {
    process.env.HIVE_DATA_DIR = "/srv/hive-env";
    assert.equal(resolveDataDir({ dataDir: "/srv/flag" }), "/srv/flag");
    assert.equal(resolveDataDir({}), "/srv/hive-env");
    delete process.env.HIVE_DATA_DIR;
    assert.equal(resolveDataDir({}), process.getuid?.() === 0 ? "/var/lib/hive" : `${process.env.HOME}/.local/share/hive`);
  } finally {
    if (saved === undefined) delete process.env.HIVE_DATA_DIR;
    else process.env.HIVE_DATA_DIR = saved;
  }
});

test("the region's parameter key: made at init, made at the first start of an older data directory, never by a member", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-config-"));
  try {
    const { secrets } = await initDataDir(dir, { node: "box1" });
    assert.equal(Buffer.from(secrets.parameterKey!, "base64").byteLength, 32);
    assert.deepEqual(ensureParameterKey(dir), new Uint8Array(Buffer.from(secrets.parameterKey!, "base64")));
    assert.equal(fs.statSync(dataPaths(dir).secrets).mode & 0o777, 0o600);

    // A data directory from before parameters: the key is made once, kept, and the other secrets stay as they were.
    const { parameterKey: _, ...older } = secrets;
    saveIdentity(dir, loadNodeConfig(dir), older);
    const made = ensureParameterKey(dir)!;
    assert.equal(made.byteLength, 32);
    assert.deepEqual(ensureParameterKey(dir), made);
    assert.deepEqual(loadSecrets(dir).admin, secrets.admin);
    assert.equal(fs.statSync(dataPaths(dir).secrets).mode & 0o777, 0o600);

    // hive init --force replaces the identity and credentials but keeps the key to the parameters hive.db holds.
    const again = await initDataDir(dir, { node: "box1", force: true });
    assert.notEqual(again.secrets.admin.accessKeyId, secrets.admin.accessKeyId);
    assert.deepEqual(new Uint8Array(Buffer.from(again.secrets.parameterKey!, "base64")), made);

    // A member's key is its hub's: it never makes one of its own.
    saveIdentity(dir, { ...loadNodeConfig(dir), cluster: { hub: "hub", hubUrls: ["127.0.0.1:7422"], joinedAt: "2026-01-01T00:00:00Z" } }, older);
    assert.equal(ensureParameterKey(dir), undefined);
    assert.equal(loadSecrets(dir).parameterKey, undefined);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
