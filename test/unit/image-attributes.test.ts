// DescribeImageAttribute and ModifyImageAttribute on an in-memory store: every attribute EC2 lists, the description and
// launch permissions in both request forms, EC2's refusals, and what DescribeImages makes of a public or shared image.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { awsErrorFromDomain } from "../../src/api/aws-error.ts";
import { describeImageAttribute, describeImages, IMAGE_ATTRIBUTES, modifyImageAttribute } from "../../src/daemon/images/index.ts";
import { HiveError } from "../../src/errors/index.ts";
import { openStore, type ImageRecord, type Store } from "../../src/store/index.ts";
import { testContext } from "../helpers/daemon-context.ts";

const ctx = testContext();
const A = "ami-0123456789abcdef0";
const B = "ami-1111111111111111a";
const GONE = "ami-22222222222222222";
const OTHER = "111122223333";

const image = (id: string, name: string, extra: Partial<ImageRecord> = {}): ImageRecord => ({
  id,
  name,
  state: "available",
  architecture: "x86_64",
  rootDeviceName: "/dev/xvda",
  sizeBytes: 2 * 1024 ** 3,
  file: `images/${id}.qcow2`,
  node: "node-1",
  ownerId: ctx.accountId,
  createdAt: "2026-11-29T12:00:00.000Z",
  ...extra,
});

/** The AWS code a call fails with, as the gateway would answer it. */
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HiveError, `a HiveError, got ${String(err)}`);
    return awsErrorFromDomain(err).code;
  }
  assert.fail("expected the call to fail");
};

describe("image attributes", () => {
  let store: Store;
  const attr = (Attribute: string, ImageId = A) => describeImageAttribute({ ImageId, Attribute: Attribute as never }, store);
  const modify = (input: Record<string, unknown>) => modifyImageAttribute({ ImageId: A, ...input }, store);
  const listed = (input: Record<string, unknown>) => (describeImages(input, ctx, store).Images ?? []).map((i) => i.ImageId);

  before(async () => {
    store = await openStore(":memory:");
    store.images.insert(image(A, "web", { description: "first" }));
    store.images.insert(image(B, "db"));
    store.images.insert(image(GONE, "old", { state: "deregistered" }));
  });
  after(() => store.close());

  test("every attribute EC2 lists has an answer (blockDeviceMapping: EC2's AuthFailure)", () => {
    for (const name of IMAGE_ATTRIBUTES) {
      if (name === "blockDeviceMapping") {
        assert.equal(codeOf(() => attr(name)), "AuthFailure");
        continue;
      }
      const out = attr(name);
      assert.equal(out.ImageId, A);
      assert.equal(Object.keys(out).length, 2, `${name} answers exactly one member: ${JSON.stringify(out)}`);
    }
    assert.deepEqual(attr("description").Description, { Value: "first" });
    assert.deepEqual(attr("description", B).Description, {});
    assert.deepEqual(attr("kernel").KernelId, {});
    assert.deepEqual(attr("productCodes").ProductCodes, []);
    assert.deepEqual(attr("sriovNetSupport").SriovNetSupport, { Value: "simple" });
    assert.deepEqual(attr("bootMode").BootMode, { Value: "legacy-bios" });
    assert.deepEqual(attr("imdsSupport").ImdsSupport, {});
    assert.deepEqual(attr("deregistrationProtection").DeregistrationProtection, { Value: "disabled" });
  });

  test("lastLaunchedTime is empty until a box records a launch, then the latest launch", () => {
    assert.deepEqual(attr("lastLaunchedTime", B).LastLaunchedTime, {});
    store.images.recordLaunch(B, "node-1", "2026-12-01T10:00:00.000Z");
    store.images.recordLaunch(B, "node-2", "2026-12-01T11:00:00.000Z");
    assert.deepEqual(attr("lastLaunchedTime", B).LastLaunchedTime, { Value: "2026-12-01T11:00:00.000Z" });
  });

  test("unknown attributes, malformed, unknown and deregistered images", () => {
    assert.equal(codeOf(() => attr("colour")), "InvalidParameterValue");
    assert.equal(codeOf(() => attr("description", "ami-nope")), "InvalidAMIID.Malformed");
    assert.equal(codeOf(() => attr("description", "ami-99999999999999999")), "InvalidAMIID.NotFound");
    assert.equal(codeOf(() => attr("description", GONE)), "InvalidAMIID.NotFound");
    assert.equal(codeOf(() => modifyImageAttribute({ ImageId: GONE, Description: { Value: "x" } }, store)), "InvalidAMIID.NotFound");
  });

  test("the description changes by its structure or by Attribute and Value, and DescribeImages shows it", () => {
    modify({ Description: { Value: "second" } });
    assert.deepEqual(attr("description").Description, { Value: "second" });
    modify({ Attribute: "description", Value: "third" });
    assert.equal(describeImages({ ImageIds: [A] }, ctx, store).Images?.[0]?.Description, "third");
    assert.equal(codeOf(() => modify({ Description: { Value: "x".repeat(256) } })), "InvalidParameterValue");
    assert.equal(codeOf(() => modify({ Attribute: "description" })), "MissingParameter");
  });

  test("launch permissions: add the group all and an account, then remove by the older OperationType form", () => {
    modify({ LaunchPermission: { Add: [{ Group: "all" }, { UserId: OTHER }] } });
    assert.deepEqual(attr("launchPermission").LaunchPermissions, [{ Group: "all" }, { UserId: OTHER }]);
    assert.equal(describeImages({ ImageIds: [A] }, ctx, store).Images?.[0]?.Public, true);
    assert.equal(describeImages({ ImageIds: [B] }, ctx, store).Images?.[0]?.Public, false);
    assert.deepEqual(listed({ Filters: [{ Name: "is-public", Values: ["true"] }] }), [A]);
    assert.deepEqual(listed({ ExecutableUsers: ["all"] }), [A]);
    assert.deepEqual(listed({ ExecutableUsers: [OTHER] }), [A]);
    // The owner's own images are not shared with it.
    assert.deepEqual(listed({ ExecutableUsers: ["self"] }), []);
    assert.deepEqual(listed({ ExecutableUsers: ["999999999999"] }), []);

    // Adding what is there already is no change.
    modify({ LaunchPermission: { Add: [{ UserId: OTHER }] } });
    modify({ Attribute: "launchPermission", OperationType: "remove", UserGroups: ["all"] });
    assert.deepEqual(attr("launchPermission").LaunchPermissions, [{ UserId: OTHER }]);
    assert.equal(describeImages({ ImageIds: [A] }, ctx, store).Images?.[0]?.Public, false);
    modify({ LaunchPermission: { Remove: [{ UserId: OTHER }] } });
    assert.deepEqual(attr("launchPermission").LaunchPermissions, []);
  });

  test("EC2's refusals, and nothing changes when one item of the call is wrong", () => {
    assert.equal(codeOf(() => modify({ LaunchPermission: { Add: [{ Group: "everyone" }] } })), "InvalidAMIAttributeItemValue");
    assert.equal(codeOf(() => modify({ LaunchPermission: { Add: [{ UserId: OTHER }, { UserId: "12345678901A" }] } })), "InvalidAMIAttributeItemValue");
    assert.equal(codeOf(() => modify({ OperationType: "add", UserIds: ["1234567890123"] })), "InvalidAMIAttributeItemValue");
    assert.deepEqual(attr("launchPermission").LaunchPermissions, []);
    assert.equal(codeOf(() => modify({ OperationType: "share", UserIds: [OTHER] })), "InvalidParameterValue");
    assert.equal(codeOf(() => modify({ Attribute: "launchPermission" })), "MissingParameter");
    assert.equal(codeOf(() => modify({})), "MissingParameter");
    assert.equal(codeOf(() => modify({ Description: { Value: "x" }, LaunchPermission: { Add: [{ Group: "all" }] } })), "InvalidParameterCombination");
    assert.equal(codeOf(() => modify({ LaunchPermission: { Add: [{ Group: "all" }] }, OperationType: "add" })), "InvalidParameterCombination");
    // What Hive does not honour is refused, naming it.
    for (const input of [
      { ImdsSupport: { Value: "v2.0" } },
      { Attribute: "imdsSupport", Value: "v2.0" },
      { ProductCodes: ["abc"] },
      { LaunchPermission: { Add: [{ OrganizationArn: "arn:aws:organizations::123456789012:organization/o-1" }] } },
      { OperationType: "add", OrganizationArns: ["arn:aws:organizations::123456789012:organization/o-1"] },
    ]) {
      assert.equal(codeOf(() => modify(input)), "UnsupportedOperation", JSON.stringify(input));
    }
    // Read-only and unknown attributes.
    assert.equal(codeOf(() => modify({ Attribute: "kernel", Value: "aki-1" })), "InvalidParameterValue");
    assert.equal(codeOf(() => modify({ Attribute: "colour", Value: "red" })), "InvalidParameterValue");
    assert.equal(codeOf(() => describeImages({ ExecutableUsers: ["someone"] }, ctx, store)), "InvalidUserID.Malformed");
  });
});
