// End to end, the describes tools make around an instance, with the aws CLI, boto3 and the AWS SDK v3 against the
// compiled appliance: image attributes and launch permissions, one instance's attributes, stop protection and CPU
// credit options, IAM instance profile associations and account aliases before IAM exists. One guest serves it all.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImageAttributeCommand,
  DescribeInstanceCreditSpecificationsCommand,
  ModifyImageAttributeCommand,
  ModifyInstanceCreditSpecificationCommand,
  waitUntilInstanceRunning,
  type ImageAttributeName,
} from "@aws-sdk/client-ec2";
import { ListAccountAliasesCommand } from "@aws-sdk/client-iam";
import { awsDriver } from "../helpers/e2e.ts";
import { aws, ec2Client, iamClient, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
const OTHER_ACCOUNT = "111122223333";

let hive: HiveInstance;
let ami = "";
let instance = "";

before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  hive = await startHive();
  const r = runHive(["image", "import", GUEST, "--name", "attributes-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
  ami = r.stdout.trim();
});
after(async () => {
  await hive?.stop();
});

const { ok, fails, until } = awsDriver(() => hive);

// boto3 in python3, with the appliance's environment: `ec2` and `iam` clients, `code(fn, **kw)` for a call's error code.
const PRELUDE = `
import boto3, json
from botocore.exceptions import ClientError
ec2 = boto3.client("ec2")
iam = boto3.client("iam")
def code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None
def out(x):
    print(json.dumps(x, default=str))
`;

function boto3(script: string): any {
  const r = spawnSync("python3", ["-c", PRELUDE + script], {
    env: { ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...hive.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** An SDK v3 call's error name (the AWS code), or "" when it succeeds. */
const sdkCode = (p: Promise<unknown>): Promise<string> => p.then(() => "", (e: { name?: string }) => e.name ?? String(e));

describe("image attributes", () => {
  const IMAGE_ATTRIBUTES: ImageAttributeName[] = [
    "description", "kernel", "ramdisk", "launchPermission", "productCodes", "sriovNetSupport", "bootMode", "tpmSupport", "uefiData",
    "lastLaunchedTime", "imdsSupport", "deregistrationProtection",
  ];

  test("DescribeImageAttribute answers every attribute EC2 lists (SDK v3); blockDeviceMapping is EC2's AuthFailure", async () => {
    const client = ec2Client(hive);
    for (const Attribute of IMAGE_ATTRIBUTES) {
      const out = await client.send(new DescribeImageAttributeCommand({ ImageId: ami, Attribute }));
      assert.equal(out.ImageId, ami, Attribute);
    }
    const boot = await client.send(new DescribeImageAttributeCommand({ ImageId: ami, Attribute: "bootMode" }));
    assert.equal(boot.BootMode?.Value, "legacy-bios");
    const protection = await client.send(new DescribeImageAttributeCommand({ ImageId: ami, Attribute: "deregistrationProtection" }));
    assert.equal(protection.DeregistrationProtection?.Value, "disabled");
    const launched = await client.send(new DescribeImageAttributeCommand({ ImageId: ami, Attribute: "lastLaunchedTime" }));
    assert.equal(launched.LastLaunchedTime?.Value, undefined, "never launched yet");
    fails(["ec2", "describe-image-attribute", "--image-id", ami, "--attribute", "blockDeviceMapping"], "AuthFailure");
  });

  test("the description changes through the CLI's both forms and boto3, and DescribeImages shows it", () => {
    ok(["ec2", "modify-image-attribute", "--image-id", ami, "--description", "Value=built for the attribute tests"]);
    assert.equal(ok(["ec2", "describe-image-attribute", "--image-id", ami, "--attribute", "description"]).Description.Value, "built for the attribute tests");
    ok(["ec2", "modify-image-attribute", "--image-id", ami, "--attribute", "description", "--value", "second words"]);
    assert.equal(ok(["ec2", "describe-images", "--image-ids", ami]).Images[0].Description, "second words");
    const seen = boto3(`
ec2.modify_image_attribute(ImageId="${ami}", Description={"Value": "from boto3"})
out(ec2.describe_image_attribute(ImageId="${ami}", Attribute="description")["Description"])
`);
    assert.deepEqual(seen, { Value: "from boto3" });
  });

  test("launch permissions make the image public and shared; ExecutableUsers and is-public follow; the older form removes", async () => {
    ok(["ec2", "modify-image-attribute", "--image-id", ami, "--launch-permission", `Add=[{Group=all},{UserId=${OTHER_ACCOUNT}}]`]);
    const perms = ok(["ec2", "describe-image-attribute", "--image-id", ami, "--attribute", "launchPermission"]).LaunchPermissions;
    assert.deepEqual(perms, [{ Group: "all" }, { UserId: OTHER_ACCOUNT }]);
    assert.equal(ok(["ec2", "describe-images", "--image-ids", ami]).Images[0].Public, true);
    const ids = (args: string[]) => ok(["ec2", "describe-images", ...args]).Images.map((i: any) => i.ImageId);
    assert.deepEqual(ids(["--executable-users", "all"]), [ami]);
    assert.deepEqual(ids(["--executable-users", OTHER_ACCOUNT]), [ami]);
    assert.deepEqual(ids(["--filters", "Name=is-public,Values=true"]), [ami]);
    // Shared with another account, not with the owner's: `self` selects images others shared with it.
    assert.deepEqual(ids(["--executable-users", "self"]), []);

    ok(["ec2", "modify-image-attribute", "--image-id", ami, "--attribute", "launchPermission", "--operation-type", "remove", "--user-groups", "all"]);
    assert.equal(ok(["ec2", "describe-images", "--image-ids", ami]).Images[0].Public, false);
    assert.deepEqual(ids(["--executable-users", "all"]), []);
    await ec2Client(hive).send(new ModifyImageAttributeCommand({ ImageId: ami, LaunchPermission: { Remove: [{ UserId: OTHER_ACCOUNT }] } }));
    const left = boto3(`out(ec2.describe_image_attribute(ImageId="${ami}", Attribute="launchPermission")["LaunchPermissions"])`);
    assert.deepEqual(left, []);
  });

  test("every refusal with its AWS code", async () => {
    fails(["ec2", "modify-image-attribute", "--image-id", ami, "--launch-permission", "Add=[{Group=everyone}]"], "InvalidAMIAttributeItemValue");
    fails(["ec2", "modify-image-attribute", "--image-id", ami, "--launch-permission", "Add=[{UserId=12345}]"], "InvalidAMIAttributeItemValue");
    fails(["ec2", "modify-image-attribute", "--image-id", ami, "--imds-support", "Value=v2.0"], "UnsupportedOperation");
    fails(["ec2", "modify-image-attribute", "--image-id", ami, "--product-codes", "abc123"], "UnsupportedOperation");
    fails(
      ["ec2", "modify-image-attribute", "--image-id", ami, "--launch-permission", "Add=[{OrganizationArn=arn:aws:organizations::123456789012:organization/o-abc}]"],
      "UnsupportedOperation",
    );
    fails(["ec2", "modify-image-attribute", "--image-id", ami, "--attribute", "kernel", "--value", "aki-12345678"], "InvalidParameterValue");
    fails(["ec2", "modify-image-attribute", "--image-id", ami, "--attribute", "launchPermission"], "MissingParameter");
    fails(["ec2", "describe-image-attribute", "--image-id", ami, "--attribute", "colour"], "InvalidParameterValue");
    fails(["ec2", "describe-image-attribute", "--image-id", "ami-0123456789abcdef0", "--attribute", "description"], "InvalidAMIID.NotFound");
    fails(["ec2", "describe-image-attribute", "--image-id", "ami-nope", "--attribute", "description"], "InvalidAMIID.Malformed");
    fails(["ec2", "describe-images", "--executable-users", "someone"], "InvalidUserID.Malformed");
    const codes = boto3(`
out([
  code(ec2.modify_image_attribute, ImageId="${ami}", LaunchPermission={"Add": [{"Group": "all", "UserId": "${OTHER_ACCOUNT}"}]}),
  code(ec2.modify_image_attribute, ImageId="${ami}", Description={"Value": "x" * 256}),
])
`);
    assert.deepEqual(codes, ["InvalidParameterCombination", "InvalidParameterValue"]);
    assert.equal(await sdkCode(ec2Client(hive).send(new ModifyImageAttributeCommand({ ImageId: ami, LaunchPermission: { Add: [{ UserId: "abc" }] } }))), "InvalidAMIAttributeItemValue");
  });
});

describe("an instance's attributes", () => {
  test("RunInstances refuses a credit option for a type without one, and a value that is neither option", () => {
    fails(["ec2", "run-instances", "--image-id", ami, "--instance-type", "m5.large", "--credit-specification", "CpuCredits=unlimited"], "InstanceCreditSpecification.NotSupported");
    fails(["ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--credit-specification", "CpuCredits=turbo"], "InvalidParameterValue");
    assert.equal(ok(["ec2", "describe-instances"]).Reservations.length, 0);
  });

  test("RunInstances honours DisableApiStop and CreditSpecification; lastLaunchedTime names the launch", async () => {
    const res = ok([
      "ec2", "run-instances", "--image-id", ami, "--instance-type", "t3.micro", "--disable-api-stop", "--credit-specification", "CpuCredits=standard",
    ]);
    instance = res.Instances[0].InstanceId;
    await waitUntilInstanceRunning({ client: ec2Client(hive), maxWaitTime: 120 }, { InstanceIds: [instance] });
    const launched = ok(["ec2", "describe-image-attribute", "--image-id", ami, "--attribute", "lastLaunchedTime"]).LastLaunchedTime.Value;
    assert.equal(new Date(launched).toISOString(), new Date(res.Instances[0].LaunchTime).toISOString());
  });

  test("DescribeInstanceAttribute answers every attribute EC2 lists (boto3); DisableApiStop shows there, not in DescribeInstances", () => {
    const answers = boto3(`
names = ["instanceType", "kernel", "ramdisk", "userData", "disableApiTermination", "instanceInitiatedShutdownBehavior", "rootDeviceName",
         "blockDeviceMapping", "productCodes", "sourceDestCheck", "groupSet", "ebsOptimized", "sriovNetSupport", "enaSupport", "enclaveOptions",
         "disableApiStop"]
r = {}
for n in names:
    a = ec2.describe_instance_attribute(InstanceId="${instance}", Attribute=n)
    a.pop("ResponseMetadata")
    a.pop("InstanceId")
    r[n] = a
out(r)
`);
    assert.deepEqual(answers.instanceType, { InstanceType: { Value: "t3.micro" } });
    assert.deepEqual(answers.kernel, { KernelId: {} });
    assert.deepEqual(answers.ramdisk, { RamdiskId: {} });
    assert.deepEqual(answers.disableApiTermination, { DisableApiTermination: { Value: false } });
    assert.deepEqual(answers.instanceInitiatedShutdownBehavior, { InstanceInitiatedShutdownBehavior: { Value: "stop" } });
    assert.deepEqual(answers.rootDeviceName, { RootDeviceName: { Value: "/dev/xvda" } });
    assert.equal(answers.blockDeviceMapping.BlockDeviceMappings[0].DeviceName, "/dev/xvda");
    assert.deepEqual(answers.productCodes, { ProductCodes: [] });
    assert.deepEqual(answers.sourceDestCheck, { SourceDestCheck: { Value: true } });
    assert.equal(answers.groupSet.Groups.length, 1);
    assert.deepEqual(answers.ebsOptimized, { EbsOptimized: { Value: false } });
    assert.deepEqual(answers.enaSupport, { EnaSupport: { Value: true } });
    assert.deepEqual(answers.enclaveOptions, { EnclaveOptions: { Enabled: false } });
    assert.deepEqual(answers.disableApiStop, { DisableApiStop: { Value: true } });
    assert.ok("userData" in answers && "sriovNetSupport" in answers);
    const [described] = ok(["ec2", "describe-instances", "--instance-ids", instance]).Reservations[0].Instances;
    assert.equal("DisableApiStop" in described, false);
  });

  test("stop protection: StopInstances (even forced) and TerminateInstances answer OperationNotPermitted naming it", () => {
    const stderr = fails(["ec2", "stop-instances", "--instance-ids", instance], "OperationNotPermitted");
    assert.match(stderr, new RegExp(`The instance '${instance}' may not be stopped\\. Modify its 'disableApiStop' instance attribute and try again\\.`));
    fails(["ec2", "stop-instances", "--instance-ids", instance, "--force"], "OperationNotPermitted");
    assert.match(fails(["ec2", "terminate-instances", "--instance-ids", instance], "OperationNotPermitted"), /disableApiStop/);
    assert.equal(ok(["ec2", "describe-instances", "--instance-ids", instance]).Reservations[0].Instances[0].State.Name, "running");
  });

  test("credit options: described, changed with the SDK v3, listed when unlimited; unknown ids come back Unsuccessful", async () => {
    const client = ec2Client(hive);
    const described = ok(["ec2", "describe-instance-credit-specifications", "--instance-ids", instance]).InstanceCreditSpecifications;
    assert.deepEqual(described, [{ InstanceId: instance, CpuCredits: "standard" }]);
    assert.deepEqual(ok(["ec2", "describe-instance-credit-specifications"]).InstanceCreditSpecifications, [], "only unlimited ones are listed without ids");

    const changed = await client.send(
      new ModifyInstanceCreditSpecificationCommand({
        InstanceCreditSpecifications: [
          { InstanceId: instance, CpuCredits: "unlimited" },
          { InstanceId: "i-0123456789abcdef0", CpuCredits: "unlimited" },
          { InstanceId: "i-nope", CpuCredits: "unlimited" },
        ],
      }),
    );
    assert.deepEqual(changed.SuccessfulInstanceCreditSpecifications, [{ InstanceId: instance }]);
    assert.deepEqual(
      changed.UnsuccessfulInstanceCreditSpecifications?.map((u) => [u.InstanceId, u.Error?.Code]),
      [["i-0123456789abcdef0", "InvalidInstanceID.NotFound"], ["i-nope", "InvalidInstanceID.Malformed"]],
    );
    const listed = await client.send(new DescribeInstanceCreditSpecificationsCommand({}));
    assert.deepEqual(listed.InstanceCreditSpecifications, [{ InstanceId: instance, CpuCredits: "unlimited" }]);
    const back = boto3(`
r = ec2.modify_instance_credit_specification(InstanceCreditSpecifications=[{"InstanceId": "${instance}", "CpuCredits": "standard"}])
out([r["SuccessfulInstanceCreditSpecifications"], ec2.describe_instance_credit_specifications(InstanceIds=["${instance}"])["InstanceCreditSpecifications"],
     code(ec2.modify_instance_credit_specification, InstanceCreditSpecifications=[{"InstanceId": "${instance}", "CpuCredits": "fast"}])])
`);
    assert.deepEqual(back, [[{ InstanceId: instance }], [{ InstanceId: instance, CpuCredits: "standard" }], "InvalidParameterValue"]);
    fails(["ec2", "describe-instance-credit-specifications", "--instance-ids", "i-0123456789abcdef0"], "InvalidInstanceID.NotFound");
    fails(["ec2", "describe-instance-credit-specifications", "--filters", "Name=cpu-credits,Values=standard"], "InvalidParameterValue");
  });

  test("ModifyInstanceAttribute: DisableApiStop in both forms; what Hive cannot honour is refused naming it", () => {
    ok(["ec2", "modify-instance-attribute", "--instance-id", instance, "--no-disable-api-stop"]);
    assert.equal(ok(["ec2", "describe-instance-attribute", "--instance-id", instance, "--attribute", "disableApiStop"]).DisableApiStop.Value, false);
    ok(["ec2", "modify-instance-attribute", "--instance-id", instance, "--attribute", "disableApiStop", "--value", "true"]);
    assert.equal(ok(["ec2", "describe-instance-attribute", "--instance-id", instance, "--attribute", "disableApiStop"]).DisableApiStop.Value, true);
    ok(["ec2", "modify-instance-attribute", "--instance-id", instance, "--disable-api-stop", "Value=false"]);
    fails(["ec2", "modify-instance-attribute", "--instance-id", instance, "--kernel", "Value=aki-12345678"], "UnsupportedOperation");
    fails(["ec2", "modify-instance-attribute", "--instance-id", instance, "--no-ena-support"], "UnsupportedOperation");
    fails(["ec2", "modify-instance-attribute", "--instance-id", instance, "--ebs-optimized"], "UnsupportedOperation");
    fails(["ec2", "modify-instance-attribute", "--instance-id", instance, "--attribute", "rootDeviceName", "--value", "/dev/sda1"], "InvalidParameterValue");
    fails(["ec2", "describe-instance-attribute", "--instance-id", instance, "--attribute", "colour"], "InvalidParameterValue");
  });

  test("unprotected, it stops; resized to m5.large it has no credit option: an error to describe, Unsuccessful to modify", async () => {
    ok(["ec2", "stop-instances", "--instance-ids", instance]);
    await until("the instance to stop", () => ok(["ec2", "describe-instances", "--instance-ids", instance]).Reservations[0].Instances[0].State.Name === "stopped");
    ok(["ec2", "modify-instance-attribute", "--instance-id", instance, "--instance-type", "Value=m5.large"]);
    fails(["ec2", "describe-instance-credit-specifications", "--instance-ids", instance], "InstanceCreditSpecification.NotSupported");
    const r = ok(["ec2", "modify-instance-credit-specification", "--instance-credit-specification", `InstanceId=${instance},CpuCredits=unlimited`]);
    assert.deepEqual(r.SuccessfulInstanceCreditSpecifications, []);
    assert.deepEqual(r.UnsuccessfulInstanceCreditSpecifications.map((u: any) => u.Error.Code), ["InstanceCreditSpecification.NotSupported"]);
  });
});

describe("IAM before IAM exists", () => {
  test("DescribeIamInstanceProfileAssociations is empty and checks its input; associating stays UnsupportedOperation", async () => {
    assert.deepEqual(ok(["ec2", "describe-iam-instance-profile-associations"]).IamInstanceProfileAssociations, []);
    const filtered = ok(["ec2", "describe-iam-instance-profile-associations", "--filters", `Name=instance-id,Values=${instance}`, "Name=state,Values=associated"]);
    assert.deepEqual(filtered.IamInstanceProfileAssociations, []);
    fails(["ec2", "describe-iam-instance-profile-associations", "--association-ids", "iip-assoc-0123456789abcdef0"], "InvalidAssociationID.NotFound");
    fails(["ec2", "describe-iam-instance-profile-associations", "--filters", "Name=colour,Values=red"], "InvalidParameterValue");
    const client = ec2Client(hive);
    // The CLI checks MaxResults' bounds itself; the SDK v3 sends what it is given.
    assert.equal(await sdkCode(client.send(new DescribeIamInstanceProfileAssociationsCommand({ MaxResults: 2 }))), "InvalidParameterValue");
    const code = await sdkCode(client.send(new AssociateIamInstanceProfileCommand({ InstanceId: instance, IamInstanceProfile: { Name: "admin" } })));
    assert.equal(code, "UnsupportedOperation");
    assert.deepEqual(boto3(`out(ec2.describe_iam_instance_profile_associations()["IamInstanceProfileAssociations"])`), []);
  });

  test("ListAccountAliases: none, through the CLI (environment and --endpoint-url), boto3 and @aws-sdk/client-iam", async () => {
    // The CLI pages by itself and keeps IsTruncated to itself.
    assert.deepEqual(ok(["iam", "list-account-aliases"]), { AccountAliases: [] });
    // The flag alone points the CLI at the appliance: the environment names a port nothing listens on.
    const withFlag = aws(hive, ["iam", "list-account-aliases", "--endpoint-url", hive.endpoint], { AWS_ENDPOINT_URL: "https://127.0.0.1:1" });
    assert.equal(withFlag.status, 0, withFlag.stderr);
    assert.deepEqual(withFlag.json().AccountAliases, []);
    assert.deepEqual(boto3(`r = iam.list_account_aliases(); out([r["AccountAliases"], r["IsTruncated"]])`), [[], false]);
    const sdk = await iamClient(hive).send(new ListAccountAliasesCommand({}));
    assert.deepEqual([sdk.AccountAliases, sdk.IsTruncated], [[], false]);
  });
});
