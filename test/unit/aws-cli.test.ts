// `hive env`'s check of the aws CLI on PATH: which releases read AWS_ENDPOINT_URL, probed with the real CLIs.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseAwsVersion, probeAwsCli, readsEndpointEnv } from "../../src/cli/aws-cli.ts";

const cli = (banner: string) => {
  const parsed = parseAwsVersion(banner);
  assert.ok(parsed, banner);
  return parsed;
};

test("reads the version from aws --version's banner, v1 and v2", () => {
  assert.deepEqual(cli("aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0 source/x86_64.debian.12 prompt/off\n").version, [2, 9, 19]);
  assert.deepEqual(cli("aws-cli/1.45.11 Python/3.11.7 Linux/6.18.44 botocore/1.43.11").version, [1, 45, 11]);
  assert.equal(parseAwsVersion("command not found"), undefined);
});

test("only aws-cli 1.29+ and 2.13+ count as reading AWS_ENDPOINT_URL", () => {
  const reads = (v: string) => readsEndpointEnv(cli(`aws-cli/${v} Python/3.11`));
  assert.equal(reads("2.9.19"), false, "Debian 12's awscli");
  assert.equal(reads("2.12.7"), false);
  assert.equal(reads("2.13.0"), true);
  assert.equal(reads("1.28.9"), false);
  assert.equal(reads("1.29.0"), true);
  assert.equal(reads("1.45.11"), true);
});

test("probes the aws on PATH: Debian's awscli and the pip v1, or none", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hive-awscli-"));
  try {
    fs.symlinkSync("/usr/bin/false", path.join(dir, "false"));
    assert.equal(probeAwsCli({ ...process.env, PATH: dir }), undefined, "no aws on PATH");
    const onPath = probeAwsCli();
    if (onPath) assert.match(onPath.banner, /^aws-cli\/\d/);
    if (!fs.existsSync("/usr/bin/aws")) return t.skip("Debian's awscli is not installed (apt-get install awscli)");
    fs.symlinkSync("/usr/bin/aws", path.join(dir, "aws"));
    const debian = probeAwsCli({ ...process.env, PATH: `${dir}:${process.env.PATH}` });
    assert.ok(debian, "Debian's aws answered --version");
    assert.match(debian.banner, /^aws-cli\/2\./);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
