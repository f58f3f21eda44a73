// The Parameter Store room over a real store: versions, selectors, labels, tags, paths and filters, SecureStrings
// encrypted at rest, the public parameters naming images, `resolve:ssm:` image ids; every refusal with its AWS code.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { beforeEach, describe, test } from "node:test";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import type { ActionRequest } from "../../src/actions/index.ts";
import type { Caller } from "../../src/bus/index.ts";
import { imageImports } from "../../src/daemon/images/index.ts";
import { parameterCipher, parameterHandlers, publishImage, resolveImageId, unpublishImage } from "../../src/daemon/parameters/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { openStore, type ImageRecord, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const ctx = testContext();
const caller: Caller = { accountId: ctx.accountId, arn: `arn:aws:iam::${ctx.accountId}:user/admin`, userId: "AIDAEXAMPLE", accessKeyId: "AKIAEXAMPLE" };
const key = new Uint8Array(randomBytes(32));

let store: Store;
let h: ReturnType<typeof parameterHandlers>;

beforeEach(async () => {
  store = await openStore(":memory:");
  h = parameterHandlers({ ctx, store, cipher: parameterCipher(key) });
});

type Handlers = ReturnType<typeof parameterHandlers>;
/** Calls an action's handler as the daemon would, with typed input. */
const call = <A extends keyof Handlers>(action: A, input: Parameters<Handlers[A]>[0]["input"]) =>
  (h[action] as (req: ActionRequest<unknown>) => unknown)({ input, caller, region: ctx.region, requestId: "r" } as ActionRequest<unknown>) as ReturnType<Handlers[A]>;

/** The AWS code (and optionally the message) the gateway would answer for this call's error. */
function fails(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HiveError, `expected a HiveError, got ${String(err)}`);
    const aws = awsErrorFromDomain(err);
    assert.equal(aws.code, code, err.message);
    assert.ok(aws.status < 500);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const put = (Name: string, Value: string, extra: Record<string, unknown> = {}) => call("PutParameter", { Name, Value, Type: "String", ...extra });
const get = (Name: string, WithDecryption?: boolean) => call("GetParameter", { Name, WithDecryption }).Parameter!;

const AMI = "ami-0123456789abcdef0";
const AMI2 = "ami-1111111111111111a";
const image = (id: string, name: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
  id,
  name,
  state: "available",
  architecture: "x86_64",
  rootDeviceName: "/dev/xvda",
  sizeBytes: 1024,
  file: `images/${id}.qcow2`,
  node: ctx.node,
  ownerId: ctx.accountId,
  createdAt: "2026-11-29T12:00:00.000Z",
  ...extra,
});

describe("PutParameter and GetParameter", () => {
  test("a new parameter is version 1; Overwrite makes the next; without it ParameterAlreadyExists", () => {
    assert.deepEqual(put("/app/db/host", "db1"), { Version: 1, Tier: "Standard" });
    fails(() => put("/app/db/host", "db2"), "ParameterAlreadyExists", /set the overwrite option/);
    assert.deepEqual(call("PutParameter", { Name: "/app/db/host", Value: "db2", Overwrite: true }), { Version: 2, Tier: "Standard" });
    const p = get("/app/db/host");
    assert.equal(p.Value, "db2");
    assert.equal(p.Version, 2);
    assert.equal(p.Type, "String");
    assert.equal(p.DataType, "text");
    assert.equal(p.ARN, `arn:aws:ssm:us-east-1:${ctx.accountId}:parameter/app/db/host`);
    assert.ok(p.LastModifiedDate instanceof Date);
  });

  test("a name outside any hierarchy has an ARN with its slash added", () => {
    put("plain", "v");
    assert.equal(get("plain").ARN, `arn:aws:ssm:us-east-1:${ctx.accountId}:parameter/plain`);
    assert.equal(get(`arn:aws:ssm:us-east-1:${ctx.accountId}:parameter/plain`).Value, "v");
  });

  test("a type is needed to create, kept on overwrite unless changed, and must be one of SSM's", () => {
    fails(() => call("PutParameter", { Name: "/t", Value: "x" }), "ValidationException", /A parameter type is required/);
    fails(() => put("/t", "x", { Type: "Number" }), "ValidationException", /enum value set: \[SecureString, StringList, String\]/);
    put("/t", "a,b", { Type: "StringList" });
    call("PutParameter", { Name: "/t", Value: "a,b,c", Overwrite: true });
    assert.equal(get("/t").Type, "StringList");
    assert.equal(get("/t").Value, "a,b,c");
  });

  test("names follow AWS's rules, with AWS's words", () => {
    fails(() => put("/a b", "x"), "ValidationException", /sub-paths divided by slash symbol/);
    fails(() => put("a/b", "x"), "ValidationException", /sub-paths divided by slash symbol/);
    fails(() => put("/a//b", "x"), "ValidationException", /sub-paths/);
    fails(() => put("/a/b:c", "x"), "ValidationException", /sub-paths/);
    fails(() => put("awsome", "x"), "ValidationException", /can't be prefixed with "aws" or "ssm"/);
    fails(() => put("/SSM/x", "x"), "ValidationException", /can't be prefixed with "aws" or "ssm"/);
    fails(() => put("/aws/service/mine", "x"), "AccessDeniedException", /No access to reserved parameter name: \/aws\/service\/mine/);
    const deep = (n: number) => Array.from({ length: n }, (_, i) => `/l${i}`).join("");
    assert.equal(put(deep(15), "x").Version, 1);
    fails(() => put(deep(16), "x"), "HierarchyLevelLimitExceededException", /maximum of 15 levels/);
    fails(() => put(`/${"n".repeat(1011)}`, "x"), "ValidationException", /1011/);
    assert.equal(put("  /trimmed  ", "x").Version, 1);
    assert.equal(get("/trimmed").Value, "x");
  });

  test("AllowedPattern is checked against the value and carries over to the next version", () => {
    fails(() => put("/port", "http", { AllowedPattern: "^\\d+$" }), "ParameterPatternMismatchException", /cannot be validated against allowedPattern: \^\\d\+\$/);
    put("/port", "8080", { AllowedPattern: "^\\d+$" });
    fails(() => call("PutParameter", { Name: "/port", Value: "x", Overwrite: true }), "ParameterPatternMismatchException");
    fails(() => put("/bad", "x", { AllowedPattern: "([" }), "InvalidAllowedPatternException");
    call("PutParameter", { Name: "/port", Value: "9090", Overwrite: true, Description: "the port" });
    const [meta] = call("DescribeParameters", { ParameterFilters: [{ Key: "Name", Values: ["/port"] }] }).Parameters!;
    assert.equal(meta!.AllowedPattern, "^\\d+$");
    assert.equal(meta!.Description, "the port");
    assert.equal(meta!.LastModifiedUser, caller.arn);
  });

  test("Tier: Standard holds 4 KB, Advanced 8 KB, Intelligent-Tiering picks; an advanced parameter stays advanced", () => {
    const big = "x".repeat(5000);
    fails(() => put("/big", big), "ValidationException", /Standard tier parameters support a maximum parameter value of 4096/);
    assert.deepEqual(put("/big", big, { Tier: "Advanced" }), { Version: 1, Tier: "Advanced" });
    fails(() => put("/huge", "x".repeat(9000), { Tier: "Advanced" }), "ValidationException", /8192/);
    assert.deepEqual(put("/it", "small", { Tier: "Intelligent-Tiering" }), { Version: 1, Tier: "Standard" });
    assert.deepEqual(put("/it2", big, { Tier: "Intelligent-Tiering" }), { Version: 1, Tier: "Advanced" });
    fails(() => call("PutParameter", { Name: "/big", Value: "y", Overwrite: true, Tier: "Standard" }), "ValidationException", /can't downgrade/);
    assert.deepEqual(call("PutParameter", { Name: "/big", Value: "y", Overwrite: true }), { Version: 2, Tier: "Advanced" });
    fails(() => put("/t", "x", { Tier: "Premium" }), "ValidationException", /enum value set/);
  });

  test("what Hive would not act on is refused, never ignored: Policies, aws:ssm:integration, other data types", () => {
    fails(() => put("/p", "x", { Policies: '[{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"2030-01-01T00:00:00Z"}}]' }), "ValidationException", /Policies/);
    fails(() => put("/p", "x", { DataType: "aws:ssm:integration" }), "ValidationException", /aws:ssm:integration/);
    fails(() => put("/p", "x", { DataType: "Text" }), "ValidationException", /The following data type is not supported: Text \(Data type names are all lowercase.\)/);
    fails(() => put("/p", "", {}), "ValidationException", /at 'value' failed to satisfy constraint/);
    fails(() => put("/p", "x", { Tags: [{ Key: "a", Value: "b" }], Overwrite: true }), "ValidationException", /tags and overwrite can't be used together/);
  });

  test("aws:ec2:image values must be AMIs of the region that exist, in String parameters", () => {
    store.images.insert(image(AMI, "golden"));
    fails(() => put("/golden", "not-an-ami", { DataType: "aws:ec2:image" }), "ValidationException", /Invalid Format/);
    fails(() => put("/golden", AMI2, { DataType: "aws:ec2:image" }), "ValidationException", /Unable to Describe Resource: The image id '\[ami-1111111111111111a\]' does not exist/);
    fails(() => put("/golden", AMI, { DataType: "aws:ec2:image", Type: "StringList" }), "UnsupportedParameterType");
    put("/golden", AMI, { DataType: "aws:ec2:image" });
    assert.equal(get("/golden").DataType, "aws:ec2:image");
    fails(() => call("PutParameter", { Name: "/golden", Value: AMI, Overwrite: true, DataType: "text" }), "ValidationException", /data type/);
  });

  test("an unknown name is ParameterNotFound naming it", () => {
    fails(() => get("/nope"), "ParameterNotFound", /Parameter \/nope not found\./);
  });
});

describe("SecureString", () => {
  test("is stored encrypted, shown as ciphertext unless WithDecryption, and reports the default key", () => {
    assert.deepEqual(put("/db/password", "s3cr3t-Value", { Type: "SecureString" }), { Version: 1, Tier: "Standard" });
    const stored = store.parameters.latest("/db/password")!;
    assert.doesNotMatch(stored.value, /s3cr3t/);
    assert.equal(stored.keyId, "alias/aws/ssm");
    const hidden = get("/db/password");
    assert.equal(hidden.Value, stored.value);
    assert.doesNotMatch(hidden.Value!, /s3cr3t/);
    assert.equal(get("/db/password", true).Value, "s3cr3t-Value");
    const [meta] = call("DescribeParameters", {}).Parameters!;
    assert.equal(meta!.KeyId, "alias/aws/ssm");
    const [v1] = call("GetParameterHistory", { Name: "/db/password", WithDecryption: true }).Parameters!;
    assert.equal(v1!.Value, "s3cr3t-Value");
    assert.equal(call("GetParameters", { Names: ["/db/password"], WithDecryption: true }).Parameters![0]!.Value, "s3cr3t-Value");
    assert.equal(call("GetParametersByPath", { Path: "/db", WithDecryption: true }).Parameters![0]!.Value, "s3cr3t-Value");
    assert.notEqual(call("GetParametersByPath", { Path: "/db" }).Parameters![0]!.Value, "s3cr3t-Value");
  });

  test("the same value encrypts differently each time, and only under its own name and key", () => {
    put("/a", "same", { Type: "SecureString" });
    put("/b", "same", { Type: "SecureString" });
    const a = store.parameters.latest("/a")!.value;
    assert.notEqual(a, store.parameters.latest("/b")!.value);
    const cipher = parameterCipher(key);
    assert.equal(cipher.decrypt("/a", a), "same");
    assert.throws(() => cipher.decrypt("/b", a), /does not open/);
    assert.throws(() => parameterCipher(new Uint8Array(randomBytes(32))).decrypt("/a", a), /does not open/);
  });

  test("only the default key is honoured: any other KeyId is InvalidKeyId naming it", () => {
    assert.equal(put("/k1", "x", { Type: "SecureString", KeyId: "alias/aws/ssm" }).Version, 1);
    assert.equal(put("/k2", "x", { Type: "SecureString", KeyId: `arn:aws:kms:us-east-1:${ctx.accountId}:alias/aws/ssm` }).Version, 1);
    fails(() => put("/k3", "x", { Type: "SecureString", KeyId: "alias/my-key" }), "InvalidKeyId", /alias\/my-key/);
    fails(() => put("/k4", "x", { Type: "SecureString", KeyId: "1234abcd-12ab-34cd-56ef-1234567890ab" }), "InvalidKeyId", /1234abcd/);
    fails(() => put("/k5", "x", { KeyId: "alias/aws/ssm" }), "ValidationException", /KeyId is for SecureString parameters only/);
  });

  test("without the region's key a SecureString can be neither written nor read, and says why", () => {
    const keyless = parameterHandlers({ ctx, store, cipher: parameterCipher(undefined) });
    assert.throws(
      () => keyless.PutParameter({ input: { Name: "/s", Value: "x", Type: "SecureString" }, caller, region: ctx.region, requestId: "r" }),
      (err: unknown) => err instanceof HiveError && err.kind === "Internal" && /no parameter key/.test(err.message),
    );
  });
});

describe("versions, selectors and labels", () => {
  beforeEach(() => {
    put("/cfg", "one");
    for (const v of ["two", "three"]) call("PutParameter", { Name: "/cfg", Value: v, Overwrite: true });
  });

  test("name:version and name:label select a version, and the answer names the selector", () => {
    const p = get("/cfg:1");
    assert.equal(p.Value, "one");
    assert.equal(p.Name, "/cfg");
    assert.equal(p.Selector, ":1");
    fails(() => get("/cfg:9"), "ParameterVersionNotFound", /could not find version 9 of \/cfg/);
    assert.deepEqual(call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 2, Labels: ["prod"] }), { InvalidLabels: [], ParameterVersion: 2 });
    assert.equal(get("/cfg:prod").Value, "two");
    assert.equal(get("/cfg:prod").Selector, ":prod");
    fails(() => get("/cfg:staging"), "ParameterNotFound", /\/cfg:staging/);
  });

  test("a label moves to the version labelled last; without ParameterVersion the latest is labelled", () => {
    call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 1, Labels: ["prod"] });
    assert.deepEqual(call("LabelParameterVersion", { Name: "/cfg", Labels: ["prod"] }), { InvalidLabels: [], ParameterVersion: 3 });
    assert.equal(get("/cfg:prod").Version, 3);
    const history = call("GetParameterHistory", { Name: "/cfg" }).Parameters!;
    assert.deepEqual(history.map((v) => [v.Version, v.Labels]), [[1, []], [2, []], [3, ["prod"]]]);
    assert.equal(history[0]!.LastModifiedUser, caller.arn);
  });

  test("labels that break the rules come back as InvalidLabels; more than 10 on a version is refused", () => {
    const r = call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 1, Labels: ["ok", "1st", "aws-x", "SSMy", "bad label", "fine_2.x-y"] });
    assert.deepEqual(r.InvalidLabels, ["1st", "aws-x", "SSMy", "bad label"]);
    assert.deepEqual(store.parameters.version("/cfg", 1)!.labels, ["fine_2.x-y", "ok"]);
    const ten = Array.from({ length: 8 }, (_, i) => `l${i}`);
    call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 1, Labels: ten });
    fails(() => call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 1, Labels: ["one-more"] }), "ParameterVersionLabelLimitExceeded", /maximum 10 labels/);
    fails(() => call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 7, Labels: ["x"] }), "ParameterVersionNotFound");
    fails(() => call("LabelParameterVersion", { Name: "/none", Labels: ["x"] }), "ParameterNotFound");
    fails(() => call("LabelParameterVersion", { Name: "/cfg", Labels: Array.from({ length: 11 }, (_, i) => `m${i}`) }), "ValidationException");
  });

  test("UnlabelParameterVersion removes the labels the version has and lists the others as invalid", () => {
    call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 2, Labels: ["a", "b"] });
    assert.deepEqual(call("UnlabelParameterVersion", { Name: "/cfg", ParameterVersion: 2, Labels: ["a", "c"] }), { RemovedLabels: ["a"], InvalidLabels: ["c"] });
    assert.deepEqual(store.parameters.version("/cfg", 2)!.labels, ["b"]);
    fails(() => call("UnlabelParameterVersion", { Name: "/cfg", ParameterVersion: 5, Labels: ["b"] }), "ParameterVersionNotFound");
  });

  test("100 versions are kept: the next drops the oldest, unless a label holds it", () => {
    for (let i = 4; i <= 100; i++) call("PutParameter", { Name: "/cfg", Value: `v${i}`, Overwrite: true });
    call("LabelParameterVersion", { Name: "/cfg", ParameterVersion: 1, Labels: ["first"] });
    fails(() => call("PutParameter", { Name: "/cfg", Value: "v101", Overwrite: true }), "ParameterMaxVersionLimitExceeded", /Version 1, the oldest version, can't be deleted/);
    call("UnlabelParameterVersion", { Name: "/cfg", ParameterVersion: 1, Labels: ["first"] });
    assert.equal(call("PutParameter", { Name: "/cfg", Value: "v101", Overwrite: true }).Version, 101);
    const history = store.parameters.history("/cfg");
    assert.equal(history.length, 100);
    assert.equal(history[0]!.version, 2);
    fails(() => get("/cfg:1"), "ParameterVersionNotFound");
  });

  test("GetParameterHistory pages with MaxResults and NextToken", () => {
    const first = call("GetParameterHistory", { Name: "/cfg", MaxResults: 2 });
    assert.deepEqual(first.Parameters!.map((p) => p.Version), [1, 2]);
    const rest = call("GetParameterHistory", { Name: "/cfg", MaxResults: 2, NextToken: first.NextToken });
    assert.deepEqual(rest.Parameters!.map((p) => p.Version), [3]);
    assert.equal(rest.NextToken, undefined);
    fails(() => call("GetParameterHistory", { Name: "/cfg", MaxResults: 51 }), "ValidationException", /less than or equal to 50/);
    fails(() => call("GetParameterHistory", { Name: "/cfg", NextToken: "garbage!" }), "InvalidNextToken");
    fails(() => call("GetParameterHistory", { Name: "/none" }), "ParameterNotFound");
  });
});

describe("GetParameters, paths and DescribeParameters", () => {
  beforeEach(() => {
    put("/app/a", "1");
    put("/app/b", "2", { Type: "StringList" });
    put("/app/deep/c", "3", { Type: "SecureString" });
    put("/other/d", "4");
    put("top", "5");
  });

  test("GetParameters answers what exists and lists the rest as InvalidParameters; 1 to 10 names", () => {
    const r = call("GetParameters", { Names: ["/app/a", "/nope", "/app/a:1", "/app/a:4"] });
    assert.deepEqual(r.Parameters!.map((p) => [p.Name, p.Selector ?? ""]), [["/app/a", ""], ["/app/a", ":1"]]);
    assert.deepEqual(r.InvalidParameters, ["/nope", "/app/a:4"]);
    fails(() => call("GetParameters", { Names: Array.from({ length: 11 }, (_, i) => `/n${i}`) }), "ValidationException", /less than or equal to 10/);
  });

  test("GetParametersByPath: one level, recursive, the root, and filters", () => {
    const names = (input: Parameters<Handlers["GetParametersByPath"]>[0]["input"]) => call("GetParametersByPath", input).Parameters!.map((p) => p.Name);
    assert.deepEqual(names({ Path: "/app" }), ["/app/a", "/app/b"]);
    assert.deepEqual(names({ Path: "/app/", Recursive: true }), ["/app/a", "/app/b", "/app/deep/c"]);
    assert.deepEqual(names({ Path: "/" }), ["top"]);
    assert.deepEqual(names({ Path: "/", Recursive: true }), ["/app/a", "/app/b", "/app/deep/c", "/other/d", "top"]);
    assert.deepEqual(names({ Path: "/app", Recursive: true, ParameterFilters: [{ Key: "Type", Values: ["StringList", "SecureString"] }] }), ["/app/b", "/app/deep/c"]);
    call("LabelParameterVersion", { Name: "/app/a", Labels: ["live"] });
    assert.deepEqual(names({ Path: "/app", Recursive: true, ParameterFilters: [{ Key: "Label", Values: ["live"] }] }), ["/app/a"]);
    fails(() => names({ Path: "/app", ParameterFilters: [{ Key: "Name", Values: ["/app/a"] }] }), "InvalidFilterKey", /Name/);
    fails(() => names({ Path: "/app", ParameterFilters: [{ Key: "Label", Option: "BeginsWith", Values: ["l"] }] }), "InvalidFilterOption");
    fails(() => names({ Path: "app" }), "ValidationException", /must begin with a forward slash/);
  });

  test("GetParametersByPath pages with MaxResults (at most 10) and NextToken", () => {
    const first = call("GetParametersByPath", { Path: "/", Recursive: true, MaxResults: 2 });
    assert.deepEqual(first.Parameters!.map((p) => p.Name), ["/app/a", "/app/b"]);
    const second = call("GetParametersByPath", { Path: "/", Recursive: true, MaxResults: 2, NextToken: first.NextToken });
    assert.deepEqual(second.Parameters!.map((p) => p.Name), ["/app/deep/c", "/other/d"]);
    const last = call("GetParametersByPath", { Path: "/", Recursive: true, MaxResults: 2, NextToken: second.NextToken });
    assert.deepEqual(last.Parameters!.map((p) => p.Name), ["top"]);
    assert.equal(last.NextToken, undefined);
    fails(() => call("GetParametersByPath", { Path: "/", MaxResults: 11 }), "ValidationException", /less than or equal to 10/);
    fails(() => call("GetParametersByPath", { Path: "/", NextToken: "nope" }), "InvalidNextToken");
  });

  test("DescribeParameters: metadata only, by ParameterFilters or the older Filters, paged", () => {
    const names = (input: Parameters<Handlers["DescribeParameters"]>[0]["input"]) => call("DescribeParameters", input).Parameters!.map((p) => p.Name);
    const all = call("DescribeParameters", { MaxResults: 50 }).Parameters!;
    assert.deepEqual(all.map((p) => p.Name), ["/app/a", "/app/b", "/app/deep/c", "/other/d", "top"]);
    assert.ok(all.every((p) => !("Value" in p)));
    assert.equal(all[0]!.Tier, "Standard");
    assert.deepEqual(names({ ParameterFilters: [{ Key: "Name", Option: "BeginsWith", Values: ["/app"] }] }), ["/app/a", "/app/b", "/app/deep/c"]);
    assert.deepEqual(names({ ParameterFilters: [{ Key: "Name", Option: "Contains", Values: ["ee"] }] }), ["/app/deep/c"]);
    assert.deepEqual(names({ ParameterFilters: [{ Key: "Name", Values: ["top"] }] }), ["top"]);
    assert.deepEqual(names({ ParameterFilters: [{ Key: "Path", Values: ["/app"] }] }), ["/app/a", "/app/b"]);
    assert.deepEqual(names({ ParameterFilters: [{ Key: "Path", Option: "Recursive", Values: ["/app"] }, { Key: "Type", Values: ["SecureString"] }] }), ["/app/deep/c"]);
    assert.deepEqual(names({ ParameterFilters: [{ Key: "KeyId", Values: ["alias/aws/ssm"] }] }), ["/app/deep/c"]);
    assert.deepEqual(names({ Filters: [{ Key: "Type", Values: ["StringList"] }] }), ["/app/b"]);
    call("AddTagsToResource", { ResourceType: "Parameter", ResourceId: "/other/d", Tags: [{ Key: "team", Value: "edge" }] });
    assert.deepEqual(names({ ParameterFilters: [{ Key: "tag:team", Values: ["edge"] }] }), ["/other/d"]);
    assert.deepEqual(names({ ParameterFilters: [{ Key: "tag:team" }] }), ["/other/d"]);
    assert.deepEqual(names({ Shared: true }), []);
    const page = call("DescribeParameters", { MaxResults: 3 });
    assert.equal(page.Parameters!.length, 3);
    assert.deepEqual(call("DescribeParameters", { MaxResults: 3, NextToken: page.NextToken }).Parameters!.map((p) => p.Name), ["/other/d", "top"]);
  });

  test("DescribeParameters refuses bad filters with SSM's codes", () => {
    const d = (input: Parameters<Handlers["DescribeParameters"]>[0]["input"]) => () => call("DescribeParameters", input);
    fails(d({ Filters: [{ Key: "Name", Values: ["/a"] }], ParameterFilters: [{ Key: "Name", Values: ["/a"] }] }), "ValidationException", /either Filters or ParameterFilters/);
    fails(d({ ParameterFilters: [{ Key: "Label", Values: ["x"] }] }), "InvalidFilterKey", /Label/);
    fails(d({ ParameterFilters: [{ Key: "Colour", Values: ["x"] }] }), "ValidationException", /regular expression pattern/);
    fails(d({ ParameterFilters: [{ Key: "Type", Option: "Contains", Values: ["String"] }] }), "InvalidFilterOption", /Contains/);
    fails(d({ ParameterFilters: [{ Key: "Type", Values: ["Number"] }] }), "InvalidFilterValue", /Number/);
    fails(d({ ParameterFilters: [{ Key: "Name" }] }), "InvalidFilterValue", /missing/);
    fails(d({ ParameterFilters: [{ Key: "Name", Values: ["a"] }, { Key: "Name", Values: ["b"] }] }), "InvalidFilterKey", /duplicated/);
    fails(d({ ParameterFilters: [{ Key: "Path", Values: ["/aws/service"] }] }), "ValidationException", /common parameters/);
    fails(d({ MaxResults: 51 }), "ValidationException");
  });
});

describe("tags and deletion", () => {
  test("tags are added, listed and removed; PutParameter's Tags are the first ones", () => {
    put("/t", "x", { Tags: [{ Key: "env", Value: "dev" }] });
    call("AddTagsToResource", { ResourceType: "Parameter", ResourceId: "/t", Tags: [{ Key: "team", Value: "edge" }, { Key: "env", Value: "prod" }] });
    assert.deepEqual(call("ListTagsForResource", { ResourceType: "Parameter", ResourceId: "/t" }).TagList, [
      { Key: "env", Value: "prod" },
      { Key: "team", Value: "edge" },
    ]);
    call("RemoveTagsFromResource", { ResourceType: "Parameter", ResourceId: "/t", TagKeys: ["env"] });
    assert.deepEqual(call("ListTagsForResource", { ResourceType: "Parameter", ResourceId: "/t" }).TagList, [{ Key: "team", Value: "edge" }]);
    fails(() => call("ListTagsForResource", { ResourceType: "Parameter", ResourceId: "/nope" }), "InvalidResourceId");
    fails(() => call("ListTagsForResource", { ResourceType: "Document", ResourceId: "doc" }), "InvalidResourceId");
    fails(() => call("ListTagsForResource", { ResourceType: "Instance" as never, ResourceId: "/t" }), "InvalidResourceType");
    fails(() => call("AddTagsToResource", { ResourceType: "Parameter", ResourceId: "/t", Tags: [{ Key: "aws:x", Value: "y" }] }), "ValidationException", /reserved/);
    const many = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    fails(() => call("AddTagsToResource", { ResourceType: "Parameter", ResourceId: "/t", Tags: many }), "TooManyTagsError");
  });

  test("a parameter named like a box's resource keeps its tags in its own table, replicated with the region", () => {
    put("i-0123456789abcdef0", "x", { Tags: [{ Key: "k", Value: "v" }] });
    assert.deepEqual(store.tags.forResource("i-0123456789abcdef0"), []);
    const changed = store.region.pending(100).map((c) => `${c.table}:${JSON.stringify(c.key)}`);
    assert.ok(changed.includes('parameter_tags:["i-0123456789abcdef0","k"]'), changed.join(" "));
    assert.ok(changed.includes('parameters:["i-0123456789abcdef0"]'));
  });

  test("DeleteParameter takes every version, label and tag; the name starts over at version 1", () => {
    put("/gone", "1", { Tags: [{ Key: "a", Value: "b" }] });
    call("PutParameter", { Name: "/gone", Value: "2", Overwrite: true });
    call("LabelParameterVersion", { Name: "/gone", Labels: ["l"] });
    assert.deepEqual(call("DeleteParameter", { Name: "/gone" }), {});
    fails(() => call("DeleteParameter", { Name: "/gone" }), "ParameterNotFound");
    fails(() => call("DeleteParameter", { Name: "/aws/service/hive/x/latest" }), "AccessDeniedException");
    assert.equal(put("/gone", "again").Version, 1);
    assert.deepEqual(call("ListTagsForResource", { ResourceType: "Parameter", ResourceId: "/gone" }).TagList, []);
    assert.deepEqual(call("GetParameterHistory", { Name: "/gone" }).Parameters!.map((p) => p.Labels), [[]]);
  });

  test("DeleteParameters deletes what exists and lists the rest", () => {
    put("/x1", "1");
    put("/x2", "2");
    assert.deepEqual(call("DeleteParameters", { Names: ["/x1", "/x3", "/x2"] }), { DeletedParameters: ["/x1", "/x2"], InvalidParameters: ["/x3"] });
    fails(() => call("DeleteParameters", { Names: [] }), "ValidationException");
  });
});

describe("public parameters naming images", () => {
  beforeEach(() => {
    store.images.insert(image(AMI, "debian-12"));
    store.images.insert(image(AMI2, "debian-12b"));
  });

  test("a published name reads as AWS's AMI parameters do: a String of data type text, with no account in its ARN", () => {
    assert.deepEqual(publishImage(store, { imageId: AMI, name: "/aws/service/hive/debian-12/latest" }), {
      name: "/aws/service/hive/debian-12/latest",
      imageId: AMI,
      version: 1,
    });
    const p = get("/aws/service/hive/debian-12/latest");
    assert.deepEqual({ ...p, LastModifiedDate: undefined }, {
      Name: "/aws/service/hive/debian-12/latest",
      Type: "String",
      Value: AMI,
      Version: 1,
      LastModifiedDate: undefined,
      ARN: "arn:aws:ssm:us-east-1::parameter/aws/service/hive/debian-12/latest",
      DataType: "text",
    });
    assert.equal(get("/aws/service/hive/debian-12/latest:1").Selector, ":1");
    fails(() => get("/aws/service/hive/debian-12/latest:2"), "ParameterVersionNotFound");
  });

  test("re-pointing a name counts its version on; the same image changes nothing", () => {
    publishImage(store, { imageId: AMI, name: "/aws/service/hive/debian-12/latest" });
    publishImage(store, { imageId: AMI, name: "/aws/service/hive/debian-12/latest" });
    assert.equal(publishImage(store, { imageId: AMI2, name: "/aws/service/hive/debian-12/latest" }).version, 2);
    assert.equal(get("/aws/service/hive/debian-12/latest").Value, AMI2);
    assert.equal(call("GetParameterHistory", { Name: "/aws/service/hive/debian-12/latest" }).Parameters![0]!.Version, 2);
  });

  test("GetParameters and GetParametersByPath read them; DescribeParameters lists them by a Name filter inside /aws/service/", () => {
    publishImage(store, { imageId: AMI, name: "/aws/service/hive/debian-12/latest" });
    publishImage(store, { imageId: AMI2, name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64" });
    put("/mine", "x");
    assert.deepEqual(
      call("GetParametersByPath", { Path: "/aws/service/hive", Recursive: true }).Parameters!.map((p) => [p.Name, p.Value]),
      [["/aws/service/hive/debian-12/latest", AMI]],
    );
    assert.deepEqual(call("GetParametersByPath", { Path: "/aws/service/hive" }).Parameters, []);
    assert.deepEqual(
      call("GetParametersByPath", { Path: "/aws/service", Recursive: true }).Parameters!.map((p) => p.Name),
      ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64", "/aws/service/hive/debian-12/latest"],
    );
    const r = call("GetParameters", { Names: ["/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64", "/aws/service/nope"] });
    assert.deepEqual(r.Parameters!.map((p) => p.Value), [AMI2]);
    assert.deepEqual(r.InvalidParameters, ["/aws/service/nope"]);
    assert.deepEqual(
      call("DescribeParameters", { ParameterFilters: [{ Key: "Name", Option: "BeginsWith", Values: ["/aws/service/hive/"] }] }).Parameters!.map((p) => p.Name),
      ["/aws/service/hive/debian-12/latest"],
    );
    assert.deepEqual(call("DescribeParameters", {}).Parameters!.map((p) => p.Name), ["/mine"]);
  });

  test("they are read-only to SSM callers; deregistering the image (its store change) takes its names", () => {
    publishImage(store, { imageId: AMI, name: "/aws/service/hive/debian-12/latest" });
    fails(() => put("/aws/service/hive/debian-12/latest", AMI2, { Overwrite: true }), "AccessDeniedException");
    fails(() => call("AddTagsToResource", { ResourceType: "Parameter", ResourceId: "/aws/service/hive/debian-12/latest", Tags: [{ Key: "a", Value: "b" }] }), "InvalidResourceId");
    assert.deepEqual(store.publicParameters.removeImage(AMI), ["/aws/service/hive/debian-12/latest"]);
    fails(() => get("/aws/service/hive/debian-12/latest"), "ParameterNotFound");
  });

  test("publishing checks the name and the image; unpublishing says what the name named", () => {
    assert.throws(() => publishImage(store, { imageId: AMI, name: "/mine/latest" }), /starts with \/aws\/service\//);
    assert.throws(() => publishImage(store, { imageId: AMI, name: "/aws/service/bad name" }), /sub-paths/);
    assert.throws(() => publishImage(store, { imageId: "ami-nope", name: "/aws/service/hive/x/latest" }), /expecting "ami-/);
    assert.throws(() => publishImage(store, { imageId: "ami-99999999999999999", name: "/aws/service/hive/x/latest" }), /does not exist/);
    store.images.insert(image("ami-22222222222222222", "pending-one", { state: "pending" }));
    assert.throws(() => publishImage(store, { imageId: "ami-22222222222222222", name: "/aws/service/hive/x/latest" }), /pending/);
    publishImage(store, { imageId: AMI, name: "/aws/service/hive/x/latest" });
    assert.deepEqual(unpublishImage(store, { name: "/aws/service/hive/x/latest" }), { name: "/aws/service/hive/x/latest", imageId: AMI, version: 1 });
    assert.throws(() => unpublishImage(store, { name: "/aws/service/hive/x/latest" }), /not found/);
  });

  test("an import publishes its names once the image is available, and a bad name refuses the import up front", async () => {
    let finish!: () => void;
    const importer = () => new Promise<{ sizeBytes: number; format: string; file: string }>((resolve) => (finish = () => resolve({ sizeBytes: 1024, format: "qcow2", file: "x" })));
    const imports = imageImports(ctx, store, { importer: importer as never });
    assert.throws(() => imports.start({ source: "/srv/d.qcow2", name: "bad-pub", publish: ["/mine/x"] }), /\/aws\/service\//);
    assert.equal(store.images.byName("bad-pub"), undefined);
    const { imageId } = imports.start({ source: "/srv/d.qcow2", name: "pub-img", publish: ["/aws/service/hive/pub/latest"] });
    assert.equal(store.publicParameters.get("/aws/service/hive/pub/latest"), undefined);
    finish();
    await imports.settled();
    assert.equal(store.publicParameters.get("/aws/service/hive/pub/latest")?.imageId, imageId);
  });
});

describe("resolve:ssm: image ids", () => {
  beforeEach(() => {
    store.images.insert(image(AMI, "debian-12"));
    store.images.insert(image(AMI2, "debian-13"));
  });

  test("a plain AMI id is itself; a parameter, a version, a label or a public name gives its AMI", () => {
    assert.equal(resolveImageId(store, AMI, ctx), AMI);
    put("/golden", AMI, { DataType: "aws:ec2:image" });
    call("PutParameter", { Name: "/golden", Value: AMI2, Overwrite: true });
    call("LabelParameterVersion", { Name: "/golden", ParameterVersion: 1, Labels: ["stable"] });
    assert.equal(resolveImageId(store, "resolve:ssm:/golden", ctx), AMI2);
    assert.equal(resolveImageId(store, "resolve:ssm:/golden:1", ctx), AMI);
    assert.equal(resolveImageId(store, "resolve:ssm:/golden:stable", ctx), AMI);
    publishImage(store, { imageId: AMI, name: "/aws/service/hive/debian-12/latest" });
    assert.equal(resolveImageId(store, "resolve:ssm:/aws/service/hive/debian-12/latest", ctx), AMI);
  });

  test("an unknown parameter, version, or a value that is not an AMI is InvalidParameterValue naming it", () => {
    put("/text", "hello");
    put("/secret", AMI, { Type: "SecureString" });
    fails(() => resolveImageId(store, "resolve:ssm:/missing", ctx), "InvalidParameterValue", /resolve:ssm:\/missing.*\/missing does not exist/);
    fails(() => resolveImageId(store, "resolve:ssm:/text:7", ctx), "InvalidParameterValue", /version 7/);
    fails(() => resolveImageId(store, "resolve:ssm:/text", ctx), "InvalidParameterValue", /does not hold an AMI ID: hello/);
    fails(() => resolveImageId(store, "resolve:ssm:/secret", ctx), "InvalidParameterValue", /SecureString/);
  });
});
