// SSM Parameter Store end to end against the compiled hive: the SDK, the aws CLI and boto3 put, read, page, label,
// tag and delete parameters; a SecureString is decrypted only on request and never lies in the database as plaintext;
// `hive image import --alias/--publish`, `hive image publish/unpublish` make public parameters that AWS-style code
// finds; RunInstances launches the test guest from a `resolve:ssm:` image id. Every refusal with its AWS code.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { waitUntilInstanceRunning } from "@aws-sdk/client-ec2";
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  paginateGetParametersByPath,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { awsDriver } from "../helpers/e2e.ts";
import { ec2Client, ROOT, runHive, ssmClient, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64";

let hive: HiveInstance;
let ssm: SSMClient;
let ami = "";

before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  hive = await startHive();
  ssm = ssmClient(hive);
});
after(async () => {
  await hive?.stop();
});

const { ok, fails, until } = awsDriver(() => hive);
const hiveCli = (args: string[]) => runHive([...args, "--data-dir", hive.dataDir], { HOME: hive.home });

/** The error an SDK call fails with: its name is the AWS code. */
async function refused(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
  );
  assert.equal(err.name, code, err.message);
  assert.ok((err.$metadata?.httpStatusCode ?? 0) < 500, `${code} came with status ${err.$metadata?.httpStatusCode}`);
  if (message) assert.match(err.message, message);
}

describe("public parameters for Hive's images", () => {
  test("hive image import --alias and --publish publish the AMI once it is available", () => {
    const r = hiveCli(["image", "import", GUEST, "--name", "ssm-guest", "--alias", "test-guest", "--publish", AL2023]);
    assert.equal(r.status, 0, r.stderr);
    ami = r.stdout.trim();
    assert.match(ami, /^ami-[0-9a-f]{17}$/);
  });

  test("the SDK reads them as AWS's AMI parameters: String, data type text, no account in the ARN", async () => {
    const { Parameter: p } = await ssm.send(new GetParameterCommand({ Name: "/aws/service/hive/test-guest/latest" }));
    assert.equal(p?.Value, ami);
    assert.equal(p?.Type, "String");
    assert.equal(p?.DataType, "text");
    assert.equal(p?.Version, 1);
    assert.equal(p?.ARN, "arn:aws:ssm:us-east-1::parameter/aws/service/hive/test-guest/latest");
    assert.ok(p?.LastModifiedDate instanceof Date);
    const both = await ssm.send(new GetParametersCommand({ Names: [AL2023, "/aws/service/hive/test-guest/latest", "/aws/service/hive/nope"] }));
    assert.deepEqual(both.Parameters?.map((x) => x.Value), [ami, ami]);
    assert.deepEqual(both.InvalidParameters, ["/aws/service/hive/nope"]);
  });

  test("the aws CLI finds them by path, as code written for AWS does", () => {
    const byPath = ok(["ssm", "get-parameters-by-path", "--path", "/aws/service/hive", "--recursive"]);
    assert.deepEqual(byPath.Parameters.map((p: { Name: string; Value: string }) => [p.Name, p.Value]), [["/aws/service/hive/test-guest/latest", ami]]);
    const al = ok(["ssm", "get-parameter", "--name", AL2023, "--endpoint-url", hive.endpoint]);
    assert.equal(al.Parameter.Value, ami);
    fails(["ssm", "put-parameter", "--name", AL2023, "--value", ami, "--type", "String", "--overwrite"], "AccessDeniedException");
    fails(["ssm", "delete-parameter", "--name", "/aws/service/hive/test-guest/latest"], "AccessDeniedException");
  });

  test("hive image publish re-points a name (its version counts on), unpublish takes it away, deregistering takes an AMI's names", () => {
    const r = hiveCli(["image", "import", GUEST, "--name", "ssm-guest-2"]);
    assert.equal(r.status, 0, r.stderr);
    const second = r.stdout.trim();
    const pub = hiveCli(["image", "publish", second, AL2023]);
    assert.equal(pub.status, 0, pub.stderr);
    assert.match(pub.stdout, new RegExp(`${AL2023} -> ${second} \\(version 2\\)`));
    assert.deepEqual([ok(["ssm", "get-parameter", "--name", AL2023]).Parameter.Value, ok(["ssm", "get-parameter", "--name", AL2023]).Parameter.Version], [second, 2]);
    assert.equal(hiveCli(["image", "publish", second, "/aws/service/hive/second/latest"]).status, 0);
    const bad = hiveCli(["image", "publish", second, "/not/public"]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /\/aws\/service\//);
    const unpub = hiveCli(["image", "unpublish", "/aws/service/hive/second/latest"]);
    assert.equal(unpub.status, 0, unpub.stderr);
    fails(["ssm", "get-parameter", "--name", "/aws/service/hive/second/latest"], "ParameterNotFound");
    ok(["ec2", "deregister-image", "--image-id", second]);
    fails(["ssm", "get-parameter", "--name", AL2023], "ParameterNotFound");
    assert.equal(hiveCli(["image", "publish", ami, AL2023]).status, 0);
    assert.equal(ok(["ssm", "get-parameter", "--name", AL2023]).Parameter.Version, 1);
  });
});

describe("parameters through the SDK", () => {
  test("put, overwrite and get: versions count on, ParameterAlreadyExists without Overwrite", async () => {
    assert.deepEqual(
      { ...(await ssm.send(new PutParameterCommand({ Name: "/app/db/host", Value: "db1", Type: "String", Description: "the database" }))), $metadata: undefined },
      { Version: 1, Tier: "Standard", $metadata: undefined },
    );
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/db/host", Value: "db2", Type: "String" })), "ParameterAlreadyExists");
    assert.equal((await ssm.send(new PutParameterCommand({ Name: "/app/db/host", Value: "db2", Overwrite: true }))).Version, 2);
    const { Parameter: p } = await ssm.send(new GetParameterCommand({ Name: "/app/db/host" }));
    assert.equal(p?.Value, "db2");
    assert.equal(p?.Version, 2);
    assert.equal(p?.ARN, `arn:aws:ssm:us-east-1:${hive.accountId}:parameter/app/db/host`);
    assert.equal((await ssm.send(new GetParameterCommand({ Name: "/app/db/host:1" }))).Parameter?.Value, "db1");
  });

  test("GetParametersByPath pages through a hierarchy, recursively or one level", async () => {
    for (const name of ["/app/db/port", "/app/web/a", "/app/web/b", "/app/web/c", "/app/top"]) {
      await ssm.send(new PutParameterCommand({ Name: name, Value: name.length.toString(), Type: "String" }));
    }
    const names: string[] = [];
    let pages = 0;
    for await (const page of paginateGetParametersByPath({ client: ssm, pageSize: 2 }, { Path: "/app", Recursive: true })) {
      pages++;
      names.push(...(page.Parameters ?? []).map((p) => p.Name!));
    }
    assert.deepEqual(names, ["/app/db/host", "/app/db/port", "/app/top", "/app/web/a", "/app/web/b", "/app/web/c"]);
    assert.equal(pages, 3);
    const oneLevel = await ssm.send(new GetParametersByPathCommand({ Path: "/app/" }));
    assert.deepEqual(oneLevel.Parameters?.map((p) => p.Name), ["/app/top"]);
    await refused(ssm.send(new GetParametersByPathCommand({ Path: "/app", NextToken: "not-ours" })), "InvalidNextToken");
    await refused(ssm.send(new GetParametersByPathCommand({ Path: "/app", ParameterFilters: [{ Key: "Name", Values: ["/app/top"] }] })), "InvalidFilterKey");
  });

  test("labels select a version and move; history lists every version with its labels", async () => {
    await ssm.send(new LabelParameterVersionCommand({ Name: "/app/db/host", ParameterVersion: 1, Labels: ["stable"] }));
    assert.equal((await ssm.send(new GetParameterCommand({ Name: "/app/db/host:stable" }))).Parameter?.Value, "db1");
    const moved = await ssm.send(new LabelParameterVersionCommand({ Name: "/app/db/host", Labels: ["stable", "1bad"] }));
    assert.equal(moved.ParameterVersion, 2);
    assert.deepEqual(moved.InvalidLabels, ["1bad"]);
    const history = await ssm.send(new GetParameterHistoryCommand({ Name: "/app/db/host" }));
    assert.deepEqual(history.Parameters?.map((v) => [v.Version, v.Value, v.Labels]), [[1, "db1", []], [2, "db2", ["stable"]]]);
    assert.equal(history.Parameters?.[0]?.Description, "the database");
    assert.match(history.Parameters?.[0]?.LastModifiedUser ?? "", /^arn:aws:iam::\d{12}:user\//);
    await refused(
      ssm.send(new LabelParameterVersionCommand({ Name: "/app/db/host", ParameterVersion: 1, Labels: Array.from({ length: 11 }, (_, i) => `l${i}`) })),
      "ValidationException",
    );
    await ssm.send(new LabelParameterVersionCommand({ Name: "/app/db/host", ParameterVersion: 1, Labels: Array.from({ length: 9 }, (_, i) => `l${i}`) }));
    await ssm.send(new LabelParameterVersionCommand({ Name: "/app/db/host", ParameterVersion: 1, Labels: ["tenth"] }));
    await refused(ssm.send(new LabelParameterVersionCommand({ Name: "/app/db/host", ParameterVersion: 1, Labels: ["eleventh"] })), "ParameterVersionLabelLimitExceeded");
  });

  test("tags: added, listed, removed", async () => {
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: "Parameter", ResourceId: "/app/top", Tags: [{ Key: "team", Value: "edge" }, { Key: "env", Value: "dev" }] }));
    const listed = await ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: "/app/top" }));
    assert.deepEqual(listed.TagList, [{ Key: "env", Value: "dev" }, { Key: "team", Value: "edge" }]);
    await ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: "Parameter", ResourceId: "/app/top", TagKeys: ["env"] }));
    assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: "/app/top" }))).TagList, [{ Key: "team", Value: "edge" }]);
    const tagged = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "tag:team", Values: ["edge"] }] }));
    assert.deepEqual(tagged.Parameters?.map((p) => p.Name), ["/app/top"]);
    await refused(ssm.send(new ListTagsForResourceCommand({ ResourceType: "Parameter", ResourceId: "/app/none" })), "InvalidResourceId");
  });

  test("a SecureString is decrypted only on request, and its plaintext is nowhere in the database files", async () => {
    const secret = `pw-${Date.now()}-SeCrEt`;
    const put = await ssm.send(new PutParameterCommand({ Name: "/app/db/password", Value: secret, Type: "SecureString" }));
    assert.equal(put.Version, 1);
    const hidden = (await ssm.send(new GetParameterCommand({ Name: "/app/db/password" }))).Parameter!;
    assert.notEqual(hidden.Value, secret);
    assert.match(hidden.Value!, /^[A-Za-z0-9+/]+=*$/);
    assert.equal((await ssm.send(new GetParameterCommand({ Name: "/app/db/password", WithDecryption: true }))).Parameter?.Value, secret);
    const [meta] = (await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Name", Values: ["/app/db/password"] }] }))).Parameters!;
    assert.equal(meta?.KeyId, "alias/aws/ssm");
    const byPath = await ssm.send(new GetParametersByPathCommand({ Path: "/app/db", WithDecryption: true }));
    assert.equal(byPath.Parameters?.find((p) => p.Name === "/app/db/password")?.Value, secret);
    const files = ["hive.db", "hive.db-wal"].map((f) => path.join(hive.dataDir, f)).filter((f) => fs.existsSync(f));
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    assert.equal(bytes.includes(Buffer.from(secret)), false, "the plaintext is in the database");
    assert.equal(bytes.includes(Buffer.from(hidden.Value!)), true, "the ciphertext GetParameter shows is what is stored");
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/kms", Value: "x", Type: "SecureString", KeyId: "alias/my-key" })), "InvalidKeyId", /alias\/my-key/);
  });

  test("every refusal with its AWS code", async () => {
    await refused(ssm.send(new GetParameterCommand({ Name: "/app/missing" })), "ParameterNotFound", /Parameter \/app\/missing not found/);
    await refused(ssm.send(new GetParameterCommand({ Name: "/app/db/host:9" })), "ParameterVersionNotFound");
    const deep = Array.from({ length: 16 }, (_, i) => `/l${i}`).join("");
    await refused(ssm.send(new PutParameterCommand({ Name: deep, Value: "x", Type: "String" })), "HierarchyLevelLimitExceededException");
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/port", Value: "http", Type: "String", AllowedPattern: "^\\d+$" })), "ParameterPatternMismatchException");
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/port", Value: "1", Type: "String", AllowedPattern: "([" })), "InvalidAllowedPatternException");
    await refused(ssm.send(new PutParameterCommand({ Name: "ssm-thing", Value: "x", Type: "String" })), "ValidationException", /can't be prefixed with "aws" or "ssm"/);
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/bad name", Value: "x", Type: "String" })), "ValidationException");
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/img", Value: "ami-0123456789abcdef0", Type: "String", DataType: "aws:ec2:image" })), "ValidationException", /does not exist/);
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/img", Value: ami, Type: "StringList", DataType: "aws:ec2:image" })), "UnsupportedParameterType");
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/x", Value: "x", Type: "String", Policies: '[{"Type":"Expiration"}]' })), "ValidationException", /Policies/);
    await refused(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Type", Option: "Contains", Values: ["String"] }] })), "InvalidFilterOption");
    await refused(ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: "Type", Values: ["Number"] }] })), "InvalidFilterValue");
    await refused(ssm.send(new DeleteParameterCommand({ Name: "/app/missing" })), "ParameterNotFound");
    // The 101st version drops the oldest, unless a label holds it.
    await ssm.send(new PutParameterCommand({ Name: "/app/many", Value: "v1", Type: "String" }));
    await ssm.send(new LabelParameterVersionCommand({ Name: "/app/many", Labels: ["first"] }));
    for (let v = 2; v <= 100; v++) await ssm.send(new PutParameterCommand({ Name: "/app/many", Value: `v${v}`, Overwrite: true }));
    await refused(ssm.send(new PutParameterCommand({ Name: "/app/many", Value: "v101", Overwrite: true })), "ParameterMaxVersionLimitExceeded");
  });
});

describe("parameters through the aws CLI and boto3", () => {
  test("the aws CLI puts, reads, describes, labels and deletes", () => {
    assert.equal(ok(["ssm", "put-parameter", "--name", "/cli/list", "--value", "a,b,c", "--type", "StringList", "--endpoint-url", hive.endpoint]).Version, 1);
    assert.equal(ok(["ssm", "put-parameter", "--name", "/cli/list", "--value", "a,b", "--overwrite"]).Version, 2);
    fails(["ssm", "put-parameter", "--name", "/cli/list", "--value", "x", "--type", "StringList"], "ParameterAlreadyExists");
    assert.equal(ok(["ssm", "get-parameter", "--name", "/cli/list"]).Parameter.Value, "a,b");
    assert.equal(ok(["ssm", "get-parameter", "--name", "/cli/list:1"]).Parameter.Value, "a,b,c");
    ok(["ssm", "label-parameter-version", "--name", "/cli/list", "--parameter-version", "1", "--labels", "old"]);
    assert.equal(ok(["ssm", "get-parameter", "--name", "/cli/list:old"]).Parameter.Version, 1);
    const described = ok(["ssm", "describe-parameters", "--parameter-filters", "Key=Path,Option=Recursive,Values=/cli"]).Parameters;
    assert.deepEqual(described.map((p: { Name: string; Type: string }) => [p.Name, p.Type]), [["/cli/list", "StringList"]]);
    assert.deepEqual(ok(["ssm", "get-parameter-history", "--name", "/cli/list"]).Parameters.map((p: { Labels: string[] }) => p.Labels), [["old"], []]);
    ok(["ssm", "delete-parameter", "--name", "/cli/list"]);
    fails(["ssm", "get-parameter", "--name", "/cli/list"], "ParameterNotFound");
    fails(["ssm", "put-parameter", "--name", "/cli/k", "--value", "x", "--type", "SecureString", "--key-id", "alias/mine"], "InvalidKeyId");
    fails(["ssm", "get-parameters-by-path", "--path", "/cli", "--parameter-filters", "Key=Tier,Values=Standard"], "InvalidFilterKey");
  });

  const boto3 = spawnSync("/usr/bin/python3", ["-c", "import boto3"]).status === 0;

  test("boto3 writes a SecureString and reads it back decrypted only on request, pages a path, and sees SSM's error codes", { skip: !boto3 && "needs python3 with boto3" }, () => {
    const script = `
import json, os, boto3
from botocore.exceptions import ClientError
# Debian's botocore predates AWS_ENDPOINT_URL, so the endpoint is named as older code names it.
ssm = boto3.client("ssm", region_name="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
out = {}
ssm.put_parameter(Name="/py/token", Value="tok-123", Type="SecureString")
for i in range(3):
    ssm.put_parameter(Name=f"/py/list/p{i}", Value=str(i), Type="String")
out["hidden"] = ssm.get_parameter(Name="/py/token")["Parameter"]["Value"]
out["shown"] = ssm.get_parameter(Name="/py/token", WithDecryption=True)["Parameter"]["Value"]
pages = ssm.get_paginator("get_parameters_by_path").paginate(Path="/py", Recursive=True, PaginationConfig={"PageSize": 2})
out["names"] = [p["Name"] for page in pages for p in page["Parameters"]]
out["public"] = ssm.get_parameter(Name="${AL2023}")["Parameter"]["Value"]
for name, call in [("missing", lambda: ssm.get_parameter(Name="/py/missing")), ("exists", lambda: ssm.put_parameter(Name="/py/token", Value="x", Type="SecureString"))]:
    try:
        call()
        out[name] = "no error"
    except ClientError as e:
        out[name] = e.response["Error"]["Code"]
print(json.dumps(out))
`;
    const r = spawnSync("/usr/bin/python3", ["-c", script], {
      encoding: "utf8",
      env: { ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...hive.env },
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.notEqual(out.hidden, "tok-123");
    assert.equal(out.shown, "tok-123");
    assert.deepEqual(out.names, ["/py/list/p0", "/py/list/p1", "/py/list/p2", "/py/token"]);
    assert.equal(out.public, ami);
    assert.equal(out.missing, "ParameterNotFound");
    assert.equal(out.exists, "ParameterAlreadyExists");
  });
});

describe("resolve:ssm: image ids", () => {
  test("RunInstances launches the test guest from a public parameter and from the account's own, recording the AMI", async () => {
    ok(["ssm", "put-parameter", "--name", "/golden/ami", "--value", ami, "--type", "String", "--data-type", "aws:ec2:image"]);
    const res = ok(["ec2", "run-instances", "--image-id", "resolve:ssm:/aws/service/hive/test-guest/latest", "--instance-type", "t3.micro"]);
    const id = res.Instances[0].InstanceId as string;
    assert.equal(res.Instances[0].ImageId, ami);
    await waitUntilInstanceRunning({ client: ec2Client(hive), maxWaitTime: 120 }, { InstanceIds: [id] });
    await until(`${id} to boot`, () => /HIVE-GUEST-READY/.test(ok(["ec2", "get-console-output", "--instance-id", id, "--latest"]).Output ?? ""));
    const [described] = ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances;
    assert.equal(described.ImageId, ami);
    ok(["ec2", "terminate-instances", "--instance-ids", id]);
    // The account's own parameter, by version: checked and resolved, then refused for what it is not.
    fails(["ec2", "run-instances", "--image-id", "resolve:ssm:/golden/ami:7", "--instance-type", "t3.micro"], "InvalidParameterValue");
    fails(["ec2", "run-instances", "--image-id", "resolve:ssm:/golden/none", "--instance-type", "t3.micro"], "InvalidParameterValue");
    ok(["ssm", "put-parameter", "--name", "/golden/text", "--value", "not-an-ami", "--type", "String"]);
    const stderr = fails(["ec2", "run-instances", "--image-id", "resolve:ssm:/golden/text", "--instance-type", "t3.micro"], "InvalidParameterValue");
    assert.match(stderr, /\/golden\/text/);
  });
});
