// End to end with the compiled hive and the 3-second test guest: launch templates and their versions driven by the aws
// CLI, boto3 and @aws-sdk/client-ec2; two instances launched from a template (one as the template says, one with the
// call's own parameters over it), read back as a user would; GetLaunchTemplateData; every refusal with its AWS code.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  paginateDescribeLaunchTemplates,
  RunInstancesCommand,
  waitUntilInstanceRunning,
} from "@aws-sdk/client-ec2";
import { awsDriver } from "../helpers/e2e.ts";
import { ec2Client, ROOT, runHive, startHive, type HiveInstance } from "../helpers/hive.ts";

const GUEST = path.join(ROOT, "build", "test-guest", "hive-test-guest.raw");
// Two 2-vCPU instances must fit at once, whatever this host's CPU count.
const CAPACITY_ARGS = ["--cpu-overcommit", String(4 / Math.max(1, Math.min(4, cpuCount())))];

function cpuCount(): number {
  return (fs.readFileSync("/proc/cpuinfo", "utf8").match(/^processor\s*:/gm) ?? []).length;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const TEMPLATE_USER_DATA = "#!/bin/sh\necho from-template\n";
const CALL_USER_DATA = "#!/bin/sh\necho from-the-call\n";

let hive: HiveInstance;
let ami = "";
let templateId = "";
let fromTemplate = ""; // launched as the template's latest version says
let overridden = ""; // launched from the default version with the call's own type and user data

before(async () => {
  assert.ok(fs.existsSync(GUEST), `${GUEST} is missing: run scripts/build-test-guest.sh (npm test does)`);
  hive = await startHive(CAPACITY_ARGS);
  const r = runHive(["image", "import", GUEST, "--name", "hive-test-guest", "--data-dir", hive.dataDir], { HOME: hive.home });
  assert.equal(r.status, 0, r.stderr);
  ami = r.stdout.trim();
});
after(async () => {
  await hive?.stop();
});

const { ok, fails } = awsDriver(() => hive);
const tagsOf = (x: { Tags?: Array<{ Key?: string; Value?: string }> }) => Object.fromEntries((x.Tags ?? []).map((t) => [t.Key, t.Value]));
const instance = (id: string) => ok(["ec2", "describe-instances", "--instance-ids", id]).Reservations[0].Instances[0];
const userDataOf = (id: string) => ok(["ec2", "describe-instance-attribute", "--instance-id", id, "--attribute", "userData"]).UserData.Value;

/** Runs a boto3 script with the appliance's credentials; the script prints one JSON document. */
function boto3(script: string): any {
  const prelude = [
    "import base64, json, boto3, botocore.exceptions",
    "ec2 = boto3.client('ec2')",
    "def code_of(fn):",
    "    try:",
    "        fn()",
    "    except botocore.exceptions.ClientError as e:",
    "        return e.response['Error']['Code']",
    "    return None",
  ].join("\n");
  const r = spawnSync("python3", ["-c", `${prelude}\n${script}`], {
    env: { ...process.env, HOME: hive.home, AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null", ...hive.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("templates and versions (aws CLI)", () => {
  test("create-launch-template makes version 1, the default, with the template's tags", () => {
    const data = {
      ImageId: ami,
      InstanceType: "t3.nano",
      UserData: b64(TEMPLATE_USER_DATA),
      TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "lt-web" }] }],
    };
    const { LaunchTemplate: t } = ok([
      "ec2", "create-launch-template", "--launch-template-name", "web", "--version-description", "v1",
      "--launch-template-data", JSON.stringify(data),
      "--tag-specifications", "ResourceType=launch-template,Tags=[{Key=team,Value=blue}]",
    ]);
    assert.match(t.LaunchTemplateId, /^lt-[0-9a-f]{17}$/);
    assert.equal(t.DefaultVersionNumber, 1);
    assert.equal(t.LatestVersionNumber, 1);
    assert.deepEqual(t.Tags, [{ Key: "team", Value: "blue" }]);
    assert.match(t.CreatedBy, /^arn:aws:iam::\d{12}:/);
    templateId = t.LaunchTemplateId;
  });

  test("a version from --source-version inherits the source and overrides what it gives", () => {
    const { LaunchTemplateVersion: v } = ok([
      "ec2", "create-launch-template-version", "--launch-template-name", "web", "--source-version", "1", "--version-description", "v2",
      "--launch-template-data", JSON.stringify({ InstanceType: "t3.micro" }),
    ]);
    assert.equal(v.VersionNumber, 2);
    assert.equal(v.DefaultVersion, false);
    assert.equal(v.LaunchTemplateData.InstanceType, "t3.micro");
    assert.equal(v.LaunchTemplateData.ImageId, ami);
    assert.equal(v.LaunchTemplateData.UserData, b64(TEMPLATE_USER_DATA));
    assert.deepEqual(v.LaunchTemplateData.TagSpecifications, [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "lt-web" }] }]);
  });

  test("describe-launch-template-versions: $Latest and $Default, and a filter", () => {
    const both = ok(["ec2", "describe-launch-template-versions", "--launch-template-id", templateId, "--versions", "$Latest", "$Default"]).LaunchTemplateVersions;
    assert.deepEqual(both.map((v: any) => [v.VersionNumber, v.DefaultVersion, v.VersionDescription]), [[1, true, "v1"], [2, false, "v2"]]);
    const micro = ok(["ec2", "describe-launch-template-versions", "--launch-template-name", "web", "--filters", "Name=instance-type,Values=t3.micro"]).LaunchTemplateVersions;
    assert.deepEqual(micro.map((v: any) => v.VersionNumber), [2]);
    const tagged = ok(["ec2", "describe-launch-templates", "--filters", "Name=tag:team,Values=blue"]).LaunchTemplates;
    assert.deepEqual(tagged.map((t: any) => t.LaunchTemplateName), ["web"]);
  });
});

describe("instances from the template", () => {
  test("run-instances --launch-template ...,Version=$Latest: the template's type, user data and tags", () => {
    const res = ok(["ec2", "run-instances", "--launch-template", "LaunchTemplateName=web,Version=$Latest"]);
    const [i] = res.Instances;
    fromTemplate = i.InstanceId;
    assert.equal(i.ImageId, ami);
    assert.equal(i.InstanceType, "t3.micro");
    assert.deepEqual(tagsOf(i), { Name: "lt-web", "aws:ec2launchtemplate:id": templateId, "aws:ec2launchtemplate:version": "2" });
    assert.equal(userDataOf(fromTemplate), b64(TEMPLATE_USER_DATA));
  });

  test("modify-launch-template --default-version 2; the SDK's RunInstances from the default with its own type and user data", async () => {
    const { LaunchTemplate: t } = ok(["ec2", "modify-launch-template", "--launch-template-id", templateId, "--default-version", "2"]);
    assert.equal(t.DefaultVersionNumber, 2);
    const client = ec2Client(hive);
    const res = await client.send(
      new RunInstancesCommand({
        LaunchTemplate: { LaunchTemplateId: templateId },
        MinCount: 1,
        MaxCount: 1,
        InstanceType: "t3.nano",
        UserData: b64(CALL_USER_DATA),
        TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "role", Value: "override" }] }],
      }),
    );
    overridden = res.Instances![0]!.InstanceId!;
    const described = (await client.send(new DescribeInstancesCommand({ InstanceIds: [overridden] }))).Reservations![0]!.Instances![0]!;
    assert.equal(described.InstanceType, "t3.nano");
    // The call's tags join the template's; the template's version is the default one.
    assert.deepEqual(tagsOf(described), { Name: "lt-web", role: "override", "aws:ec2launchtemplate:id": templateId, "aws:ec2launchtemplate:version": "2" });
    const attr = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: overridden, Attribute: "userData" }));
    assert.equal(attr.UserData?.Value, b64(CALL_USER_DATA));
    await waitUntilInstanceRunning({ client, maxWaitTime: 120 }, { InstanceIds: [fromTemplate, overridden] });
    assert.equal(instance(fromTemplate).State.Name, "running");
  });

  test("the launch template tags are EC2's: listed, found by filter, not deletable", () => {
    const found = ok(["ec2", "describe-instances", "--filters", `Name=tag:aws:ec2launchtemplate:id,Values=${templateId}`]);
    assert.deepEqual(found.Reservations.flatMap((r: any) => r.Instances.map((i: any) => i.InstanceId)).sort(), [fromTemplate, overridden].sort());
    fails(["ec2", "delete-tags", "--resources", fromTemplate, "--tags", "Key=aws:ec2launchtemplate:id"], "InvalidParameterValue");
    const tags = ok(["ec2", "describe-tags", "--filters", "Name=resource-type,Values=launch-template"]).Tags;
    assert.deepEqual(tags.map((t: any) => [t.ResourceId, t.Key, t.Value]), [[templateId, "team", "blue"]]);
  });

  test("boto3: GetLaunchTemplateData of the instance, and a template made from it", () => {
    const out = boto3(`
d = ec2.get_launch_template_data(InstanceId='${fromTemplate}')['LaunchTemplateData']
nic = d['NetworkInterfaces'][0]
made = ec2.create_launch_template(LaunchTemplateName='from-instance', LaunchTemplateData={
    k: v for k, v in d.items() if k not in ('NetworkInterfaces',)})['LaunchTemplate']
v = ec2.describe_launch_template_versions(LaunchTemplateId=made['LaunchTemplateId'])['LaunchTemplateVersions'][0]
print(json.dumps({'image': d['ImageId'], 'type': d['InstanceType'], 'user': d.get('UserData'), 'tags': d.get('TagSpecifications'),
                  'zone': d['Placement']['AvailabilityZone'], 'devices': [m['DeviceName'] for m in d['BlockDeviceMappings']],
                  'subnet': nic['SubnetId'], 'made': v['LaunchTemplateData']['InstanceType']}))
`);
    assert.equal(out.image, ami);
    assert.equal(out.type, "t3.micro");
    assert.equal(out.user, b64(TEMPLATE_USER_DATA));
    assert.deepEqual(out.tags, [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "lt-web" }] }]);
    assert.equal(out.zone, instance(fromTemplate).Placement.AvailabilityZone);
    assert.deepEqual(out.devices, ["/dev/xvda"]);
    assert.equal(out.subnet, instance(fromTemplate).SubnetId);
    assert.equal(out.made, "t3.micro");
  });

  test("terminate-instances ends both", () => {
    const res = ok(["ec2", "terminate-instances", "--instance-ids", fromTemplate, overridden]);
    assert.equal(res.TerminatingInstances.length, 2);
  });
});

describe("listings (boto3 and the SDK)", () => {
  test("boto3 pages templates and versions; MinVersion/MaxVersion bound the versions", () => {
    const out = boto3(`
for n in ('page-a', 'page-b'):
    ec2.create_launch_template(LaunchTemplateName=n, LaunchTemplateData={'ImageId': '${ami}'})
ids = []
for page in ec2.get_paginator('describe_launch_templates').paginate(PaginationConfig={'PageSize': 1}):
    assert len(page['LaunchTemplates']) <= 1
    ids += [t['LaunchTemplateName'] for t in page['LaunchTemplates']]
ec2.create_launch_template_version(LaunchTemplateName='web', SourceVersion='$Latest', LaunchTemplateData={'InstanceType': 't3.small'})
bounded = ec2.describe_launch_template_versions(LaunchTemplateName='web', MinVersion='2', MaxVersion='3')['LaunchTemplateVersions']
print(json.dumps({'names': sorted(ids), 'bounded': [v['VersionNumber'] for v in bounded]}))
`);
    assert.deepEqual(out.names, ["from-instance", "page-a", "page-b", "web"]);
    assert.deepEqual(out.bounded, [2, 3]);
  });

  test("the SDK pages the same way and reads the latest and default versions of every template", async () => {
    const client = ec2Client(hive);
    const names: string[] = [];
    for await (const page of paginateDescribeLaunchTemplates({ client, pageSize: 2 }, {})) names.push(...(page.LaunchTemplates ?? []).map((t) => t.LaunchTemplateName!));
    assert.deepEqual(names.sort(), ["from-instance", "page-a", "page-b", "web"]);
    const all = await client.send(new DescribeLaunchTemplateVersionsCommand({ Versions: ["$Latest", "$Default"] }));
    const web = all.LaunchTemplateVersions!.filter((v) => v.LaunchTemplateName === "web").map((v) => [v.VersionNumber, v.DefaultVersion]);
    assert.deepEqual(web, [[2, true], [3, false]]);
  });
});

describe("refusals, with AWS's codes", () => {
  test("names and ids", () => {
    fails(["ec2", "create-launch-template", "--launch-template-name", "web", "--launch-template-data", JSON.stringify({ ImageId: ami })], "InvalidLaunchTemplateName.AlreadyExistsException");
    fails(["ec2", "create-launch-template", "--launch-template-name", "no spaces", "--launch-template-data", JSON.stringify({ ImageId: ami })], "InvalidLaunchTemplateName.MalformedException");
    fails(["ec2", "create-launch-template", "--launch-template-name", "empty", "--launch-template-data", "{}"], "MissingParameter");
    fails(["ec2", "describe-launch-templates", "--launch-template-names", "nothere"], "InvalidLaunchTemplateName.NotFoundException");
    fails(["ec2", "delete-launch-template", "--launch-template-id", "lt-0123456789abcdef0"], "InvalidLaunchTemplateId.NotFound");
    fails(["ec2", "delete-launch-template", "--launch-template-id", "lt-nope"], "InvalidLaunchTemplateId.Malformed");
    fails(["ec2", "modify-launch-template", "--default-version", "1"], "MissingParameter");
    fails(["ec2", "modify-launch-template", "--launch-template-id", templateId, "--launch-template-name", "web", "--default-version", "1"], "InvalidParameterCombination");
  });

  test("versions", () => {
    fails(["ec2", "describe-launch-template-versions", "--launch-template-id", templateId, "--versions", "9"], "InvalidLaunchTemplateId.VersionNotFound");
    fails(["ec2", "modify-launch-template", "--launch-template-id", templateId, "--default-version", "9"], "InvalidLaunchTemplateId.VersionNotFound");
    fails(["ec2", "create-launch-template-version", "--launch-template-id", templateId, "--source-version", "9", "--launch-template-data", "{\"InstanceType\":\"t3.nano\"}"], "InvalidLaunchTemplateId.VersionNotFound");
    const out = ok(["ec2", "delete-launch-template-versions", "--launch-template-id", templateId, "--versions", "2", "3", "42"]);
    assert.deepEqual(out.SuccessfullyDeletedLaunchTemplateVersions.map((v: any) => v.VersionNumber), [3]);
    assert.deepEqual(out.UnsuccessfullyDeletedLaunchTemplateVersions.map((v: any) => [v.VersionNumber, v.ResponseError.Code]), [[2, "unexpectedError"], [42, "launchTemplateVersionDoesNotExist"]]);
  });

  test("RunInstances from a template it cannot use (boto3)", () => {
    const out = boto3(`
subnet = ec2.describe_subnets()['Subnets'][0]['SubnetId']
group = ec2.describe_security_groups()['SecurityGroups'][0]['GroupId']
ec2.create_launch_template(LaunchTemplateName='with-nic', LaunchTemplateData={'ImageId': '${ami}', 'NetworkInterfaces': [{'DeviceIndex': 0, 'SubnetId': subnet}]})
ec2.create_launch_template(LaunchTemplateName='public-ip', LaunchTemplateData={'ImageId': '${ami}', 'NetworkInterfaces': [{'DeviceIndex': 0, 'AssociatePublicIpAddress': True}]})
run = lambda **kw: ec2.run_instances(MinCount=1, MaxCount=1, **kw)
print(json.dumps({
    'unknown': code_of(lambda: run(LaunchTemplate={'LaunchTemplateName': 'nothere'})),
    'unknown_id': code_of(lambda: run(LaunchTemplate={'LaunchTemplateId': 'lt-0123456789abcdef0'})),
    'neither': code_of(lambda: run(LaunchTemplate={'Version': '1'})),
    'both': code_of(lambda: run(LaunchTemplate={'LaunchTemplateId': '${templateId}', 'LaunchTemplateName': 'web'})),
    'version': code_of(lambda: run(LaunchTemplate={'LaunchTemplateName': 'web', 'Version': '7'})),
    'nic_and_groups': code_of(lambda: run(LaunchTemplate={'LaunchTemplateName': 'with-nic'}, SecurityGroupIds=[group])),
    'nic_and_subnet': code_of(lambda: run(LaunchTemplate={'LaunchTemplateName': 'with-nic'}, SubnetId=subnet)),
    'public_ip': code_of(lambda: run(LaunchTemplate={'LaunchTemplateName': 'public-ip'})),
    'instances': sum(len(r['Instances']) for r in ec2.describe_instances(Filters=[{'Name': 'instance-state-name', 'Values': ['pending', 'running']}])['Reservations']),
}))
`);
    assert.deepEqual(out, {
      unknown: "InvalidLaunchTemplateName.NotFoundException",
      unknown_id: "InvalidLaunchTemplateId.NotFound",
      neither: "MissingParameter",
      both: "InvalidParameterCombination",
      version: "InvalidLaunchTemplateId.VersionNotFound",
      nic_and_groups: "InvalidParameterCombination",
      nic_and_subnet: "InvalidParameterCombination",
      public_ip: "UnsupportedOperation",
      instances: 0,
    });
  });

  test("delete-launch-template takes the template, its versions and its tags", () => {
    const { LaunchTemplate: t } = ok(["ec2", "delete-launch-template", "--launch-template-name", "web"]);
    assert.equal(t.LaunchTemplateId, templateId);
    fails(["ec2", "describe-launch-template-versions", "--launch-template-id", templateId], "InvalidLaunchTemplateId.NotFound");
    assert.deepEqual(ok(["ec2", "describe-tags", "--filters", `Name=resource-id,Values=${templateId}`]).Tags, []);
  });
});
