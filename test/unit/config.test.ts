// Data-directory helpers: zone ids, the AWS profile INI rewrite, data-directory resolution.
import assert from "node:assert/strict";
import { test } from "node:test";
import { azIdFor, resolveDataDir, upsertIniSection } from "../../src/config/index.ts";

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
